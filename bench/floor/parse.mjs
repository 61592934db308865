// @ts-check
/**
 * The byte floor of mmio-parse in Node, for the bench: what a QEMU log-backend trace costs to turn
 * into the same NDJSON access lines when a program does nothing but the least it must. Read 1 MiB
 * at a time into one Buffer; find each line's fields by the bytes that end them; copy the fields
 * and the fixed text between them into one output Buffer four bytes at a time (DataView: the
 * fastest copy in plain JavaScript, measured; a byte loop takes twice as long, and a native copy
 * per field, Buffer.copy or set, five times as long); write it 1 MiB or more at a time. The
 * `TID@SEC.USEC:` prefix and the vfio_region_read/_write and memory_region_ops_read/_write lines
 * only; the time's trailing zeros left out as JSON prints it (so that on the bench's traces the
 * output is mmio-parse's access lines byte for byte, but for reads whose value is wider than
 * their size); the line number kept in decimal digits. No checks, no canonical names, no other
 * events, no error messages: it is not a parser, it is the measure of what Node can do at best
 * (see docs/performance.md).
 *
 *   node bench/floor/parse.mjs trace.log > events.ndjson
 */
import { openSync, readSync, writeSync } from 'node:fs';

/** A fixed piece of output: a view of its bytes (with room to read four at a time) and its length. */
const piece = (s) => {
  const b = Buffer.alloc(s.length + 4);
  b.write(s, 'latin1');
  return { v: new DataView(b.buffer, b.byteOffset, b.length), n: s.length };
};
const word = (s) => (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
const VFIO = [word('vfio'), word('_reg'), word('ion_')];
const MEMO = [word('memo'), word('ry_r'), word('egio'), word('n_op')];
const V_WRITE = piece('{"type":"write","src":"vfio","dev":"');
const V_READ = piece('{"type":"read","src":"vfio","dev":"');
const M_WRITE = piece('{"type":"write","src":"memory"');
const M_READ = piece('{"type":"read","src":"memory"');
const REGION = piece('","region":');
const OFFSET = piece(',"offset":"');
const WIDTH = piece('","width":');
const VALUE = piece(',"value":"');
const NAME = piece(',"name":"');
const ADDR_Q = piece('","addr":"');
const ADDR = piece(',"addr":"');
const CPU = piece('","cpu":');
const MR = piece(',"mr":"');
const T = piece('","t":');
const TID = piece(',"tid":');
const LINE = piece(',"line":');

const SIZE = 1 << 20;
const buf = Buffer.allocUnsafe(SIZE + 8);
const bv = new DataView(buf.buffer, buf.byteOffset, buf.length);
const out = Buffer.allocUnsafe(2 * SIZE + (1 << 16));
const ov = new DataView(out.buffer, out.byteOffset, out.length);
let o = 0;
/** Copy n bytes of view v from s to the output, four at a time (up to 3 more are written, and overwritten next). */
const copy = (v, s, n) => {
  for (let i = 0; i < n; i += 4) ov.setUint32(o + i, v.getUint32(s + i, true), true);
  o += n;
};
const put = (p) => copy(p.v, 0, p.n);
/** The line number's decimal digits, ending at DIGITS_END. */
const DIGITS_END = 24;
const digits = Buffer.alloc(DIGITS_END + 4, 48);
const dv = new DataView(digits.buffer, digits.byteOffset, digits.length);
let ndigits = 1;

/** Write out[0, n) to stdout, whole (a pipe may take it in parts). */
function write(n) {
  let at = 0;
  while (at < n) {
    try {
      at += writeSync(1, out, at, n - at);
    } catch (e) {
      if (/** @type {{code?: string}} */ (e).code !== 'EAGAIN') throw e;
    }
  }
}

const fd = openSync(process.argv[2], 'r');
let have = 0;
for (;;) {
  const n = readSync(fd, buf, have, SIZE - have, null);
  if (n === 0) break;
  const end = have + n;
  let s = 0;
  for (;;) {
    let nl = s;
    while (nl < end && buf[nl] !== 10) nl++;
    if (nl === end) break;
    // The line number: one more, in its digits.
    let d = DIGITS_END - 1;
    while (digits[d] === 57) digits[d--] = 48;
    digits[d]++;
    if (d < DIGITS_END - ndigits) ndigits++;
    // TID@SEC.USEC:
    let p = s;
    while (buf[p] !== 64) p++;
    const tidE = p;
    const timeS = ++p;
    while (buf[p] !== 58) p++;
    let timeE = p++;
    while (buf[timeE - 1] === 48) timeE--;
    if (buf[timeE - 1] === 46) timeE--;
    // The event's name, four bytes at a time, and the verb's first letter and the space after it.
    const vfio = bv.getUint32(p, true) === VFIO[0] && bv.getUint32(p + 4, true) === VFIO[1] && bv.getUint32(p + 8, true) === VFIO[2] && ((buf[p + 12] === 119 && buf[p + 17] === 32) || (buf[p + 12] === 114 && buf[p + 16] === 32));
    const memo = !vfio && bv.getUint32(p, true) === MEMO[0] && bv.getUint32(p + 4, true) === MEMO[1] && bv.getUint32(p + 8, true) === MEMO[2] && bv.getUint32(p + 12, true) === MEMO[3] && ((buf[p + 18] === 119 && buf[p + 23] === 32) || (buf[p + 18] === 114 && buf[p + 22] === 32));
    if (vfio) {
      // vfio_region_write  (DEV:regionN+0xOFF, 0xVAL, W) or vfio_region_read  (DEV:regionN+0xOFF, W) = 0xVAL
      const write = buf[p + 12] === 119;
      p += write ? 20 : 19;
      const devS = p;
      while (buf[p] !== 58 || buf[p + 1] !== 114) p++;
      const devE = p;
      p += 7;
      const regS = p;
      while (buf[p] !== 43) p++;
      const regE = p++;
      const offS = p;
      while (buf[p] !== 44) p++;
      const offE = p;
      p += 2;
      let valS, valE, w;
      if (write) {
        valS = p;
        while (buf[p] !== 44) p++;
        valE = p;
        w = buf[p + 2];
      } else {
        w = buf[p];
        valS = p + 5;
        valE = nl;
      }
      put(write ? V_WRITE : V_READ);
      copy(bv, devS, devE - devS);
      put(REGION);
      copy(bv, regS, regE - regS);
      put(OFFSET);
      copy(bv, offS, offE - offS);
      put(WIDTH);
      out[o++] = w;
      put(VALUE);
      copy(bv, valS, valE - valS);
    } else if (memo) {
      // memory_region_ops_write cpu N mr 0xMR addr 0xADDR value 0xVAL size W[ name 'NAME']
      const write = buf[p + 18] === 119;
      p += write ? 28 : 27;
      const cpuS = p;
      while (buf[p] !== 32) p++;
      const cpuE = p;
      p += 4;
      const mrS = p;
      while (buf[p] !== 32) p++;
      const mrE = p;
      p += 6;
      const addrS = p;
      while (buf[p] !== 32) p++;
      const addrE = p;
      p += 7;
      const valS = p;
      while (buf[p] !== 32) p++;
      const valE = p;
      const w = buf[p + 6];
      put(write ? M_WRITE : M_READ);
      if (p + 7 < nl) {
        put(NAME);
        copy(bv, p + 14, nl - 1 - (p + 14));
        put(ADDR_Q);
      } else put(ADDR);
      copy(bv, addrS, addrE - addrS);
      put(WIDTH);
      out[o++] = w;
      put(VALUE);
      copy(bv, valS, valE - valS);
      put(CPU);
      copy(bv, cpuS, cpuE - cpuS);
      put(MR);
      copy(bv, mrS, mrE - mrS);
    } else {
      s = nl + 1;
      continue;
    }
    put(T);
    copy(bv, timeS, timeE - timeS);
    put(TID);
    copy(bv, s, tidE - s);
    put(LINE);
    copy(dv, DIGITS_END - ndigits, ndigits);
    out[o++] = 125;
    out[o++] = 10;
    s = nl + 1;
  }
  if (o >= SIZE) {
    write(o);
    o = 0;
  }
  buf.copy(buf, 0, s, end);
  have = end - s;
}
write(o);
