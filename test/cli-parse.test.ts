import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, gz, jsonLines, run, sh } from './helpers/util.js';

describe('mmio-parse CLI', () => {
  it('reads stdin, gzip on stdin, and several files in order', async () => {
    const line = '1@2.000003:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)\n';
    const a = await run('mmio-parse', [], line);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('{"type":"write","src":"vfio","dev":"0000:03:00.0","region":2,"offset":"0x10","width":4,"value":"0x1","t":2.000003,"tid":1,"line":1}\n');
    const b = await run('mmio-parse', ['-'], gz(line));
    expect(b.stdout).toBe(a.stdout);
    const c = await run('mmio-parse', [join(FIXTURES, 'mmiotrace.log'), join(FIXTURES, 'qemu-vfio.log')]);
    const evs = jsonLines(c.stdout);
    expect(evs[0]!.type).toBe('device');
    expect(evs.at(-1)).toMatchObject({ src: 'vfio-config', line: 12322 });
  });

  it('exits 1 with file:line and the reason for a malformed line, and prints what came before', async () => {
    const r = await run('mmio-parse', [], '1@1.1:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)\n1@1.2:vfio_region_write  (0000:03:00.0:region2+0x4, 0x1, 3)\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmio-parse: <stdin>:2: vfio_region_write: width 3 is not 1, 2, 4 or 8\n');
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ offset: '0x0', line: 1 })]);
  });

  it('summarises unrecognised lines in one stderr line, exit 0', async () => {
    const r = await run('mmio-parse', [], 'garbage\nmore garbage\n1@1.1:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)\n');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(1);
    expect(r.stderr).toBe('mmio-parse: <stdin>: skipped 2 unrecognised lines (first at line 1)\n');
  });

  it('a missing file is exit 1 with its name; a bad option is exit 2', async () => {
    const r = await run('mmio-parse', ['/nonexistent/trace.log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmio-parse: /nonexistent/trace.log: no such file or directory\n');
    const u = await run('mmio-parse', ['--format', 'pcap']);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('mmio-parse: --format "pcap": expected one of auto, qemu, mmiotrace, simple (see mmio-parse --help)\n');
    const v = await run('mmio-parse', ['--frobnicate']);
    expect(v.code).toBe(2);
    expect(v.stderr).toBe('mmio-parse: unknown option --frobnicate (see mmio-parse --help)\n');
  });

  it('binary garbage is not a crash', async () => {
    const r = await run('mmio-parse', ['--strict'], Buffer.from([0, 1, 2, 255, 10, 200, 13, 10]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mmio-parse: <stdin>:1: unrecognised line /);
  });

  it('| head -1 exits 0 quietly on the 1.5M-line trace', async () => {
    const r = await sh(`mmio-parse ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | head -1`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(jsonLines(r.stdout)).toHaveLength(1);
  });

  it('--jobs 2 gives the same bytes as one thread on a trace large enough to start workers; a bad --jobs is exit 2', async () => {
    const vfio = readFileSync(join(FIXTURES, 'qemu-vfio.log'));
    const input = Buffer.concat(Array(12).fill(vfio)); // 12 MB: workers load during the first MiBs, then take blocks
    const [one, two] = await Promise.all([run('mmio-parse', ['-j', '1'], input), run('mmio-parse', ['-j', '2'], input)]);
    expect(two.code).toBe(0);
    expect(two.stdoutBuf.equals(one.stdoutBuf)).toBe(true);
    expect(jsonLines(two.stdout).at(-1)).toMatchObject({ line: 12 * 12322 });
    const broken = Buffer.concat([input, Buffer.from('1@1.1:vfio_region_write  (0000:03:00.0:region2+0x4, 0x1, 3)\n'), vfio]);
    const bad = await run('mmio-parse', ['-j', '2'], broken);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`mmio-parse: <stdin>:${12 * 12322 + 1}: vfio_region_write: width 3 is not 1, 2, 4 or 8\n`);
    expect(bad.stdoutBuf.equals(one.stdoutBuf)).toBe(true);
    for (const j of ['0', 'x', '1.5']) expect((await run('mmio-parse', ['-j', j], '')).code).toBe(2);
  });

  it('--help exits 0 and documents the options', async () => {
    const r = await run('mmio-parse', ['--help']);
    expect(r.code).toBe(0);
    for (const o of ['--format', '--all', '--strict', '--skip-invalid', '--jobs']) expect(r.stdout).toContain(o);
  });
});
