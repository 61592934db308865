// @ts-check
/**
 * The byte floor of `mmio-filter --dev DEV --region N --type write` in Node, for the bench: read
 * 1 MiB at a time into a Buffer, find the line ends (Buffer.indexOf, memchr: for lines of 160
 * bytes one native call a line costs less than a loop over their bytes, 0.42-0.64 s against
 * 0.69-1.07 s of CPU for 318 MB), compare the literal bytes of the line's head
 * (`{"type":"write","src":"vfio","dev":"DEV","region":N,`) in place with a plain loop, and write
 * the lines that pass as slices of the input (runs of them at once). No checks and only this one
 * line shape: the measure of what Node can do at best (see docs/performance.md).
 *
 * With --check, every line of the common access shape is also checked as a whole, as mmio-filter
 * must check it so that a line that is not a valid event fails as it always did: one sticky
 * regular expression over runs of up to 256 lines (the chunk as latin1 text), of a looser form
 * than the tool's (any width with any value): the floor of a filter that checks what it passes.
 *
 *   node bench/floor/filter.mjs DEV N [--check] < events.ndjson
 */
import { readSync, writeSync } from 'node:fs';

const [dev, region] = process.argv.slice(2);
const CHECK = process.argv.includes('--check');
const STR = '[ !#-\\[\\]-~]*';
const UINT = '(?:0|[1-9][0-9]{0,14})';
const HEX = '0x(?:0|[1-9a-f][0-9a-f]{0,15})';
const LINE =
  `\\{"type":"(?:write|read)","src":"${STR}","dev":"${STR}","region":${UINT},"offset":"${HEX}","width":[1248],"value":"${HEX}"` +
  `(?:,"t":${UINT}(?:\\.[0-9]{1,30})?)?(?:,"tid":${UINT})?(?:,"line":${UINT})?\\}\\n`;
const RUN = new RegExp(`(?:${LINE}){1,256}`, 'y');
const HEAD = Buffer.from(`{"type":"write","src":"vfio","dev":"${dev}","region":${region},`, 'latin1');
let buf = Buffer.allocUnsafe(1 << 20);
let have = 0;
for (;;) {
  let n;
  try {
    n = readSync(0, buf, have, buf.length - have, null);
  } catch (e) {
    if (/** @type {{code?: string}} */ (e).code === 'EAGAIN') continue;
    throw e;
  }
  if (n === 0) break;
  const end = have + n;
  let s = 0;
  let from = -1;
  let to = -1;
  const out = [];
  const text = CHECK ? buf.latin1Slice(0, end) : '';
  let checked = 0;
  for (;;) {
    const nl = buf.indexOf(10, s);
    if (nl < 0 || nl >= end) break;
    if (CHECK && s >= checked) {
      RUN.lastIndex = s;
      checked = RUN.test(text) ? RUN.lastIndex : nl + 1;
    }
    let ok = true;
    for (let i = 0; i < HEAD.length; i++) {
      if (buf[s + i] !== HEAD[i]) {
        ok = false;
        break;
      }
    }
    if (ok) {
      if (to === s) to = nl + 1;
      else {
        if (from >= 0) out.push([from, to]);
        from = s;
        to = nl + 1;
      }
    }
    s = nl + 1;
  }
  if (from >= 0) out.push([from, to]);
  for (const [a, b] of out) {
    let at = a;
    while (at < b) {
      try {
        at += writeSync(1, buf, at, b - at);
      } catch (e) {
        if (/** @type {{code?: string}} */ (e).code !== 'EAGAIN') throw e;
      }
    }
  }
  buf.copy(buf, 0, s, end);
  have = end - s;
}
