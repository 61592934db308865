/**
 * Standard output that is a pipe: mmio-parse and mmio-filter write their bytes
 * as they make them, with writes that do not wait (core's ByteWriter, `direct`),
 * and hand what the pipe does not take to the stream once it has waited a tick
 * or passed 4 MiB. Whatever the reader does, it gets every byte in order: a
 * reader that stops for longer than a tick, one that reads a little at a time,
 * one that goes away, and an error in the middle of a long output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { sh } from './helpers/util.js';
// @ts-expect-error: plain JS module
import { writeTrace } from '../bench/gen-trace.mjs';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A reader that takes `size` bytes at a time and stops `ms` after every `every`-th read (once for 400 ms, longer than a tick of the writer). */
const SLOW = `
const [size, every, ms] = process.argv.slice(2).map(Number);
const { readSync, writeSync } = require('node:fs');
const b = Buffer.alloc(size);
const sleep = (t) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, t);
let n = 0, long = false;
for (;;) {
  let k;
  try { k = readSync(0, b, 0, size, null); } catch (e) { if (e.code === 'EAGAIN') { sleep(1); continue; } throw e; }
  if (k === 0) break;
  let o = 0; while (o < k) o += writeSync(1, b, o, k - o);
  if (++n % every === 0) sleep(ms);
  if (!long && n === 40) { long = true; sleep(400); }
}
`;

describe('output to a pipe, written as it is made', () => {
  let dir: string;
  let ref: Buffer;
  let refFiltered: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'direct-'));
    // About 9 MB of trace, 16 MB of NDJSON: more than the 4 MiB a writer keeps before it waits.
    await writeTrace(join(dir, 'trace.log'), { lines: 100_000, seed: 3 });
    writeFileSync(join(dir, 'slow.cjs'), SLOW);
    // To files: the stream's own way, no direct writes.
    const r = await sh('mmio-parse trace.log > ref.ndjson && mmio-filter --dev 0000:03:00.0 --region 2 ref.ndjson > ref-f.ndjson', { cwd: dir });
    expect(r.code).toBe(0);
    ref = readFileSync(join(dir, 'ref.ndjson'));
    refFiltered = readFileSync(join(dir, 'ref-f.ndjson'));
    expect(ref.length).toBeGreaterThan(12 << 20);
  }, 60_000);

  it.each([
    ['a pipe-full at a time, with pauses', '65536 16 5'],
    ['1000 bytes at a time', '1000 500 2'],
  ])('a reader that takes %s gets every byte, in order (mmio-parse, then mmio-filter)', async (_what, slow) => {
    const r = await sh(`mmio-parse trace.log | node slow.cjs ${slow} > out.ndjson && mmio-parse trace.log | mmio-filter --dev 0000:03:00.0 --region 2 | node slow.cjs ${slow} > out-f.ndjson`, { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(md5(readFileSync(join(dir, 'out.ndjson')))).toBe(md5(ref));
    expect(md5(readFileSync(join(dir, 'out-f.ndjson')))).toBe(md5(refFiltered));
  }, 120_000);

  it('an error after megabytes of output: exactly the lines before it, then the one-line error', async () => {
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, readFileSync(join(dir, 'trace.log')));
    appendFileSync(bad, 'vfio_region_write  (0000:03:00.0:region2+0x10, 0xzz, 4)\n');
    const r = await sh('mmio-parse --strict bad.log | node slow.cjs 65536 16 5 > out-bad.ndjson', { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmio-parse: bad.log:100001: vfio_region_write: cannot read arguments "(0000:03:00.0:region2+0x10, 0xzz, 4)"\n');
    expect(md5(readFileSync(join(dir, 'out-bad.ndjson')))).toBe(md5(ref));
  }, 60_000);

  it('a reader that goes away (| head): exit 0, nothing on stderr', async () => {
    const r = await sh('mmio-parse trace.log | head -c 100000 | wc -c; mmio-parse trace.log | mmio-filter --region 2 | head -c 3000000 | wc -c', { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('100000\n3000000\n');
  }, 60_000);
});
