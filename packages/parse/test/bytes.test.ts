/**
 * The byte path of mmio-parse (bytes.ts, core's forEachByteLine) against the
 * general path: on random traces of access lines as QEMU prints them, lines
 * in other forms, mutated lines, other events and junk, cut into chunks of
 * any size, parseTrace with the byte path gives the same NDJSON bytes, the
 * same counts, the same warnings and the same error (file:line: message) as
 * the general path, under every option.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PassThrough, Writable } from 'node:stream';
import { ByteWriter, InputError, stringifyEvent } from '@mmio-tools/core';
import { parseTrace, type ParseOptions } from '../src/parse.js';
import { access, scanQemuAccess } from '../src/bytes.js';
import { chunksOf } from '../../../test/helpers/util.js';

async function general(data: Buffer, opts: ParseOptions, size: number) {
  const lines: string[] = [];
  const warnings: string[] = [];
  try {
    const stats = await parseTrace(chunksOf(data, size), 'trace.log', opts, { event: (e) => lines.push(stringifyEvent(e) + '\n'), warn: (w) => warnings.push(w) });
    return { out: lines.join(''), stats, warnings, error: undefined as string | undefined };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { out: lines.join(''), stats: undefined, warnings, error: `${e.file}:${e.line}: ${e.message}` };
  }
}

/** Lines the byte path wrote (not through `line`), over all runs: the test must exercise it. */
let byteLinesTaken = 0;

async function bytePath(data: Buffer, opts: ParseOptions, size: number) {
  const sink = new PassThrough();
  const got: Buffer[] = [];
  sink.on('data', (d: Buffer) => got.push(d));
  const w = new ByteWriter(sink);
  let textLines = 0;
  const warnings: string[] = [];
  let stats;
  let error: string | undefined;
  try {
    stats = await parseTrace(chunksOf(data, size), 'trace.log', opts, { event: (e) => (textLines++, w.line(stringifyEvent(e))), text: (l) => (textLines++, w.line(l)), bytes: w, warn: (m) => warnings.push(m) });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    error = `${e.file}:${e.line}: ${e.message}`;
  }
  w.handOver();
  await new Promise((r) => setImmediate(r));
  const out = Buffer.concat(got).toString();
  byteLinesTaken += out.split('\n').length - 1 - textLines;
  return { out, stats, warnings, error };
}

