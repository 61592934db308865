// @ts-check
/**
 * The byte floor of `mmio-replay -o IMAGE` in Node, for the bench: read 1 MiB at a time into a
 * Buffer, find the line ends, find `"offset":"0x` and `"value":"0x` by their bytes, turn the hex
 * digits into numbers with plain loops, and store each write's bytes into 4 KiB pages; then write
 * the image. With an argument DEV N after IMAGE it reads the trace itself instead (the one-process
 * form): lines `…vfio_region_write  (DEV:regionN+0xOFF, 0xVAL, W)`, the literal bytes compared in
 * place. No checks and only these line shapes: the measure of what Node can do at best (see
 * docs/performance.md).
 *
 *   node bench/floor/replay.mjs IMAGE < events.ndjson
 *   node bench/floor/replay.mjs IMAGE DEV N trace.log
 */
import { openSync, readSync, writeSync, closeSync, ftruncateSync } from 'node:fs';

const [image, dev, region, trace] = process.argv.slice(2);
const lit = (s) => Buffer.from(s, 'latin1');
const OFFSET = lit('"offset":"0x');
const VFIO = lit(`vfio_region_write  (${dev}:region${region}+0x`);
/** @type {Map<number, Uint8Array>} */
const pages = new Map();
let end = 0;
const hex = (c) => (c <= 57 ? c - 48 : c - 87);
const isHex = (c) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
let lastN = -1;
let last = new Uint8Array(0);
function store(at, buf, vs, ve, width) {
  let d = ve;
  for (let i = 0; i < width; i++) {
    const a = at + i;
    const pn = Math.floor(a / 4096);
    if (pn !== lastN) {
      let page = pages.get(pn);
      if (page === undefined) pages.set(pn, (page = new Uint8Array(4096)));
      lastN = pn;
      last = page;
    }
    let b = 0;
    if (d > vs) b = hex(buf[d - 1]) | (d - 1 > vs ? hex(buf[d - 2]) << 4 : 0);
    d -= 2;
    last[a - pn * 4096] = b;
  }
  if (at + width > end) end = at + width;
}
const fd = trace ? openSync(trace, 'r') : 0;
const buf = Buffer.allocUnsafe(1 << 20);
let have = 0;
for (;;) {
  let n;
  try {
    n = readSync(fd, buf, have, buf.length - have, null);
  } catch (e) {
    if (/** @type {{code?: string}} */ (e).code === 'EAGAIN') continue;
    throw e;
  }
  if (n === 0) break;
  const stop = have + n;
  let s = 0;
  for (;;) {
    let nl = s;
    while (nl < stop && buf[nl] !== 10) nl++;
    if (nl === stop) break;
    if (trace) {
      // TID@SEC.USEC: then the literal head of a write to the region.
      let p = s;
      while (buf[p] !== 58) p++;
      p++;
      let ok = true;
      for (let i = 0; i < VFIO.length; i++) {
        if (buf[p + i] !== VFIO[i]) {
          ok = false;
          break;
        }
      }
      if (ok) {
        p += VFIO.length;
        let at = 0;
        while (isHex(buf[p])) at = at * 16 + hex(buf[p++]);
        p += 4;
        const vs = p;
        while (isHex(buf[p])) p++;
        store(at, buf, vs, p, buf[p + 2] - 48);
      }
    } else if (buf[s + 9] === 119) {
      // {"type":"write",… "offset":"0x…","width":W,"value":"0x…"
      let p = s + 16;
      while (buf[p] !== 34 || buf[p + 1] !== 111 || buf[p + 2] !== 102) p++;
      p += OFFSET.length;
      let at = 0;
      while (isHex(buf[p])) at = at * 16 + hex(buf[p++]);
      const width = buf[p + 10] - 48;
      p += 23;
      const vs = p;
      while (isHex(buf[p])) p++;
      store(at, buf, vs, p, width);
    }
    s = nl + 1;
  }
  buf.copy(buf, 0, s, stop);
  have = stop - s;
}
const out = openSync(image, 'w');
ftruncateSync(out, end);
for (const [n, page] of pages) writeSync(out, page, 0, Math.min(4096, end - n * 4096), n * 4096);
closeSync(out);
