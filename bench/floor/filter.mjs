// @ts-check
/**
 * The floor of `mmio-filter --dev DEV --region N --type write` in Node, for the bench: read 64 KiB at
 * a time, cut lines, one regular expression per line, and the lines that pass written out as
 * slices of the input bytes (runs of them at once). No checks and only this one line shape: the
 * measure of what Node can do at best (see docs/performance.md).
 *
 *   node bench/floor/filter.mjs DEV N < events.ndjson
 */
const [dev, region] = process.argv.slice(2);
const LINE = /\{"type":"(read|write)","src":"[^"]*","dev":"([^"]*)","region":(\d+),"offset":"0x[0-9a-f]+","width":[1248],"value":"0x[0-9a-f]+","t":[\d.]+,"tid":\d+,"line":\d+\}$/my;
let rest = Buffer.alloc(0);
for await (const chunk of process.stdin) {
  const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  const text = buf.latin1Slice(0, buf.length);
  const out = [];
  let start = 0;
  let nl;
  let from = -1;
  let to = -1;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    LINE.lastIndex = start;
    const m = LINE.exec(text);
    if (m !== null && m[1] === 'write' && m[2] === dev && m[3] === region) {
      if (to === start) to = nl + 1;
      else {
        if (from >= 0) out.push(buf.subarray(from, to));
        from = start;
        to = nl + 1;
      }
    }
    start = nl + 1;
  }
  if (from >= 0) out.push(buf.subarray(from, to));
  rest = buf.subarray(start);
  for (const b of out) if (!process.stdout.write(b)) await new Promise((r) => process.stdout.once('drain', r));
}
