import { ByteWriter, SelectionPushdown, cliParser, selects, selectorOptions, warn, warnInvalid } from '@mmio-tools/core';
import { inputOptions, inputOptionsOf, readInputs } from '@mmio-tools/parse';
import { followOption } from '@mmio-tools/parse';
import { EventFilter, parseFilterOptions } from './filter.js';

const TOOL = 'mmio-filter';

export async function main(argv: string[]): Promise<number> {
  const args = await followOption(inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 [options] [file ...]\n\n' +
          'Select v1 events by device, region, address range, type, width, value, time, marker\n' +
          'or line. All given selectors must match; an option given twice or with a comma list\n' +
          'matches any of its values. Context events (device, map, unmap, mark, lost, region,\n' +
          'mmap, reset, irq) pass through unless --type leaves them out. Passing lines are\n' +
          'copied unchanged. Inputs are NDJSON events or raw traces (parsed as mmio-parse does).',
      ),
    ),
  ))
    .option('collapse-polls', { type: 'boolean', default: false, describe: 'fold runs of identical consecutive reads into one event with "repeat": N' })
    .option('count', { alias: 'c', type: 'boolean', default: false, describe: 'print only the number of selected events (context events not counted), as grep -c' })
    .example("$0 --dev 03:00.0 --region 2 --offset 0x26c960-0x270000 trace.log", 'the NVRAM writes of seed 000, straight from the trace')
    .example('mmio-parse trace.log | $0 --type write --region 2 --count', 'how many writes to BAR2?')
    .parseAsync();
  const opts = parseFilterOptions(args as Record<string, unknown>);
  const out = new ByteWriter(process.stdout, { reuse: true });
  // The byte path (issue 25): access lines of our plain NDJSON that pass are copied as they are, in runs, without an event or a string.
  let runBuf: Buffer | undefined;
  let runS = 0;
  let runE = 0;
  const flushRun = () => {
    if (runBuf !== undefined) out.copy(runBuf, runS, runE);
    runBuf = undefined;
  };
  /** Hold buf[s, e) for the output, joined to the run held when it follows it. */
  const hold = (buf: Buffer, s: number, e: number) => {
    if (runBuf === buf && runE === s) runE = e;
    else {
      flushRun();
      runBuf = buf;
      runS = s;
      runE = e;
    }
  };
  const filter = new EventFilter(opts, args.count ? () => undefined : (l) => (flushRun(), out.line(l)));
  const files = (args._ as (string | number)[]).map(String);
  const io = inputOptionsOf(args, TOOL, () => (flushRun(), out.flushIfFull()));
  const push = opts.collapsePolls ? undefined : SelectionPushdown.of(selects(opts) ? filter.selection : undefined);
  if (push !== undefined) {
    io.access = {
      beforeGeneral: flushRun,
      accepts: () => true,
      apply: (buf, a) => {
        if (push !== null && !push.take(a, buf)) return;
        filter.selected++;
        if (args.count) return;
        // The line and its newline; joined to the run when it follows it.
        hold(buf, a.lineS, a.lineE + 1);
      },
      // Runs of lines of one class: selected (1) or left out (0) together.
      runs: () => push === null || push.runs,
      runClass: (buf, a) => (push === null || push.select(a, buf) ? 1 : 0),
      applyRun: (buf, cls, s, e, lines) => {
        if (cls === 0) return;
        push?.selectedRun(lines);
        filter.selected += lines;
        if (!args.count) hold(buf, s, e);
      },
    };
  }
  const res = await readInputs(files, (ev, raw) => filter.feed(ev, raw), io);
  flushRun();
  filter.end();
  if (args.count) out.line(String(filter.selected));
  warnInvalid(TOOL, res);
  for (const m of filter.report()) warn(TOOL, m);
  await out.flush();
  return 0;
}
