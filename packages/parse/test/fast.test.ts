/**
 * accessLine, the fast path of mmio-parse, against the general path: for any
 * QEMU access line it either declines or writes exactly what stringifyEvent
 * writes for the event parseQemuLine reads; and it takes the plain lines QEMU
 * writes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringifyEvent } from '@mmio-tools/core';
import { MalformedLine, SKIP } from '../src/common.js';
import { accessEvent, accessLine, parseQemuLine } from '../src/qemu.js';

/** The general path's line, or what it says about the line. */
function general(line: string, lineNo: number, file?: string): string {
  try {
    const ev = parseQemuLine(line, false);
    if (ev === undefined) return 'unrecognised';
    if (ev === SKIP) return 'skip';
    return stringifyEvent(file === undefined ? { ...ev, line: lineNo } : { ...ev, line: lineNo, file });
  } catch (e) {
    if (e instanceof MalformedLine) return 'malformed';
    throw e;
  }
}

/** A piece of a line as QEMU prints it (canonical: true), or a variant that a trace might still hold. */
type Piece = [text: string, canonical: boolean];
const piece = (canonical: fc.Arbitrary<string>, other: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 3, arbitrary: canonical.map((t): Piece => [t, true]) }, { weight: 1, arbitrary: other.map((t): Piece => [t, false]) });

const big = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const hex = piece(
  big.map((n) => '0x' + n.toString(16)),
  fc.oneof(big.map((n) => '0x0' + n.toString(16)), big.map((n) => '0X' + n.toString(16).toUpperCase()), fc.constantFrom('0x', 'x1', '0xg', '-0x1')),
);
/** An offset or address: QEMU prints none whose access ends past 2^64 (an error: the general path's). */
const place = piece(
  fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }).map((n) => '0x' + n.toString(16)),
  fc.oneof(big.map((n) => '0x0' + n.toString(16)), big.map((n) => '0X' + n.toString(16).toUpperCase()), fc.constantFrom('0x', 'x1', '0xg', '-0x1', '0xfffffffffffffffe')),
);
const width = piece(fc.constantFrom('1', '2', '4', '8'), fc.constantFrom('0', '3', '04', '16', '-4', ''));
const region = piece(fc.constantFrom('0', '2', '5', '7', '10', '123456789012345'), fc.constantFrom('02', '', 'x', '1234567890123456'));
const dev = piece(
  fc.constantFrom('0000:03:00.0', '0000:0a:1f.7', 'net0', 'vfio dev', 'é-ü'),
  fc.constantFrom('03:00.0', '0000:0A:00.0', 'a"b', 'a\\b', 'tab\there', '', '\ud800x'),
);
const name = piece(
  fc.constantFrom("'e1000-mmio'", "'rtc'", "'a b'", "''", "'it's'"),
  fc.constantFrom("'a\"b'", "'back\\\\slash'", "'ctl\u0001'", 'e1000', "'x' "),
);
const prefix = piece(
  fc.oneof(
    fc.constant(''),
    fc.tuple(fc.nat(99999), fc.oneof(fc.nat(2 ** 32), fc.nat(2 ** 40)), fc.stringMatching(/^\d{0,8}$/)).map(([tid, s, f]) => `${tid}@${s}.${f || '0'}:`),
  ),
  fc.constantFrom(
    '0493@1581830830.000043:',
    '493@01581830830.5:',
    '493@1581830830.000040:',
    '493@1581830830.0000001:',
    '493@3999999999.999999:',
    '493@4000000000.000001:',
    '493@4294967296.5:',
    '493@9999999999.123456:',
    '493@9007199254.740993:',
    '493@0.0000001:',
    '493@0.000001:',
    '493@1581830830:',
    '1234567890123456@1.5:',
    '493@1.5',
    '2020-01-01T00:00:00.5Z ',
  ),
);

/**
 * A value as QEMU prints it for an access of this width: canonical only when it fits
 * (a wider one is an error, or for memory_region_ops reads the device's return, masked:
 * the general path's business).
 */
