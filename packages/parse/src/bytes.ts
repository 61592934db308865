/**
 * The byte path of QEMU trace text (issue 25): the access lines nearly every
 * large trace is made of — vfio_region_read/_write and memory_region_ops_read/
 * _write, with the log backend's `TID@SEC.USEC:` prefix, with none, or as the
 * kernel's ftrace buffer prints QEMU's ftrace backend
 * (`comm-pid [cpu] flags SEC.USEC: tracing_mark_write: …`) — read straight from
 * the input's bytes into positions (`access`), with plain loops and no string.
 * A scanner is given the buffer and its length (`end`); it never reads past it.
 *
 * `scanQemuAccess` accepts a line only when every part of it is in the form
 * QEMU's format strings print and the general path (parseQemuLine) reads it
 * to exactly these values: printable ASCII only, lowercase hex without
 * leading zeros, widths 1, 2, 4, 8, a value that fits its width, plain
 * integers, a time that JSON prints as it is written (trailing zeros of the
 * fraction aside), single spaces where the general path allows more. Any
 * other line is declined, and goes the general way (the string fast path,
 * then parseQemuLine), which decides and words the error. A property test
 * holds it to the general path (packages/parse/test/bytes.test.ts).
 */
import { ByteWriter, canonicalDev, literalAt as at, literalBytes as bytes } from '@mmio-tools/core';

/** The fields of the access line last accepted by scanQemuAccess, as positions in its buffer. */
export interface ByteAccess {
  write: boolean;
  /** memory_region_ops_* (else vfio_region_*). */
  memory: boolean;
  /** The thread id's digits; tidS = -1 when the line has no prefix. */
  tidS: number;
  tidE: number;
  /** The time as JSON prints it (the fraction's trailing zeros left out, and its point with them). */
  timeS: number;
  timeE: number;
  /** vfio: the device name as printed, and its index (the digits too). */
  devS: number;
  devE: number;
  /** vfio: the same number for the same device name as printed (it changes when the name does). */
  devId: number;
  region: number;
  regionS: number;
  regionE: number;
  /** The offset (vfio) or address (memory), `0x…`. */
  atS: number;
  atE: number;
  valS: number;
  valE: number;
  width: number;
  /** memory: cpu, mr (`0x…`) and the name (nameS = -1: none). */
  cpuS: number;
  cpuE: number;
  mrS: number;
  mrE: number;
  nameS: number;
  nameE: number;
}

export const access: ByteAccess = {
  write: false, memory: false, tidS: -1, tidE: -1, timeS: -1, timeE: -1, devS: 0, devE: 0, devId: 0, region: 0, regionS: 0, regionE: 0,
  atS: 0, atE: 0, valS: 0, valE: 0, width: 0, cpuS: 0, cpuE: 0, mrS: 0, mrE: 0, nameS: -1, nameE: -1,
};

const REGION = bytes(':region');
const MARK = bytes('tracing_mark_write: ');

/** Is c a lowercase hex digit? */
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);

/** The buffer last scanned, and a view of it that reads four bytes at a time. */
let inBuf: Buffer | undefined;
let inView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(8));

