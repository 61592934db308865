/**
 * The job the project exists for, end to end: parse | filter | replay | extract
 * on generated BCM43602 bring-up traces in both NVRAM layouts, the Makefile
 * recipe, and the seed's own quoted lines replayed as qmap would.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, jsonLines, run, sh } from './helpers/util.js';
// @ts-expect-error: plain JS module
import { generate, WIN_NVRAM_TEXT } from '../examples/bcm43602/generate.mjs';

interface Generated {
  trace: string;
  nvram: { dev03: string; dev04: string };
  firmware: { dev03: Buffer; dev04: Buffer };
}

describe('bcm43602 bring-up: parse | filter | replay | extract', () => {
  let dir: string;
  let g: Generated;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
    g = generate({ seed: 7, fwSize: 9000 }) as Generated;
    writeFileSync(join(dir, 'trace.log'), g.trace);
  });

  it.each([
    ['dev03', '0000:03:00.0', 'Windows layout'],
    ['dev04', '04:00.0', 'Linux layout'],
  ] as const)('%s (%s, %s): exact NVRAM text and firmware bytes', async (stem, dev, _layout) => {
    const r = await sh(`mmio-parse trace.log | mmio-filter --dev ${dev} --region 2 | mmio-replay -o ${stem}.bin && mmio-extract nvram ${stem}.bin > ${stem}.txt && mmio-extract firmware ${stem}.bin -o ${stem}.fw`, { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, `${stem}.txt`), 'latin1')).toBe(g.nvram[stem]);
    expect(Buffer.compare(readFileSync(join(dir, `${stem}.fw`)), g.firmware[stem])).toBe(0);
  });

  it('the seed hand-cut is one filter: exactly the NVRAM writes of 0000:03:00.0', async () => {
    const r = await sh('mmio-parse trace.log | mmio-filter --dev 0000:03:00.0 --region 2 --offset 0x26c960-0x270000', { cwd: dir });
    const evs = jsonLines(r.stdout);
    const expected = g.trace.split('\n').filter((l) => l.includes('0000:03:00.0:region2+0x26') && l.includes('vfio_region_write'));
    expect(evs.filter((e) => e.type === 'write')).toHaveLength(expected.length);
    expect(evs.filter((e) => e.type === 'write').map((e) => e.line)).toEqual(
      g.trace.split('\n').flatMap((l, i) => (expected.includes(l) ? [i + 1] : [])),
    );
    // Context passes where it is about the selected device and region (or no region).
    expect(evs.every((e) => e.dev === '0000:03:00.0' && (e.region === 2 || (e.region === undefined && e.type === 'irq')))).toBe(true);
    expect(evs.filter((e) => e.type === 'region').map((e) => [e.region, e.size])).toEqual([[2, '0x400000']]);
    expect(evs.find((e) => e.type === 'write')).toMatchObject({ type: 'write', offset: '0x26c960', value: '0xa5a5a5a5' });
  });

  it('several regions are an error listing them; --split writes one image each', async () => {
    const r = await sh('mmio-parse trace.log | mmio-filter --region 2 --type write | mmio-replay -o both.bin', { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "mmio-replay: the writes are for 2 regions (dev 0000:04:00.0 region 2; dev 0000:03:00.0 region 2): select one with mmio-filter, or use --split 'img-{dev}-{region}.bin'\n",
    );
    expect(existsSync(join(dir, 'both.bin'))).toBe(false);
    const s = await sh("mmio-parse trace.log | mmio-filter --region 2 | mmio-replay --split 'img-{dev}-{region}.bin'", { cwd: dir });
    expect(s.code).toBe(0);
    const sums = jsonLines(s.stdout);
    expect(sums.map((x) => x.path)).toEqual(['img-0000-04-00.0-2.bin', 'img-0000-03-00.0-2.bin']);
    expect(sums[1]).toMatchObject({ type: 'image', dev: '0000:03:00.0', region: 2, origin: '0x0' });
    const img = readFileSync(join(dir, 'img-0000-03-00.0-2.bin'));
    expect(img.readUInt32LE(WIN_NVRAM_TEXT - 4)).toBe(g.nvram.dev03.length);
  });

  it('--verify-reads reports the register the device changed', async () => {
    const r = await sh('mmio-parse trace.log | mmio-filter --dev 03:00.0 --region 2 | mmio-replay -o v.bin --verify-reads', { cwd: dir });
    const evs = jsonLines(r.stdout);
    expect(evs.filter((e) => e.type === 'mismatch')).toEqual([
      expect.objectContaining({ type: 'mismatch', offset: '0x26c964', width: 4, value: '0x7fdd0001', image: '0x7fdd0000' }),
    ]);
  });

  it('bad input leaves no image behind, and an old image stays as it was', async () => {
    writeFileSync(join(dir, 'keep.bin'), 'old');
    const r = await run('mmio-replay', ['-o', join(dir, 'keep.bin')], '{"type":"write","offset":"0x0","width":4,"value":"0x1"}\n{"type":"write","offset":"0x4","width":4,"value":"zz"}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmio-replay: <stdin>:2: "value" must be a hex string of at most 64 bits like "0x1f", not "zz"\n');
    expect(readFileSync(join(dir, 'keep.bin'), 'latin1')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('every extract mode fails clearly when there is nothing to find', async () => {
    writeFileSync(join(dir, 'empty.bin'), Buffer.alloc(4096));
    const n = await run('mmio-extract', ['nvram', join(dir, 'empty.bin')]);
    expect(n.code).toBe(1);
    expect(n.stderr).toBe(`mmio-extract: ${join(dir, 'empty.bin')}: no NVRAM found (no run of 3 or more NUL-separated key=value entries)\n`);
    const f = await run('mmio-extract', ['firmware', join(dir, 'empty.bin'), '-o', join(dir, 'fw.bin')]);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('no Broadcom firmware found');
    expect(existsSync(join(dir, 'fw.bin'))).toBe(false);
    const s = await run('mmio-extract', ['strings', join(dir, 'empty.bin')]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('no strings of 4 or more characters');
    const u = await run('mmio-extract', ['carve', 'x']);
    expect(u.code).toBe(2);
  });
});

describe('the seed quoted lines, replayed with --origin first as qmap did', () => {
  // The 21 lines of seed 000 (its "..." left out): qmap maps base = first offset (0x26c960).
  const seed = `493@1581830832.154442:vfio_region_write  (0000:03:00.0:region2+0x26c960, 0xa5a5a5a5, 4)
493@1581830832.154450:vfio_region_write  (0000:03:00.0:region2+0x26ffda, 0x5a5a, 2)
493@1581830832.154454:vfio_region_write  (0000:03:00.0:region2+0x26ffdc, 0x5a5a, 2)
493@1581830832.154461:vfio_region_write  (0000:03:00.0:region2+0x26c964, 0x7fdd0000, 4)
493@1581830832.154469:vfio_region_write  (0000:03:00.0:region2+0x26c968, 0x0, 4)
493@1581830832.154477:vfio_region_write  (0000:03:00.0:region2+0x26c96c, 0x10000, 4)
493@1581830832.154484:vfio_region_write  (0000:03:00.0:region2+0x26c980, 0x17ae, 4)
493@1581830832.154493:vfio_region_write  (0000:03:00.0:region2+0x26e122, 0x3739, 2)
493@1581830832.154496:vfio_region_write  (0000:03:00.0:region2+0x26e124, 0x2c36382c, 4)
493@1581830832.154499:vfio_region_write  (0000:03:00.0:region2+0x26e128, 0x3437, 2)
493@1581830832.154503:vfio_region_write  (0000:03:00.0:region2+0x26e12a, 0x362c, 2)
493@1581830832.154506:vfio_region_write  (0000:03:00.0:region2+0x26e12c, 0x32352c34, 4)
493@1581830832.154509:vfio_region_write  (0000:03:00.0:region2+0x26e130, 0x0, 2)
493@1581830832.154521:vfio_region_write  (0000:03:00.0:region2+0x26e120, 0x2c36382c37392c39, 8)
493@1581830832.159343:vfio_region_write  (0000:03:00.0:region2+0x26c988, 0x730032313d766572, 8)
493@1581830832.159368:vfio_region_write  (0000:03:00.0:region2+0x26c987, 0x6d, 1)
493@1581830832.159376:vfio_region_write  (0000:03:00.0:region2+0x26c986, 0x6f, 1)
493@1581830832.159383:vfio_region_write  (0000:03:00.0:region2+0x26c985, 0x72, 1)
493@1581830832.159390:vfio_region_write  (0000:03:00.0:region2+0x26c984, 0x73, 1)
493@1581830832.159398:vfio_region_write  (0000:03:00.0:region2+0x26c974, 0x0, 4)
493@1581830832.159405:vfio_region_write  (0000:03:00.0:region2+0x26c978, 0x0, 4)
`;

  it('gives the image qmap would: each write at offset - first offset, little-endian, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    writeFileSync(join(dir, 'vfiotrace.nvram.txt'), seed);
    const r = await sh('mmio-parse vfiotrace.nvram.txt | mmio-replay --origin first -o nvram.bin', { cwd: dir });
    expect(r.code).toBe(0);
    const img = readFileSync(join(dir, 'nvram.bin'));
    // The expected image, built independently: a 0x26ffde - 0x26c960 byte buffer with every write applied.
    const want = Buffer.alloc(0x26ffde - 0x26c960);
    for (const l of seed.trim().split('\n')) {
      const m = /region2\+0x([0-9a-f]+), 0x([0-9a-f]+), (\d)\)/.exec(l)!;
      const at = parseInt(m[1]!, 16) - 0x26c960;
      let v = BigInt('0x' + m[2]);
      for (let i = 0; i < +m[3]!; i++, v >>= 8n) want[at + i] = Number(v & 0xffn);
    }
    expect(Buffer.compare(img, want)).toBe(0);
    expect(img.toString('latin1', 0x26c984 - 0x26c960, 0x26c984 - 0x26c960 + 12)).toBe('sromrev=12\0s');
    expect(jsonLines(r.stdout)[0]).toMatchObject({ origin: '0x26c960', size: '0x367e', writes: 21 });
  });
});

describe('the shipped example', () => {
  it('make recovers both NVRAM files and firmwares', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'example-'));
    cpSync(join(ROOT, 'examples', 'bcm43602'), dir, { recursive: true });
    const r = await sh(`make -s -C ${dir} BIN=${join(ROOT, 'node_modules', '.bin')}/`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const g = generate() as Generated;
    expect(readFileSync(join(dir, 'trace.log'), 'latin1')).toBe(g.trace);
    for (const stem of ['dev03', 'dev04'] as const) {
      expect(readFileSync(join(dir, 'out', `${stem}.nvram.txt`), 'latin1')).toBe(g.nvram[stem]);
      expect(Buffer.compare(readFileSync(join(dir, 'out', `${stem}.fw.bin`)), g.firmware[stem])).toBe(0);
    }
    const again = await sh(`make -C ${dir} BIN=${join(ROOT, 'node_modules', '.bin')}/`);
    expect(again.stdout).toContain('Nothing to be done');
  });

  it('a bad line at 8,000 of the trace fails make and keeps no image, in the one-process recipe and in a pipeline recipe with its pipefail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'example-bad-'));
    cpSync(join(ROOT, 'examples', 'bcm43602'), dir, { recursive: true });
    rmSync(join(dir, 'out'), { recursive: true, force: true }); // made by an earlier make in the work tree
    const lines = readFileSync(join(dir, 'trace.log'), 'latin1').split('\n');
    lines[7999] = '493@1581830832.000000:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 3)';
    writeFileSync(join(dir, 'trace.log'), lines.join('\n'), 'latin1');
    const bin = `BIN=${join(ROOT, 'node_modules', '.bin')}/`;
    const r = await sh(`make -s -C ${dir} ${bin} out/dev03.tcm.bin`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('mmio-replay: trace.log:8000: vfio_region_write: width 3 is not 1, 2, 4 or 8');
    expect(existsSync(join(dir, 'out', 'dev03.tcm.bin'))).toBe(false);
    // The pipeline form, as users write it: with the Makefile's SHELL and .SHELLFLAGS it fails too.
    const mk = readFileSync(join(dir, 'Makefile'), 'utf8').replace(
      /\t\$\(BIN\)mmio-replay --dev \$\(DEV_\$\*\) --region 2 --type write -o (\S+) \$< >/,
      '\t$(BIN)mmio-parse $< | $(BIN)mmio-filter --dev $(DEV_$*) --region 2 --type write | $(BIN)mmio-replay -o $1 >',
    );
    expect(mk).toContain('mmio-parse $< |');
    writeFileSync(join(dir, 'Makefile'), mk);
    const p = await sh(`make -s -C ${dir} ${bin} out/dev03.tcm.bin`);
    expect(p.code).not.toBe(0);
    expect(existsSync(join(dir, 'out', 'dev03.tcm.bin'))).toBe(false);
    // Without pipefail (what the example did before), make kept a truncated image.
    writeFileSync(join(dir, 'Makefile'), mk.replace(/^SHELL .*\n\.SHELLFLAGS .*\n/m, ''));
    const q = await sh(`make -s -C ${dir} ${bin} out/dev03.tcm.bin`);
    expect(q.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'dev03.tcm.bin'))).toBe(true);
  });
});
