import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replayer, SparseImage, parseOrigin, splitPath, valueBytes, writeImage, type ReplayOptions } from '../src/index.js';

const base: ReplayOptions = { origin: 0n, fill: 0, bigEndian: false, verifyReads: false };
const w = (offset: string, value: string, width: number, extra: Record<string, unknown> = {}) => ({ type: 'write', dev: '0000:03:00.0', region: 2, offset, width, value, ...extra });

async function replay(events: Record<string, unknown>[], o: Partial<ReplayOptions> = {}) {
  const opts = { ...base, ...o };
  const mismatches: [Record<string, unknown>, string][] = [];
  const r = new Replayer(opts, (ev, img) => mismatches.push([ev, img]));
  events.forEach((e, i) => r.feed(e as { type: string }, 'in', i + 1));
  const dir = mkdtempSync(join(tmpdir(), 'replay-'));
  const out = [];
  for (const slot of r.slots.values()) {
    const path = join(dir, `img${out.length}.bin`);
    out.push({ summary: await writeImage(slot, path, opts), bytes: readFileSync(path), path });
  }
  return { out, mismatches };
}

describe('replay', () => {
  it('applies all widths little-endian, later writes overwriting earlier ones', async () => {
    const { out } = await replay([
      w('0x0', '0x1122334455667788', 8),
      w('0x8', '0xaabbccdd', 4),
      w('0xc', '0xeeff', 2),
      w('0xe', '0x99', 1),
      w('0x2', '0x0', 2), // overlaps the 8-byte write
      w('0x7', '0x4241', 2), // straddles two earlier writes
    ]);
    expect(out[0]!.bytes).toEqual(Buffer.from([0x88, 0x77, 0x00, 0x00, 0x44, 0x33, 0x22, 0x41, 0x42, 0xcc, 0xbb, 0xaa, 0xff, 0xee, 0x99]));
    expect(out[0]!.summary).toMatchObject({ origin: '0x0', size: '0xf', writes: 6, extents: [['0x0', '0xf']] });
  });

  it('--big-endian, --fill, --size and extents with holes', async () => {
    const { out } = await replay([w('0x2', '0x0102', 2), w('0x6', '0x03', 1)], { bigEndian: true, fill: 0xff, size: 10n });
    expect(out[0]!.bytes).toEqual(Buffer.from([0xff, 0xff, 0x01, 0x02, 0xff, 0xff, 0x03, 0xff, 0xff, 0xff]));
    expect(out[0]!.summary.extents).toEqual([['0x2', '0x4'], ['0x6', '0x7']]);
  });

  it('--origin first and min; a write below the origin is an error that says what to do', async () => {
    const evs = [w('0x1004', '0xaa', 1), w('0x1000', '0xbb', 1)];
    await expect(replay(evs, { origin: 'first' })).rejects.toThrow('a write at 0x1000 is below the origin 0x1004 (the first write\'s address; try --origin min)');
    const { out } = await replay(evs, { origin: 'min' });
    expect(out[0]!.bytes).toEqual(Buffer.from([0xbb, 0, 0, 0, 0xaa]));
    await expect(replay(evs, { origin: 0x1002n })).rejects.toMatchObject({ file: 'in', line: 2, message: 'write at 0x1000 is below the origin 0x1002 (try --origin min)' });
  });

  it('a write at 0x7ffffffff000 stays sparse: small memory, sparse file', async () => {
    const before = process.memoryUsage().rss;
    const { out } = await replay([w('0x7ffffffff000', '0xdeadbeef', 4)], { origin: 'min' });
    expect(out[0]!.bytes).toEqual(Buffer.from([0xef, 0xbe, 0xad, 0xde]));
    const img = new SparseImage();
    img.write(0x7ffffffff000n, valueBytes('0x1', 4, false));
    img.write(0x10n, valueBytes('0x1', 4, false));
    expect(img.extents()).toEqual([[0x10n, 0x14n], [0x7ffffffff000n, 0x7ffffffff004n]]);
    // 0x10 .. 0x7ffffffff004 with origin 0 would be 128 TiB: the file is sparse, the process does not grow.
    const r = new Replayer(base, () => undefined);
    r.feed(w('0x10', '0x1', 4) as { type: string }, 'in', 1);
    r.feed(w('0x10000000', '0x1', 4) as { type: string }, 'in', 2);
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const s = await writeImage([...r.slots.values()][0]!, join(dir, 'sparse.bin'), base);
    expect(s.size).toBe('0x10000004');
    const st = statSync(join(dir, 'sparse.bin'));
    expect(st.size).toBe(0x10000004);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('--verify-reads reports reads that differ from written bytes only', () => {
    const seen: string[] = [];
    const r = new Replayer({ ...base, verifyReads: true }, (ev, img) => seen.push(`${ev.offset} ${ev.value} ${img}`));
    const feed = (e: Record<string, unknown>) => r.feed(e as { type: string }, 'in', 1);
    feed(w('0x0', '0xa5a5a5a5', 4));
    feed({ ...w('0x0', '0xa5a5a5a5', 4), type: 'read' });
    feed({ ...w('0x0', '0xa5a5a5a4', 4), type: 'read' });
    feed({ ...w('0x2', '0xa5', 1), type: 'read' });
    feed({ ...w('0x4', '0x1', 4), type: 'read' }); // never written: unknown, not reported
    expect(seen).toEqual(['0x0 0xa5a5a5a4 0xa5a5a5a5']);
  });

  it('valueBytes gives the low width bytes of any 64-bit value, either byte order', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(1, 2, 4, 8), fc.boolean(), (v, width, bigEndian) => {
        const le = Array.from({ length: width }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
        expect([...valueBytes('0x' + v.toString(16), width, bigEndian)]).toEqual(bigEndian ? le.reverse() : le);
      }),
      { numRuns: 2000 },
    );
  });

  it('--split names and --origin parsing', () => {
    expect(splitPath('img-{dev}-{region}-{name}.bin', JSON.stringify(['0000:03:00.0', 2, null]))).toBe('img-0000-03-00.0-2-none.bin');
    expect(parseOrigin('0x180000')).toBe(0x180000n);
    expect(parseOrigin('first')).toBe('first');
    expect(() => parseOrigin('start')).toThrow('--origin "start": expected an address (hex 0x… or decimal), auto, first or min');
  });
});