/** The four bytes of s from `at` as DataView.getUint32(…, true) reads them. */
const word = (s: string, at = 0) => (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0;
const VFIO_0 = word('vfio_region_', 0);
const VFIO_1 = word('vfio_region_', 4);
const VFIO_2 = word('vfio_region_', 8);
const MEM_0 = word('memory_region_ops_', 0);
const MEM_1 = word('memory_region_ops_', 4);
const MEM_2 = word('memory_region_ops_', 8);
const MEM_3 = word('memory_region_ops_', 12);
const MEM_4 = 0x73 | (0x5f << 8); // `s_`

/** `vfio_region_` at p (within end)? */
function isVfio(v: DataView, p: number, end: number): boolean {
  return p + 12 <= end && v.getUint32(p, true) === VFIO_0 && v.getUint32(p + 4, true) === VFIO_1 && v.getUint32(p + 8, true) === VFIO_2;
}

/** `memory_region_ops_` at p (within end)? */
function isMemops(v: DataView, p: number, end: number): boolean {
  return p + 18 <= end && v.getUint32(p, true) === MEM_0 && v.getUint32(p + 4, true) === MEM_1 && v.getUint32(p + 8, true) === MEM_2 && v.getUint32(p + 12, true) === MEM_3 && v.getUint16(p + 16, true) === MEM_4;
}

/** End of a canonical hex number `0x…` at p (1 to 16 digits, no leading zero), or -1. */
function hexAt(buf: Buffer, p: number, end: number): number {
  if (p + 2 >= end || buf[p] !== 48 || buf[p + 1] !== 120) return -1;
  let i = p + 2;
  if (buf[i] === 48) return i + 1 < end && isHex(buf[i + 1]!) ? -1 : i + 1;
  while (i < end && isHex(buf[i]!)) i++;
  const digits = i - p - 2;
  return digits === 0 || digits > 16 ? -1 : i;
}

/** End of a canonical decimal integer at p (0, or 1 to `max` digits without a leading zero), or -1. */
function intAt(buf: Buffer, p: number, end: number, max: number): number {
  if (p >= end) return -1;
  const c = buf[p]!;
  if (c === 48) return p + 1 < end && buf[p + 1]! >= 48 && buf[p + 1]! <= 57 ? -1 : p + 1;
  if (c < 49 || c > 57) return -1;
  let i = p + 1;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i - p > max ? -1 : i;
}

/**
 * Read a time `SEC.FRAC` at p that JSON prints as it is written once the
 * trailing zeros of FRAC are left out: SEC below 4·10^9 without a leading
 * zero, FRAC of 1 to 6 digits (see C_TIME in qemu.ts: such a decimal is
 * exactly what String(Number(text)) gives back). Sets timeS/timeE; the index
 * after FRAC, or -1.
 */
function timeAt(buf: Buffer, p: number, end: number): number {
  const e = intAt(buf, p, end, 10);
  if (e < 0 || (e - p === 10 && buf[p]! > 51) || e >= end || buf[e] !== 46) return -1;
  let i = e + 1;
  let last = e; // the last digit of FRAC that is not 0 (e: none)
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) {
    if (buf[i] !== 48) last = i;
    i++;
  }
  if (i === e + 1 || i - e - 1 > 6) return -1;
  access.timeS = p;
  access.timeE = last === e ? e : last + 1;
  return i;
}

/**
 * Recognise a QEMU access line at buf[s…] (up to `end`) in the form described
 * above and fill `access`: the index of its `\n`, or -1 to leave the line to
 * the general path.
 */
