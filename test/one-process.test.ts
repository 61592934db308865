/**
 * Issue 17: every tool that reads events reads raw traces too, with the same
 * parser and options, and takes the selectors of mmio-filter: the main job is
 * one command, and it gives the same bytes as the pipeline.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT, jsonLines, run, sh } from './helpers/util.js';

const TRACE = join(ROOT, 'examples', 'bcm43602', 'trace.log');
const VFIO = join(FIXTURES, 'qemu-vfio.log');
const dir = mkdtempSync(join(tmpdir(), 'mmio-one-'));

describe('the main job in one process', () => {
  it('mmio-replay --dev --region -o IMAGE trace.log: the same image as parse | filter | replay, in one thread and with -j 2', async () => {
    const one = await run('mmio-replay', ['--dev', '03:00.0', '--region', '2', '-o', join(dir, 'one.bin'), TRACE]);
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('');
    const pipe = await sh(`mmio-parse ${TRACE} | mmio-filter --dev 03:00.0 --region 2 | mmio-replay -o ${join(dir, 'pipe.bin')}`);
    expect(pipe.code).toBe(0);
    expect(readFileSync(join(dir, 'one.bin')).equals(readFileSync(join(dir, 'pipe.bin')))).toBe(true);
    expect(jsonLines(one.stdout)[0]).toMatchObject({ dev: '0000:03:00.0', region: 2, writes: 6493 });
    const j2 = await run('mmio-replay', ['-j', '2', '--dev', '03:00.0', '--region', '2', '-o', join(dir, 'j2.bin'), TRACE]);
    expect(j2.code).toBe(0);
    expect(readFileSync(join(dir, 'j2.bin')).equals(readFileSync(join(dir, 'one.bin')))).toBe(true);
    // gzip and stdin too.
    const gz = await sh(`gzip -c ${TRACE} | mmio-replay --dev 03:00.0 --region 2 -o ${join(dir, 'gz.bin')} -`);
    expect(gz.code).toBe(0);
    expect(readFileSync(join(dir, 'gz.bin')).equals(readFileSync(join(dir, 'one.bin')))).toBe(true);
  });

  it('-j 2 on a trace large enough to start the parser threads, in every tool that reads traces', async () => {
    const big = join(dir, 'big.log');
    const text = readFileSync(TRACE, 'latin1');
    writeFileSync(big, text.repeat(4), 'latin1'); // about 5 MB: the threads start after the first MiB
    const one = await run('mmio-replay', ['--dev', '03:00.0', '--region', '2', '-o', join(dir, 'big1.bin'), big]);
    expect(one.code).toBe(0);
    for (const [tool, args] of [
      ['mmio-replay', ['--dev', '03:00.0', '--region', '2', '-o', join(dir, 'big2.bin')]],
      ['mmio-filter', ['-c', '--region', '2']],
      ['mmio-format', ['--to', 'csv', '--region', '0']],
      ['mmio-annotate', ['--regs', 'examples/bcm43602/regs.json', '--region', '0']],
    ] as const) {
      const a = await run(tool, [...args, big]);
      const b = await run(tool, ['-j', '2', ...args, big]);
      expect(b.code, tool).toBe(0);
      expect(b.stderr, tool).toBe(a.stderr);
      expect(b.stdout.replace(/big[12]\.bin/g, 'big.bin'), tool).toBe(a.stdout.replace(/big[12]\.bin/g, 'big.bin'));
    }
    expect(readFileSync(join(dir, 'big1.bin')).equals(readFileSync(join(dir, 'big2.bin')))).toBe(true);
  });

  it('mmio-filter on a raw trace writes what parse | filter writes', async () => {
    const a = await run('mmio-filter', ['--dev', '03:00.0', '--region', '0', TRACE]);
    const b = await sh(`mmio-parse ${TRACE} | mmio-filter --dev 03:00.0 --region 0`);
    expect(a.stdout).toBe(b.stdout);
    expect(jsonLines(a.stdout).length).toBe(62);
  });

  it('mmio-format, mmio-annotate and mmio-diff read raw traces and take the selectors', async () => {
    const f = await run('mmio-format', ['--to', 'qemu', '--dev', '03:00.0', '--type', 'write', '--region', '2', TRACE]);
    const fp = await sh(`mmio-parse ${TRACE} | mmio-filter --dev 03:00.0 --type write --region 2 | mmio-format --to qemu`);
    expect(f.stdout).toBe(fp.stdout);
    const a = await run('mmio-annotate', ['--regs', 'examples/bcm43602/regs.json', '--dev', '03:00.0', '--region', '0', '--type', 'read,write', TRACE]);
    const ap = await sh(`mmio-parse ${TRACE} | mmio-filter --dev 03:00.0 --region 0 --type read,write | mmio-annotate --regs examples/bcm43602/regs.json`);
    expect(a.stdout).toBe(ap.stdout);
    expect(jsonLines(a.stdout).some((e) => e.reg === 'ARM_RESET_STATUS')).toBe(true);
    const same = await run('mmio-diff', [VFIO, VFIO]);
    expect(same.code).toBe(0);
    const d = await run('mmio-diff', ['--region', '1', VFIO, join(FIXTURES, 'mmiotrace.log')]);
    // The mmiotrace log has no region-1 accesses (an I/O BAR): the four VFIO writes are only in A.
    expect(d.code).toBe(1);
    expect(jsonLines(d.stdout).filter((e) => e.diff === '-').map((e) => e.offset)).toEqual(['0x0', '0x4', '0x0', '0x4']);
    const st = await run('mmio-diff', ['--mode', 'state', '--region', '0', VFIO, VFIO]);
    expect(st.code).toBe(0);
  });

  it('an input that starts with garbage and then NDJSON is read as NDJSON; one whose first readable line is a trace line is a trace', async () => {
    const nd = await run('mmio-filter', ['-c'], 'junk\n{"type":"write","offset":"0x0","width":4,"value":"0x1"}\n');
    expect(nd.code).toBe(1);
    expect(nd.stderr).toBe('mmio-filter: <stdin>:1: invalid JSON: Unexpected token \'j\', "junk" is not valid JSON\n');
    const tr = await run('mmio-filter', ['-c'], 'QEMU 9.2 starting\n1@1.5:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)\n');
    expect(tr.stdout).toBe('1\n');
    expect(tr.stderr).toBe('mmio-filter: <stdin>: skipped 1 unrecognised line (first at line 1)\n');
  });
});
