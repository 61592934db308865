// @ts-check
/**
 * The floor of mmio-parse in Node, for the bench: what a VFIO trace costs to turn into the same
 * NDJSON lines when a program does nothing but the least it must: read 64 KiB at a time, cut lines,
 * run one regular expression per line and write the captured texts into a template, in 64 KiB
 * batches. No checks, no canonical numbers, no other events, no error messages: it is not a
 * parser, it is the measure of what Node can do at best (see docs/performance.md).
 *
 *   node bench/floor/parse.mjs trace.log > events.ndjson
 */
import { createReadStream } from 'node:fs';

const ACCESS = /(\d+)@([\d.]+):vfio_region_(?:write  \(([^:]+:[^:]+:[^:]+):region(\d+)\+(0x[0-9a-f]+), (0x[0-9a-f]+), (\d)\)|read  \(([^:]+:[^:]+:[^:]+):region(\d+)\+(0x[0-9a-f]+), (\d)\) = (0x[0-9a-f]+))/y;
let out = '';
let rest = '';
let n = 0;
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 16 })) {
  const text = rest + chunk.latin1Slice(0, chunk.length);
  let start = 0;
  let nl;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    n++;
    ACCESS.lastIndex = start;
    const m = ACCESS.exec(text);
    if (m !== null) {
      out += m[3] !== undefined
        ? `{"type":"write","src":"vfio","dev":"${m[3]}","region":${m[4]},"offset":"${m[5]}","width":${m[7]},"value":"${m[6]}","t":${m[2]},"tid":${m[1]},"line":${n}}\n`
        : `{"type":"read","src":"vfio","dev":"${m[8]}","region":${m[9]},"offset":"${m[10]}","width":${m[11]},"value":"${m[12]}","t":${m[2]},"tid":${m[1]},"line":${n}}\n`;
    }
    start = nl + 1;
  }
  rest = text.slice(start);
  if (out.length >= 1 << 16) {
    if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
    out = '';
  }
}
process.stdout.write(out);