export function scanQemuAccess(buf: Buffer, s: number, end: number): number {
  const a = access;
  if (buf !== inBuf) {
    inBuf = buf;
    inView = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  const v = inView;
  let p = s;
  let c = buf[p];
  a.tidS = -1;
  if (c !== undefined && c >= 48 && c <= 57) {
    // TID@SEC.USEC:
    const t = intAt(buf, p, end, 15);
    if (t < 0 || t >= end || buf[t] !== 64) return -1;
    const q = timeAt(buf, t + 1, end);
    if (q < 0 || q >= end || buf[q] !== 58) return -1;
    a.tidS = p;
    a.tidE = t;
    p = q + 1;
  } else if (c === 32 || !(isVfio(v, p, end) || isMemops(v, p, end))) {
    p = ftracePrefix(buf, p, end);
    if (p < 0) return -1;
  }
  if (isVfio(v, p, end)) return vfioArgs(buf, p + 12, end);
  if (isMemops(v, p, end)) return memArgs(buf, p + 18, end);
  return -1;
}

/**
 * The kernel's ftrace line of a QEMU event, as the general path's FTRACE
 * expression reads it, with single spaces only where it allows any white
 * space: `  comm-PID [CPU] FLAGS SEC.USEC: tracing_mark_write: ` (a `(TGID)`
 * after the pid, the FLAGS column, both optional). Sets tid and time; the
 * index of the message, or -1.
 */
function ftracePrefix(buf: Buffer, p: number, end: number): number {
  const a = access;
  while (p < end && buf[p] === 32) p++;
  // A line that starts with a digit is read as another prefix first by the general path.
  if (p >= end || (buf[p]! >= 48 && buf[p]! <= 57)) return -1;
  // The comm: up to the first `-` followed by a digit (the general path's lazy `.*?-(\d+)`).
  const limit = Math.min(end, p + 64);
  let i = p;
  for (; i < limit; i++) {
    const c = buf[i]!;
    // No space: the general path reads a first word that is an mmiotrace keyword as mmiotrace.
    if (c <= 32 || c > 126) return -1;
    if (c === 45 && i + 1 < end && buf[i + 1]! >= 48 && buf[i + 1]! <= 57) break;
  }
  if (i >= limit) return -1;
  const pid = i + 1;
  let q = intAt(buf, pid, end, 15);
  if (q < 0 || q >= end || buf[q] !== 32) return -1;
  a.tidS = pid;
  a.tidE = q;
  while (q < end && buf[q] === 32) q++;
  if (buf[q] === 40 /* ( */) {
    q++;
    while (q < end && buf[q] === 32) q++;
    const d = q;
    while (q < end && ((buf[q]! >= 48 && buf[q]! <= 57) || buf[q] === 45)) q++;
    if (q === d || buf[q] !== 41 /* ) */) return -1;
    q++;
    if (buf[q] !== 32) return -1;
    while (q < end && buf[q] === 32) q++;
  }
  if (buf[q] !== 91 /* [ */) return -1;
  q++;
  const d = q;
  while (q < end && buf[q]! >= 48 && buf[q]! <= 57) q++;
  if (q === d || buf[q] !== 93 /* ] */ || buf[q + 1] !== 32) return -1;
  q++;
  while (q < end && buf[q] === 32) q++;
  // FLAGS, then the time; or the time alone (the general path tries the flags first).
  let f = q;
  while (f < end && buf[f]! > 32 && buf[f]! < 127) f++;
  if (f < end && buf[f] === 32) {
    let g = f;
    while (g < end && buf[g] === 32) g++;
    const m = markAfterTime(buf, g, end);
    if (m >= 0) return m;
  }
  return markAfterTime(buf, q, end);
}

/** `SEC.USEC: tracing_mark_write: ` at p (any number of spaces before the mark): the index after it, or -1. */
function markAfterTime(buf: Buffer, p: number, end: number): number {
  const t = timeAt(buf, p, end);
  if (t < 0 || buf[t] !== 58 || buf[t + 1] !== 32) return -1;
  let q = t + 1;
  while (q < end && buf[q] === 32) q++;
  return at(buf, q, end, MARK) ? q + MARK.length : -1;
}

/** A string of the line as JSON writes it without escapes (printable ASCII but `"` and `\`), from p to the byte `stop`: the index of `stop`, or -1. */
function textTo(buf: Buffer, p: number, end: number, stop: number): number {
  for (let i = p; i < end; i++) {
    const c = buf[i]!;
    if (c === stop) return i;
    if (c < 32 || c > 126 || c === 34 || c === 92) return -1;
  }
  return -1;
}

/** `write` or `read` at p: sets access.write and gives the index after the word, or -1. */
function verbAt(buf: Buffer, p: number): number {
  if (buf[p] === 119 && buf[p + 1] === 114 && buf[p + 2] === 105 && buf[p + 3] === 116 && buf[p + 4] === 101) {
    access.write = true;
    return p + 5;
  }
  if (buf[p] === 114 && buf[p + 1] === 101 && buf[p + 2] === 97 && buf[p + 3] === 100) {
    access.write = false;
    return p + 4;
  }
  return -1;
}

/** The device name and `:region` of the last vfio line whose device the loop read (lastDevLen + 7 bytes, and room). */
let lastDevLen = -1;
let lastDevView = new DataView(new ArrayBuffer(8));

/** Are the n bytes of v at p those of `w` from 0? (v has n bytes from p; w has n + 3 or more.) */
function sameAs(v: DataView, p: number, w: DataView, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (v.getUint32(p + k, true) !== w.getUint32(k, true)) return false;
  for (; k < n; k++) if (v.getUint8(p + k) !== w.getUint8(k)) return false;
  return true;
}

/** `write  (` or `read  (` after `vfio_region_`, then the arguments; the index of the `\n`, or -1. */
function vfioArgs(buf: Buffer, p: number, end: number): number {
  const a = access;
  a.memory = false;
  p = verbAt(buf, p);
  if (p < 0) return -1;
  if (buf[p] !== 32 || buf[p + 1] !== 32 || buf[p + 2] !== 40) return -1;
  p += 3;
  // The device: up to the first `:region` (the general path's lazy `(.+?):region`). What the
  // loop below finds depends only on the bytes it reads, up to the end of that `:region`: when
  // they are those of the last line it took, so is what it finds.
  const d = p;
  let i = p;
  const n = lastDevLen;
  if (n > 0 && d + n + 7 <= end && sameAs(inView, d, lastDevView, n + 7)) i = d + n;
  else {
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c === 58 && at(buf, i, end, REGION)) break;
      if (c < 32 || c > 126 || c === 34 || c === 92) return -1;
    }
    if (i === d || i >= end) return -1;
    const seen = new Uint8Array(i + 7 - d + 4);
    for (let k = d; k < i + 7; k++) seen[k - d] = buf[k]!;
    lastDevLen = i - d;
    lastDevView = new DataView(seen.buffer);
    a.devId++;
  }
  a.devS = d;
  a.devE = i;
  p = i + REGION.length;
  const r = intAt(buf, p, end, 15);
  if (r < 0 || buf[r] !== 43 /* + */) return -1;
  let region = 0;
  for (let k = p; k < r; k++) region = region * 10 + buf[k]! - 48;
  a.region = region;
  a.regionS = p;
  a.regionE = r;
  p = r + 1;
  const o = hexAt(buf, p, end);
  // An offset of 16 digits may end past 2^64: the general path's to check.
  if (o < 0 || o - p > 17 || buf[o] !== 44 || buf[o + 1] !== 32) return -1;
  a.atS = p;
  a.atE = o;
  p = o + 2;
  if (a.write) {
    const v = hexAt(buf, p, end);
    if (v < 0 || buf[v] !== 44 || buf[v + 1] !== 32) return -1;
    a.valS = p;
    a.valE = v;
    const w = buf[v + 2]!;
    if (!(w === 49 || w === 50 || w === 52 || w === 56) || buf[v + 3] !== 41 || v + 4 >= end || buf[v + 4] !== 10) return -1;
    a.width = w - 48;
    if (v - p - 2 > 2 * a.width) return -1;
    return v + 4;
  }
  const w = buf[p]!;
  if (!(w === 49 || w === 50 || w === 52 || w === 56) || buf[p + 1] !== 41 || buf[p + 2] !== 32 || buf[p + 3] !== 61 || buf[p + 4] !== 32) return -1;
  a.width = w - 48;
  p += 5;
  const v = hexAt(buf, p, end);
  if (v < 0 || v >= end || buf[v] !== 10 || v - p - 2 > 2 * a.width) return -1;
  a.valS = p;
  a.valE = v;
  return v;
}

