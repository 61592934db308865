import { InputError, LineWriter, Selection, UsageError, cliParser, parseSelectOptions, selectorOptions, selects, spoolInput, warn, warnInvalid, inputName, type Ev } from '@mmio-tools/core';
import { statSync } from 'node:fs';
import { inputOptions, inputOptionsOf, readInputs } from '@mmio-tools/parse';
import { followOption } from '@mmio-tools/parse';
import { MmiotraceLayout, MmiotraceWriter, parseBaseOption, parseIdOption } from './mmiotrace.js';
import { qemuLine } from './qemu.js';
import { PerfettoWriter } from './perfetto.js';
import { csvHeader, csvRow, textLine } from './table.js';

const TOOL = 'mmio-format';
export const TARGETS = ['mmiotrace', 'qemu', 'csv', 'text', 'perfetto'] as const;
type Target = (typeof TARGETS)[number];

/** A string field of the event that holds a control character (a newline would forge a second line), or undefined. */
export function controlField(ev: Record<string, unknown>): string | undefined {
  for (const k in ev) {
    // eslint-disable-next-line no-control-regex
    if (typeof ev[k] === 'string' && /[\u0000-\u001f\u007f]/.test(ev[k] as string)) return k;
  }
  return undefined;
}

/**
 * Can this input be read only once: stdin, or anything that is not a regular file
 * (a pipe, a FIFO, /dev/stdin, a `<(…)` process substitution)? A path that cannot
 * be looked at is left to the reader, which says what is wrong with it.
 */