const big = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const hexOf = (n: bigint) => '0x' + n.toString(16);
const hex = fc.oneof({ weight: 4, arbitrary: fc.oneof(fc.bigInt({ min: 0n, max: 0xffffn }), big).map(hexOf) }, fc.constantFrom('0x0', '0x00', '0X1', '0xAB', '0x', '0x10000000000000000', '0xfffffffffffffffc'));
const width = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('1', '2', '4', '8') }, fc.constantFrom('0', '3', '04', '16', ''));
const dev = fc.constantFrom('0000:03:00.0', '0000:0A:1f.7', '03:00.0', 'net0', 'vfio dev', 'a"b', 'é', 'x:region1', '');
const time = fc.oneof(
  fc.tuple(fc.nat(4_300_000_000), fc.stringMatching(/^\d{1,8}$/)).map(([s, f]) => `${s}.${f}`),
  fc.constantFrom('1581830830.000040', '1581830830.000000', '0.5', '01.5', '3999999999.999999', '4000000000.1', '1581830830', '1.0000001'),
);
const tid = fc.oneof(fc.nat(99999).map(String), fc.constantFrom('0', '007', '1234567890123456'));
const prefix = fc.oneof(
  fc.constant(''),
  fc.tuple(tid, time).map(([t, s]) => `${t}@${s}:`),
  fc.tuple(fc.constantFrom('qemu-system-x86', 'a-b', 'x', 'W', 'has space', '9lives'), tid, fc.constantFrom(' ', '   ', '\t'), fc.constantFrom('', '(  1234) ', '(-------) '), fc.constantFrom('...1. ', 'd..1 ', ''), time, fc.constantFrom(' ', '  '))
    .map(([comm, pid, sp, tgid, flags, t, sp2]) => ` ${comm}-${pid}${sp}${tgid}[001] ${flags} ${t}:${sp2}tracing_mark_write: `),
  fc.constantFrom('2020-01-01T00:00:00.5Z ', '  ', '493@1.5 '),
);
const name = fc.option(fc.constantFrom("'e1000-mmio'", "'rtc'", "'a b'", "''", "'it's'", "'a\"b'", "'ünï'", "'x' "), { nil: undefined });
const access0 = fc.oneof(
  fc.tuple(prefix, dev, fc.constantFrom('0', '2', '02', '123456789012345', '1234567890123456'), hex, hex, width).map(([p, d, r, o, v, w]) => `${p}vfio_region_write  (${d}:region${r}+${o}, ${v}, ${w})`),
  fc.tuple(prefix, dev, fc.constantFrom('0', '2', '7'), hex, width, hex).map(([p, d, r, o, w, v]) => `${p}vfio_region_read  (${d}:region${r}+${o}, ${w}) = ${v}`),
  fc.tuple(prefix, fc.constantFrom('read', 'write'), fc.constantFrom('0', '-1', '3', '-0', '01'), fc.constantFrom('0x55bba9fce650', '(nil)', '0x0'), hex, hex, width, name).map(
    ([p, type, cpu, mr, a, v, w, n]) => `${p}memory_region_ops_${type} cpu ${cpu} mr ${mr} addr ${a} value ${v} size ${w}${n === undefined ? '' : ` name ${n}`}`,
  ),
);
/** Access lines in the form QEMU prints (the byte path's), with every prefix. */
const goodPrefix = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.nat(99999), fc.nat(3_999_999_999), fc.stringMatching(/^\d{1,6}$/)).map(([t, s, f]) => `${t}@${s}.${f}:`),
  fc.tuple(fc.nat(99999), fc.nat(99999), fc.stringMatching(/^\d{1,6}$/)).map(([pid, s, f]) => ` qemu-system-x86-${pid}   [001] ...1.  ${s}.${f}: tracing_mark_write: `),
);
const good = fc.oneof(
  fc.tuple(goodPrefix, fc.constantFrom('0000:03:00.0', '03:00.0', '0000:0A:00.1'), fc.nat(9), fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), fc.constantFrom(1, 2, 4, 8), big).map(
    ([p, d, r, o, w, v]) => `${p}vfio_region_write  (${d}:region${r}+${hexOf(o)}, ${hexOf(v & ((1n << BigInt(8 * w)) - 1n))}, ${w})`,
  ),
  fc.tuple(goodPrefix, fc.constantFrom('0000:03:00.0', '03:00.0'), fc.nat(9), fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), fc.constantFrom(1, 2, 4, 8), big).map(
    ([p, d, r, o, w, v]) => `${p}vfio_region_read  (${d}:region${r}+${hexOf(o)}, ${w}) = ${hexOf(v & ((1n << BigInt(8 * w)) - 1n))}`,
  ),
  fc.tuple(goodPrefix, fc.constantFrom('read', 'write'), fc.constantFrom('0', '-1', '3'), fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), fc.constantFrom(1, 2, 4, 8), big, fc.constantFrom('', " name 'e1000-mmio'", " name 'it's'", " name ''")).map(
    ([p, type, cpu, a, w, v, n]) => `${p}memory_region_ops_${type} cpu ${cpu} mr 0x55bba9fce650 addr ${hexOf(a)} value ${hexOf(v & ((1n << BigInt(8 * w)) - 1n))} size ${w}${n}`,
  ),
);
/** A line: mostly an access line, sometimes mutated; other events, mmiotrace, headers, blanks, junk. */
const line = fc.oneof(
  { weight: 12, arbitrary: good },
  { weight: 4, arbitrary: access0 },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.oneof(access0, good), fc.nat(), fc.constantFrom('', ' ', 'x', '0', '\r', '\u00e9', '\u0000', ')', "'", ':', '-', '\t')).map(([l, at, ch]) => {
      const i = at % (l.length + 1);
      return at % 3 === 0 ? l.slice(0, i) + ch + l.slice(i) : l.slice(0, i) + ch + l.slice(i + 1);
    }),
  },
  fc.constantFrom(
    '493@1581830830.000013:vfio_pci_read_config  (0000:03:00.0, @0x0, len=0x4) 0x43ba14e4',
    '488@1581830830.000127:vfio_msi_interrupt  (0000:03:00.0) vector 0 0xfee00000/0x4021',
    '  continued args',
    '',
    '# entries-in-buffer/entries-written: 10/12   #P:2',
    'W 4 1.000000 1 0xfebc0000 0x1 0x0 0',
    'VERSION 20070824',
    'garbage',
    '\ufeffvfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)',
  ),
);
const trace = fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\n', '\n', '\r\n'), fc.boolean()).map(([ls, eol, cut]) => Buffer.from(ls.join(eol) + (cut || ls.length === 0 ? '' : eol)));
const options = fc.record({
  format: fc.constantFrom('auto', 'qemu', 'mmiotrace') as fc.Arbitrary<ParseOptions['format']>,
  all: fc.boolean(),
  strict: fc.boolean(),
  lenient: fc.boolean(),
  file: fc.option(fc.constantFrom('a.log', 'dir/ü "q".log'), { nil: undefined }),
});

