import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, jsonLines, run, sh } from './helpers/util.js';

describe('mmio-filter CLI on the real e1000 traces', () => {
  it('--name e1000-mmio keeps the 12,142 accesses of the QEMU memory-ops trace', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | mmio-filter --name e1000-mmio --count`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('12142\n');
  });

  it('--dev 0000:00:02.0 --region 0 keeps the 11,946 accesses of the mmiotrace', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'mmiotrace.log')} | mmio-filter --dev 0000:00:02.0 --region 0 --type read,write`);
    expect(jsonLines(r.stdout)).toHaveLength(11946);
    const c = await sh(`mmio-parse ${join(FIXTURES, 'mmiotrace.log')} | mmio-filter --dev 00:02.0 --region 0 --count`);
    expect(c.stdout).toBe('11946\n');
  });

  it('marker windows on the real mmiotrace', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'mmiotrace.log')} | mmio-filter --from-mark 'probe starting' --to-mark 'probe done' --type write --count`);
    expect(r.stdout).toBe('5388\n');
  });
});

describe('mmio-filter errors', () => {
  it('invalid JSON is exit 1 with file:line', async () => {
    const r = await run('mmio-filter', [], '{"type":"write","offset":"0x0","width":4,"value":"0x1"}\n{"type":"write",\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mmio-filter: <stdin>:2: invalid JSON: /);
    expect(r.stdout).toBe('{"type":"write","offset":"0x0","width":4,"value":"0x1"}\n'); // what came before
  });

  it('a schema violation is exit 1 with the field', async () => {
    const r = await run('mmio-filter', [], '{"type":"write","offset":"0x0","width":3,"value":"0x1"}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmio-filter: <stdin>:1: "width" must be 1, 2, 4 or 8, not 3\n');
  });

  it('--skip-invalid warns once with a count and goes on', async () => {
    const r = await run('mmio-filter', ['--skip-invalid'], 'nope\n{"type":"write","offset":"0x0","width":4,"value":"0x1"}\n{"type":1}\n');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mmio-filter: skipped 2 invalid lines \(first: <stdin>:1: invalid JSON/);
  });

  it('a bad option value is exit 2 with the reason', async () => {
    const r = await run('mmio-filter', ['--offset', '0x10-0x5'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mmio-filter: --offset "0x10-0x5": the range is empty');
    const w = await run('mmio-filter', ['--width', '3'], '');
    expect(w.code).toBe(2);
  });

  it('| head -1 exits 0 quietly', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | mmio-filter --type write | head -1`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
