// @ts-check
/**
 * The byte floor of `mmio-filter --dev DEV --region N --type write` in Node, for the bench: read
 * 1 MiB at a time into a Buffer, find the line ends, compare the literal bytes of the line's head
 * (`{"type":"write","src":"vfio","dev":"DEV","region":N,`) in place with a plain loop, and write
 * the lines that pass as slices of the input (runs of them at once). No checks and only this one
 * line shape: the measure of what Node can do at best (see docs/performance.md).
 *
 *   node bench/floor/filter.mjs DEV N < events.ndjson
 */
import { readSync, writeSync } from 'node:fs';

const [dev, region] = process.argv.slice(2);
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
  for (;;) {
    let nl = s;
    while (nl < end && buf[nl] !== 10) nl++;
    if (nl === end) break;
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