describe('the byte path of QEMU trace text', () => {
  it('gives what the general path gives: output bytes, counts, warnings and errors, in chunks of any size', async () => {
    await fc.assert(
      fc.asyncProperty(trace, options, fc.integer({ min: 1, max: 400 }), async (data, opts, size) => {
        // In the same chunks: the first chunk decides whether an input reads as a paste (then it all goes the general way).
        for (const s of [size, 1 << 20]) {
          const want = await general(data, opts, s);
          const got = await bytePath(data, opts, s);
          expect(got).toEqual(want);
        }
      }),
      { numRuns: 1500 },
    );
    expect(byteLinesTaken).toBeGreaterThan(1000);
  });

  it('takes the lines QEMU prints, with every prefix', () => {
    for (const l of [
      '493@1581830832.154450:vfio_region_write  (0000:03:00.0:region2+0x26ffda, 0x5a5a, 2)',
      '493@1581830832.154450:vfio_region_read  (0000:03:00.0:region2+0x26ffda, 2) = 0x5a5a',
      "3110@1795265662.115108:memory_region_ops_read cpu 0 mr 0x55bba9fce540 addr 0x71 value 0x0 size 1 name 'rtc'",
      "3093@1795265662.112530:memory_region_ops_write cpu -1 mr 0x55bba96dc9e0 addr 0xfee00000 value 0x0 size 4 name 'apic-msi'",
      "memory_region_ops_write cpu 0 mr 0x55ce23686800 addr 0x402 value 0x61 size 1 name 'io'",
      " qemu-system-x86-14865   [001] ...1.  6105.912689: tracing_mark_write: memory_region_ops_write cpu 0 mr 0x55ce23686800 addr 0x402 value 0x61 size 1 name 'io'",
      ' qemu-system-x86-14865 (  14865) [001] d..1 6105.912689: tracing_mark_write: vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)',
    ]) {
      const buf = Buffer.from(l + '\n');
      expect(scanQemuAccess(buf, 0, buf.length), l).toBe(buf.length - 1);
    }
  });

  it('gives the same bytes on an output of many buffers, handed over as they are or reused after the write (ByteWriter reuse)', async () => {
    // 60,000 lines (line numbers carry from 9 to 10 digits' worth of places many times), other lines among them
    // (the line numbers the byte path writes then jump), about 9 MB of NDJSON: ByteWriter's 1 MiB buffer fills 8 times.
    const rows: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      if (i % 997 === 0) rows.push('493@1581830830.000013:vfio_pci_read_config  (0000:03:00.0, @0x0, len=0x4) 0x43ba14e4');
      if (i % 3 === 0) rows.push(`${490 + (i % 7)}@1581830830.${String(i % 1e6).padStart(6, '0')}:vfio_region_write  (0000:0${3 + (i % 2)}:00.0:region2+0x${(0x180000 + 4 * i).toString(16)}, 0x${(i * 2654435761 >>> 0).toString(16)}, 4)`);
      else if (i % 3 === 1) rows.push(`vfio_region_read  (03:00.0:region0+0x${(i % 4096).toString(16)}, 2) = 0x${(i % 65536).toString(16)}`);
      else rows.push(`3110@1795265665.${i % 10}:memory_region_ops_write cpu 0 mr 0x55bba9834730 addr 0x${(0xcf8 + i).toString(16)} value 0x${i.toString(16)} size 4${i % 4 ? " name 'pci-conf-idx'" : ''}`);
    }
    const data = Buffer.from(rows.join('\n') + '\n');
    const opts: ParseOptions = { format: 'auto', all: false, strict: false, lenient: false };
    const want = (await general(data, opts, 1 << 20)).out;
    expect(want.length).toBeGreaterThan(8 << 20);
    // Handed over as they are, to a stream that keeps the chunks.
    const kept = await bytePath(data, opts, 65_537);
    expect(kept.out).toBe(want);
    // Reused once the stream calls back: a stream that copies a chunk and calls back later, and
    // asks for no pause (the chunks given it wait in its queue meanwhile).
    const got: Buffer[] = [];
    let writes = 0;
    const copying = new Writable({
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _enc, cb) {
        writes++;
        got.push(Buffer.from(chunk));
        setImmediate(cb);
      },
    });
    const w = new ByteWriter(copying, { reuse: true });
    await parseTrace(chunksOf(data, 1 << 20), 'trace.log', opts, { event: (e) => w.line(stringifyEvent(e)), text: (l) => w.line(l), bytes: w, warn: () => {}, afterChunk: () => w.flushIfFull() });
    await w.flush();
    await new Promise((r) => copying.end(r));
    expect(writes).toBeGreaterThan(8);
    expect(Buffer.concat(got).toString()).toBe(want);
  });
});