/** `write cpu ` or `read cpu ` after `memory_region_ops_`, then the arguments; the index of the `\n`, or -1. */
function memArgs(buf: Buffer, p: number, end: number): number {
  const a = access;
  a.memory = true;
  p = verbAt(buf, p);
  if (p < 0) return -1;
  // ` cpu N mr 0x… addr 0x… value 0x… size W`
  if (buf[p] !== 32 || buf[p + 1] !== 99 || buf[p + 2] !== 112 || buf[p + 3] !== 117 || buf[p + 4] !== 32) return -1;
  p += 5;
  const neg = buf[p] === 45 ? 1 : 0;
  const ce = intAt(buf, p + neg, end, 9);
  if (ce < 0 || (neg && buf[p + 1] === 48)) return -1;
  a.cpuS = p;
  a.cpuE = ce;
  p = ce;
  if (buf[p] !== 32 || buf[p + 1] !== 109 || buf[p + 2] !== 114 || buf[p + 3] !== 32) return -1;
  p += 4;
  const me = hexAt(buf, p, end);
  if (me < 0) return -1;
  a.mrS = p;
  a.mrE = me;
  p = me;
  if (buf[p] !== 32 || buf[p + 1] !== 97 || buf[p + 2] !== 100 || buf[p + 3] !== 100 || buf[p + 4] !== 114 || buf[p + 5] !== 32) return -1;
  p += 6;
  const ae = hexAt(buf, p, end);
  // An address of 16 digits may end past 2^64: the general path's to check.
  if (ae < 0 || ae - p > 17) return -1;
  a.atS = p;
  a.atE = ae;
  p = ae;
  if (buf[p] !== 32 || buf[p + 1] !== 118 || buf[p + 2] !== 97 || buf[p + 3] !== 108 || buf[p + 4] !== 117 || buf[p + 5] !== 101 || buf[p + 6] !== 32) return -1;
  p += 7;
  const ve = hexAt(buf, p, end);
  if (ve < 0) return -1;
  a.valS = p;
  a.valE = ve;
  p = ve;
  if (buf[p] !== 32 || buf[p + 1] !== 115 || buf[p + 2] !== 105 || buf[p + 3] !== 122 || buf[p + 4] !== 101 || buf[p + 5] !== 32) return -1;
  const w = buf[p + 6]!;
  if (!(w === 49 || w === 50 || w === 52 || w === 56)) return -1;
  a.width = w - 48;
  // A read's value wider than its width is what the device returned: the general path keeps it as `raw`.
  if (ve - a.valS - 2 > 2 * a.width) return -1;
  p += 7;
  if (p < end && buf[p] === 10) {
    a.nameS = -1;
    return p;
  }
  // ` name '…'`: the name up to the last `'`, which ends the line.
  if (buf[p] !== 32 || buf[p + 1] !== 110 || buf[p + 2] !== 97 || buf[p + 3] !== 109 || buf[p + 4] !== 101 || buf[p + 5] !== 32 || buf[p + 6] !== 39) return -1;
  p += 7;
  const nl = textTo(buf, p, end, 10);
  if (nl < 0 || nl === p || buf[nl - 1] !== 39) return -1;
  a.nameS = p;
  a.nameE = nl - 1;
  return nl;
}