function readOnce(path: string): boolean {
  if (path === '-') return true;
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Refuse an event a trace line cannot hold as it is. */
function checkPrintable(ev: Record<string, unknown>, to: string, file: string, line: number): void {
  const k = controlField(ev);
  if (k !== undefined) throw new InputError(`"${k}" holds a newline or another control character, which a ${to} line cannot hold`, file, line);
}

export async function main(argv: string[]): Promise<number> {
  const args = await followOption(inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 --to FORMAT [options] [file ...]\n\n' +
          'Write v1 events (or a raw trace) back as text: a Linux mmiotrace log (for envytools\n' +
          'demmio and other mmiotrace readers), QEMU log-backend trace lines, CSV, aligned\n' +
          'columns for reading, or the Trace Event Format JSON that ui.perfetto.dev opens (a\n' +
          'counter track per register). No file or - reads stdin.',
      ),
    ),
  ))
    .option('to', { choices: TARGETS, demandOption: true, describe: 'output format' })
    .option('base', {
      type: 'string',
      requiresArg: true,
      describe: 'mmiotrace: physical base of a region, DEV:REGION=ADDR (0000:03:00.0:2=0xf0000000); may repeat',
    })
    .option('id', {
      type: 'string',
      requiresArg: true,
      describe: 'mmiotrace: vendor and device IDs where the trace has none, VENDOR:DEVICE or DEV=VENDOR:DEVICE (10de:0641); may repeat',
    })
    .option('header', { type: 'boolean', default: true, describe: 'csv: print the header row (--no-header to leave it out)' })
    .example('mmio-parse vfio.log | $0 --to mmiotrace > vfio.mmiotrace', 'a VFIO trace for envytools demmio')
    .example('mmio-parse trace.log | mmio-annotate --regs regs.json | $0 --to text | less', 'read a trace with register names')
    .example('$0 --to perfetto --dev 03:00.0 trace.log > trace.json', 'open trace.json in ui.perfetto.dev')
    .parseAsync();
  const to = args.to as Target;
  const bases = ([] as string[]).concat(args.base ?? []).map((b) => {
    const parsed = parseBaseOption(b);
    if (!parsed) throw new UsageError(`--base ${JSON.stringify(b)}: expected DEV:REGION=ADDR, like 0000:03:00.0:2=0xf0000000`);
    return parsed;
  });
  if (bases.length && to !== 'mmiotrace') throw new UsageError('--base only applies to --to mmiotrace');
  const ids = ([] as string[]).concat(args.id ?? []).map((t) => {
    const parsed = parseIdOption(t);
    if (!parsed) throw new UsageError(`--id ${JSON.stringify(t)}: expected VENDOR:DEVICE or DEV=VENDOR:DEVICE, like 10de:0641 or 0000:01:00.0=10de:0641`);
    return parsed;
  });
  if (ids.length && to !== 'mmiotrace') throw new UsageError('--id only applies to --to mmiotrace');
  if (args.follow && to === 'mmiotrace') throw new UsageError('--follow does not go with --to mmiotrace, which reads its input twice (its PCIDEV lines come first)');
  const out = new LineWriter(process.stdout);
  const files = (args._ as (string | number)[]).map(String);
  const select = parseSelectOptions(args as Record<string, unknown>);
  /** The selection, new for each pass over the input: an event passes or not. The last one made reports. */
  let last: Selection | undefined;
  const selected = (): ((ev: Ev) => boolean) => {
    if (!selects(select)) return () => true;
    const s = (last = new Selection(select));
    return (ev) => s.pass(ev) !== false;
  };
  const io = inputOptionsOf(args, TOOL, () => out.flushIfFull());
  let left = 0;

  if (to === 'mmiotrace') {
    // Two passes: the PCIDEV lines need every region's base and size first. An input that
    // can be read only once (stdin, a pipe, a FIFO, /dev/stdin, <(…)) is copied to a file first.
    const spools: { path: string; remove: () => void }[] = [];
    let paths = files.length ? files : ['-'];
    const names = new Map<string, string>();
    try {
      paths = await Promise.all(paths.map(async (p) => {
        if (!readOnce(p)) return p;
        const spool = await spoolInput(p);
        spools.push(spool);
        names.set(spool.path, inputName(p));
        return spool.path;
      }));
      const layout = new MmiotraceLayout(bases, ids);
      try {
        const pass1 = selected();
        // Quiet: the second pass says what is wrong with the input, once.
        await readInputs(paths, (ev) => pass1(ev) && layout.scan(ev), { ...io, afterChunk: undefined, names, quiet: true });
      } catch (e) {
        // The layout of what comes before a bad line: the second pass writes that much, then meets the same error.
        if (!(e instanceof InputError)) throw e;
      }
      const writer = new MmiotraceWriter(layout);
      for (const l of writer.header()) out.line(l);
      const pass2 = selected();
      const res = await readInputs(paths, (ev, _raw, line, file) => {
        if (!pass2(ev)) return;
        checkPrintable(ev, 'mmiotrace', file, line);
        for (const l of writer.write(ev, file, line)) out.lineBytes(l);
      }, { ...io, names });
      warnInvalid(TOOL, res);
      for (const [why, n] of layout.unplaceable) warn(TOOL, `left out ${n} access${n === 1 ? '' : 'es'} mmiotrace cannot show (${why})`);
      for (const [type, n] of writer.left) warn(TOOL, `left out ${n} "${type}" event${n === 1 ? '' : 's'} (no mmiotrace line for them)`);
      for (const m of last?.report() ?? []) warn(TOOL, m);
    } finally {
      for (const spool of spools) spool.remove();
    }
    await out.flush();
    return 0;
  }

  if (to === 'csv' && args.header) out.line(csvHeader());
  // The Trace Event Format is one JSON array: its writer holds the last event back for the comma.
  const perfetto = to === 'perfetto' ? new PerfettoWriter() : undefined;
  if (perfetto) out.line(perfetto.start());
  const pass = selected();
  const res = await readInputs(files, (ev, _raw, line, file) => {
    if (!pass(ev)) return;
    if (perfetto) {
      for (const l of perfetto.write(ev)) out.line(l);
      return;
    }
    if (to === 'qemu') checkPrintable(ev, 'QEMU trace', file, line);
    const l = to === 'qemu' ? qemuLine(ev) : to === 'csv' ? csvRow(ev) : textLine(ev);
    if (l === undefined) left++;
    else if (to === 'text') out.line(l);
    // A name read with bytes of invalid UTF-8 goes back as those bytes (byte-exact).
    else out.lineBytes(l);
  }, io);
  if (perfetto) for (const l of perfetto.end()) out.line(l);
  warnInvalid(TOOL, res);
  if (perfetto && perfetto.rounded > 0) warn(TOOL, `${perfetto.rounded} access${perfetto.rounded === 1 ? '' : 'es'} had a value past 2^53: the counter shows it rounded (a JSON number)`);
  if (left > 0) warn(TOOL, `left out ${left} event${left === 1 ? '' : 's'} that ${to === 'csv' ? 'are not accesses' : 'QEMU has no trace event for'}`);
  for (const m of last?.report() ?? []) warn(TOOL, m);
  await out.flush();
  return 0;
}
