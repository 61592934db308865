// @ts-check
/**
 * The byte floor of mmio-parse in Node, for the bench: what a VFIO trace costs to turn into the same
 * NDJSON lines when a program does nothing but the least it must: read 1 MiB at a time into a
 * Buffer, find the line ends, compare the literal bytes of the event name, copy the fields' bytes
 * into a template in one output Buffer with plain loops (no string, no regular expression), and
 * write it. No checks, no canonical numbers, no other events, no error messages: it is not a
 * parser, it is the measure of what Node can do at best (see docs/performance.md).
 *
 *   node bench/floor/parse.mjs trace.log > events.ndjson
 */
import { openSync, readSync, writeSync } from 'node:fs';

const lit = (s) => Buffer.from(s, 'latin1');
const NAME = lit('vfio_region_');
const W1 = lit('{"type":"write","src":"vfio","dev":"');
const R1 = lit('{"type":"read","src":"vfio","dev":"');
const REGION = lit('","region":');
const OFFSET = lit(',"offset":"');
const WIDTH = lit('","width":');
const VALUE = lit(',"value":"');
const T = lit('","t":');
const TID = lit(',"tid":');
const LINE = lit(',"line":');
const out = Buffer.allocUnsafe(4 << 20);
let o = 0;
const put = (b) => {
  for (let i = 0; i < b.length; i++) out[o++] = b[i];
};
const copy = (buf, s, e) => {
  for (let i = s; i < e; i++) out[o++] = buf[i];
};
const digits = new Uint8Array(16);
const putInt = (n) => {
  let k = 0;
  do {
    const q = Math.floor(n / 10);
    digits[k++] = 48 + n - q * 10;
    n = q;
  } while (n > 0);
  while (k > 0) out[o++] = digits[--k];
};

/** Write out[0, n) to stdout, whole (a pipe may take it in parts). */
function write(b, n) {
  let at = 0;
  while (at < n) {
    try {
      at += writeSync(1, b, at, n - at);
    } catch (e) {
      if (/** @type {{code?: string}} */ (e).code !== 'EAGAIN') throw e;
    }
  }
}

const fd = openSync(process.argv[2], 'r');
let buf = Buffer.allocUnsafe(1 << 20);
let have = 0;
let lineNo = 0;
for (;;) {
  const n = readSync(fd, buf, have, buf.length - have, null);
  if (n === 0) break;
  const end = have + n;
  let s = 0;
  for (;;) {
    let nl = s;
    while (nl < end && buf[nl] !== 10) nl++;
    if (nl === end) break;
    lineNo++;
    // TID@SEC.USEC:vfio_region_(write|read)  (DEV:regionN+0xOFF, …
    let p = s;
    while (buf[p] !== 64) p++;
    const tidE = p;
    const timeS = ++p;
    while (buf[p] !== 58) p++;
    const timeE = p++;
    let ok = true;
    for (let i = 0; i < NAME.length; i++) if (buf[p + i] !== NAME[i]) ok = false;
    const q = p + NAME.length;
    const write = buf[q] === 119 && buf[q + 5] === 32 && buf[q + 6] === 32;
    if (ok && (write || (buf[q] === 114 && buf[q + 4] === 32 && buf[q + 5] === 32))) {
      p = q;
      p += write ? 8 : 7;
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
      put(write ? W1 : R1);
      copy(buf, devS, devE);
      put(REGION);
      copy(buf, regS, regE);
      put(OFFSET);
      copy(buf, offS, offE);
      put(WIDTH);
      out[o++] = w;
      put(VALUE);
      copy(buf, valS, valE);
      put(T);
      copy(buf, timeS, timeE);
      put(TID);
      copy(buf, s, tidE);
      put(LINE);
      putInt(lineNo);
      out[o++] = 125;
      out[o++] = 10;
    }
    s = nl + 1;
  }
  if (o > 3 << 20) {
    write(out, o);
    o = 0;
  }
  buf.copy(buf, 0, s, end);
  have = end - s;
}
write(out, o);