/** The last device name as printed and its canonical name (canonicalDev), as bytes: accesses come in long runs to one device. */
let devIn = new Uint8Array(0);
let devOut = new Uint8Array(0);

/** The canonical name of the device at buf[s, e) (printable ASCII), as bytes. */
export function devBytes(buf: Buffer, s: number, e: number): Uint8Array {
  const n = e - s;
  if (n === devIn.length) {
    let i = 0;
    while (i < n && buf[s + i] === devIn[i]) i++;
    if (i === n) return devOut;
  }
  devIn = Uint8Array.prototype.slice.call(buf, s, e);
  devOut = bytes(canonicalDev(buf.toString('latin1', s, e)));
  return devOut;
}

/** A piece of output: its bytes with 4 bytes of room after them (copy4), and its length. */
interface Piece {
  view: DataView<ArrayBufferLike>;
  n: number;
}

function piece(...parts: (string | Uint8Array)[]): Piece {
  const b = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
  const room = Buffer.alloc(b.length + 4);
  b.copy(room);
  return { view: new DataView(room.buffer, room.byteOffset, room.length), n: b.length };
}

/** `","width":W,"value":"` for W = 0 to 8. */
const WIDTH_VALUE = Array.from({ length: 9 }, (_, w) => piece(`","width":${w},"value":"`));
const CPU = piece('","cpu":');
const MR = piece(',"mr":"');
const ADDR_AFTER_NAME = piece('","addr":"');
/** The start of a memory line: [write][name]. */
const MEM_START = [
  [piece('{"type":"read","src":"memory","addr":"'), piece('{"type":"read","src":"memory","name":"')],
  [piece('{"type":"write","src":"memory","addr":"'), piece('{"type":"write","src":"memory","name":"')],
];
const QUOTE_T = piece('","t":');
const T = piece(',"t":');
const TID = piece(',"tid":');

/**
 * Copy the bytes [s, s + n) of `from` (a view of lim + 3 bytes or more) into
 * `to` at o, four at a time: up to 3 bytes past them are read, and written
 * past the copy (the next piece overwrites them; `to` has room, see
 * MAX_BYTE_LINE). A field that ends within 3 bytes of `from`'s end is copied
 * a byte at a time. The index after the copy. (A copy a byte at a time took
 * twice as long: the output is most of the bytes mmio-parse handles.)
 */
function copy4(to: DataView, o: number, from: DataView, s: number, n: number, lim: number): number {
  if (s + n <= lim) for (let i = 0; i < n; i += 4) to.setUint32(o + i, from.getUint32(s + i, true), true);
  else for (let i = 0; i < n; i++) to.setUint8(o + i, from.getUint8(s + i));
  return o + n;
}

/** Copy a piece into `to` at o, four bytes at a time (see copy4); the index after it. */
function put4(to: DataView, o: number, p: Piece): number {
  const v = p.view;
  const n = p.n;
  for (let i = 0; i < n; i += 4) to.setUint32(o + i, v.getUint32(i, true), true);
  return o + n;
}

/**
 * `{"type":"write","src":"vfio","dev":"…","region":N,"offset":"` for the
 * device whose access.devId is vfioId[write] and region vfioRegion[write]
 * (reads and writes go to different regions, in turns).
 */
const vfioId = [-1, -1];
const vfioRegion = [-1, -1];
const vfioStart: Piece[] = [WIDTH_VALUE[0]!, WIDTH_VALUE[0]!];

/** Make vfioStart[w] that of the line last scanned (in buf). */
function startOf(buf: Buffer, w: number): void {
  const a = access;
  vfioStart[w] = piece(`{"type":"${w ? 'write' : 'read'}","src":"vfio","dev":"`, devBytes(buf, a.devS, a.devE), `","region":${a.region},"offset":"`);
  vfioId[w] = a.devId;
  vfioRegion[w] = a.region;
}

