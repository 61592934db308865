import { LineWriter, UsageError, cliParser, completeValues, selectorOptions } from '@mmio-tools/core';
import { inputOptions, readSelected } from '@mmio-tools/parse';
import { Inventory, SORTS, textRows, type RegRecord, type Sort } from './inventory.js';

const TOOL = 'mmio-regs';

export async function main(argv: string[]): Promise<number> {
  completeValues('sort', SORTS);
  const args = await inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 [options] [file ...]\n\n' +
          'One record per register the trace touches ({"type":"reg", dev, region, offset, width,\n' +
          'reads, writes, first, last, written, read, lastWritten, lastRead, kind, ...}), in order\n' +
          'of first access, with how it behaves: constant, read-only, write-only, latch,\n' +
          'volatile, poll, counter, w1c (rules in the README). Inputs are NDJSON events or raw\n' +
          'traces; the selectors choose which accesses count.',
      ),
    ),
  )
    .option('text', { type: 'boolean', default: false, describe: 'an aligned table (sorted by accesses unless --sort) instead of NDJSON' })
    .option('sort', { type: 'string', requiresArg: true, describe: `order: ${SORTS.join(', ')} (default: first for NDJSON, accesses for --text)` })
    .example('$0 --dev 03:00.0 --region 0 trace.log --text | head', 'the registers a driver touches most')
    .example("mmio-parse trace.log | $0 | jq -c 'select(.kind | index(\"poll\")) | {offset, poll}'", 'every polled register, and what ended its longest poll')
    .parseAsync();
  const sort = (args.sort as string | undefined) ?? (args.text ? 'accesses' : 'first');
  if (!(SORTS as readonly string[]).includes(sort)) throw new UsageError(`--sort ${JSON.stringify(sort)}: expected one of ${SORTS.join(', ')}`);
  const inv = new Inventory();
  const files = (args._ as (string | number)[]).map(String);
  await readSelected(files, args as Record<string, unknown>, TOOL, (ev) => void inv.add(ev));
  inv.end();
  // The records are made one at a time, in the order asked for: no list of them all.
  const order = inv.order(sort as Sort);
  const recs: Iterable<RegRecord> = {
    *[Symbol.iterator]() {
      for (const i of order) yield inv.record(i);
    },
  };
  const out = new LineWriter(process.stdout);
  // Line by line, honouring the reader's pace: the table is never one string.
  const lines = args.text ? textRows(recs) : (function* () {
    for (const r of recs) yield JSON.stringify(r);
  })();
  for (const l of lines) {
    out.line(l);
    await out.flushIfFull();
  }
  await out.flush();
  return 0;
}
