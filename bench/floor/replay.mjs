// @ts-check
/**
 * The floor of `mmio-replay -o IMAGE` in Node, for the bench: read 64 KiB at a time, cut lines, one
 * regular expression per line, and each write's value stored into 4 KiB pages; then the image is
 * written. No checks and only this one line shape: the measure of what Node can do at best (see
 * docs/performance.md).
 *
 *   node bench/floor/replay.mjs IMAGE < events.ndjson
 */
import { openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';

const WRITE = /\{"type":"write",[^\n]*?"offset":"0x([0-9a-f]+)","width":([1248]),"value":"0x([0-9a-f]+)"/y;
/** @type {Map<number, Uint8Array>} */
const pages = new Map();
let end = 0;
let rest = '';
for await (const chunk of process.stdin) {
  const text = rest + chunk.latin1Slice(0, chunk.length);
  let start = 0;
  let nl;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    WRITE.lastIndex = start;
    const m = WRITE.exec(text);
    if (m !== null) {
      const at = parseInt(m[1], 16);
      const width = m[2].charCodeAt(0) - 48;
      const hex = m[3];
      for (let i = 0; i < width; i++) {
        const a = at + i;
        let page = pages.get(a >>> 12);
        if (page === undefined) pages.set(a >>> 12, (page = new Uint8Array(4096)));
        const d = hex.length - 2 * i;
        page[a & 4095] = d > 0 ? parseInt(hex.slice(Math.max(0, d - 2), d), 16) : 0;
      }
      if (at + width > end) end = at + width;
    }
    start = nl + 1;
  }
  rest = text.slice(start);
}
const fd = openSync(process.argv[2], 'w');
ftruncateSync(fd, end);
for (const [n, page] of pages) writeSync(fd, page, 0, Math.min(4096, end - n * 4096), n * 4096);
closeSync(fd);