const fits = (v: Piece, w: Piece): Piece => [v[0], v[1] && w[1] && v[0].length - 2 <= 2 * Number(w[0])];

/** A vfio_region_* or memory_region_ops_* line from pieces; canonical when every piece is. */
const accessLines = fc.oneof(
  fc.tuple(prefix, dev, region, place, hex, width).map(([p, d, r, o, v, w]) => [`${p[0]}vfio_region_write  (${d[0]}:region${r[0]}+${o[0]}, ${v[0]}, ${w[0]})`, [p, d, r, o, fits(v, w), w]] as const),
  fc.tuple(prefix, dev, region, place, width, hex).map(([p, d, r, o, w, v]) => [`${p[0]}vfio_region_read  (${d[0]}:region${r[0]}+${o[0]}, ${w[0]}) = ${v[0]}`, [p, d, r, o, w, fits(v, w)]] as const),
  fc.tuple(prefix, fc.constantFrom('read', 'write'), fc.constantFrom('0', '-1', '3'), place, hex, width, fc.option(name)).map(([p, type, cpu, a, v, w, n]) => {
    const tail = n === null ? '' : ` name ${n[0]}`;
    const pieces: Piece[] = n === null ? [p, a, fits(v, w), w] : [p, a, fits(v, w), w, n];
    return [`${p[0]}memory_region_ops_${type} cpu ${cpu} mr 0x55bba9fce650 addr ${a[0]} value ${v[0]} size ${w[0]}${tail}`, pieces] as const;
  }),
);

describe('accessLine (the fast path of mmio-parse)', () => {
  it('writes what the general path writes, or leaves the line to it; takes every line in the form QEMU prints', () => {
    fc.assert(
      fc.property(accessLines, fc.nat(10_000_000), ([line, pieces], lineNo) => {
        const fast = accessLine(line, lineNo);
        if (fast !== undefined) expect(fast).toBe(general(line, lineNo));
        // The objects of the same fast path (for tools that parse in-process): the same events, the same lines taken.
        const ev = accessEvent(line, lineNo);
        expect(ev === undefined).toBe(fast === undefined);
        if (ev !== undefined) expect(stringifyEvent(ev)).toBe(fast);
        // With a file name, as mmio-parse writes events of several inputs.
        const named = accessLine(line, lineNo, ',"file":"a.log"');
        if (named !== undefined) expect(named).toBe(general(line, lineNo, 'a.log'));
        if (pieces.every((p) => p[1])) expect(fast).toBeDefined();
      }),
      { numRuns: 5000 },
    );
  });

  it('writes the seed line exactly', () => {
    expect(accessLine('493@1581830832.154450:vfio_region_write  (0000:03:00.0:region2+0x26ffda, 0x5a5a, 2)', 7)).toBe(
      '{"type":"write","src":"vfio","dev":"0000:03:00.0","region":2,"offset":"0x26ffda","width":2,"value":"0x5a5a","t":1581830832.15445,"tid":493,"line":7}',
    );
    expect(accessLine("memory_region_ops_read cpu 0 mr 0x55bba9fce540 addr 0x71 value 0x0 size 1 name 'rtc'", 3)).toBe(
      '{"type":"read","src":"memory","name":"rtc","addr":"0x71","width":1,"value":"0x0","cpu":0,"mr":"0x55bba9fce540","line":3}',
    );
  });

  it('leaves other events, other prefixes and malformed lines to the general path', () => {
    for (const line of [
      '493@1581830830.000013:vfio_pci_read_config  (0000:03:00.0, @0x0, len=0x4) 0x43ba14e4',
      '2023-05-01T10:00:00.000001Z vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4)',
      '493@1581830830.000043:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 3)',
      '493@1581830830.000043:vfio_region_write  (0000:03:00.0:region2+0x0, 0x1, 4) ',
    ]) {
      expect(accessLine(line, 1)).toBeUndefined();
    }
  });
});