/**
 * `,"line":N}\n` for the line number last written, in LINE[LINE_END - lineLen - 8, LINE_END + 2)
 * (the digits end at LINE_END).
 */
const LINE_END = 32;
const LINE = Buffer.alloc(LINE_END + 6);
const LINE_VIEW = new DataView(LINE.buffer, LINE.byteOffset, LINE.length);
LINE.write('}\n', LINE_END, 'latin1');
let lineLast = -2;
let lineLen = 0;

/** Make LINE hold line number n (below 2^53). */
function lineDigits(n: number): void {
  const len = lineLen;
  if (n === lineLast + 1) {
    // The next line: add one to the digits.
    let i = LINE_END - 1;
    while (i >= LINE_END - len && LINE[i] === 57) LINE[i--] = 48;
    if (i >= LINE_END - len) LINE[i]!++;
    else {
      LINE[i] = 49;
      lineLen = len + 1;
      LINE.write(',"line":', i - 8, 'latin1');
    }
  } else {
    let k = LINE_END;
    let m = n;
    do {
      const q = Math.floor(m / 10);
      LINE[--k] = 48 + m - q * 10;
      m = q;
    } while (m > 0);
    lineLen = LINE_END - k;
    LINE.write(',"line":', k - 8, 'latin1');
  }
  lineLast = n;
}

/** Copy `lit` into out at o; the index after it. */
function put(out: Buffer, o: number, lit: Uint8Array): number {
  for (let i = 0; i < lit.length; i++) out[o + i] = lit[i]!;
  return o + lit.length;
}

/**
 * Write the NDJSON line of the access last scanned (in `buf`) into `w`, with
 * `line` = lineNo and `file` (the `,"file":…` member as bytes, or empty):
 * exactly what stringifyEvent writes for the event parseQemuLine reads.
 * Written in pieces four bytes at a time (copy4): the fixed parts joined
 * (a vfio line's start up to its offset is one piece per device, region and
 * type), so that a line takes few copies.
 */
export function writeAccessJson(w: ByteWriter, buf: Buffer, lineNo: number, file: Uint8Array): void {
  const a = access;
  const to = w.view;
  // The view scanQemuAccess made of buf (it scanned this line).
  const from = inBuf === buf ? inView : new DataView(buf.buffer, buf.byteOffset, buf.length);
  const lim = buf.length - 3;
  let o = w.pos;
  if (!a.memory) {
    const wr = a.write ? 1 : 0;
    if (a.devId !== vfioId[wr] || a.region !== vfioRegion[wr]) startOf(buf, wr);
    o = put4(to, o, vfioStart[wr]!);
    o = copy4(to, o, from, a.atS, a.atE - a.atS, lim);
    o = put4(to, o, WIDTH_VALUE[a.width]!);
    o = copy4(to, o, from, a.valS, a.valE - a.valS, lim);
  } else {
    const named = a.nameS >= 0;
    o = put4(to, o, MEM_START[a.write ? 1 : 0]![named ? 1 : 0]!);
    if (named) {
      o = copy4(to, o, from, a.nameS, a.nameE - a.nameS, lim);
      o = put4(to, o, ADDR_AFTER_NAME);
    }
    o = copy4(to, o, from, a.atS, a.atE - a.atS, lim);
    o = put4(to, o, WIDTH_VALUE[a.width]!);
    o = copy4(to, o, from, a.valS, a.valE - a.valS, lim);
    o = put4(to, o, CPU);
    o = copy4(to, o, from, a.cpuS, a.cpuE - a.cpuS, lim);
    o = put4(to, o, MR);
    o = copy4(to, o, from, a.mrS, a.mrE - a.mrS, lim);
  }
  if (a.tidS >= 0 && file.length === 0) o = put4(to, o, QUOTE_T);
  else {
    to.setUint8(o++, 34);
    if (file.length > 0) o = put(w.data, o, file);
    if (a.tidS >= 0) o = put4(to, o, T);
  }
  if (a.tidS >= 0) {
    o = copy4(to, o, from, a.timeS, a.timeE - a.timeS, lim);
    o = put4(to, o, TID);
    o = copy4(to, o, from, a.tidS, a.tidE - a.tidS, lim);
  }
  lineDigits(lineNo);
  const n = lineLen + 10;
  const ls = LINE_END - lineLen - 8;
  for (let i = 0; i < n; i += 4) to.setUint32(o + i, LINE_VIEW.getUint32(ls + i, true), true);
  w.pos = o + n;
  w.sealIfFull();
}
