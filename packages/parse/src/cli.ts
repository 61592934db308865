import { ByteWriter, InputError, UsageError, cliParser, notATraceMessage, inputName, openWithProgress, progressWanted, stringifyEvent, warn } from '@mmio-tools/core';
import { FORMATS, isSimpleInput, parseTrace, pasteOf, peekTrace, type Format, type ParseOptions, type ParseStats } from './parse.js';
import { parseTextParallel } from './parallel.js';
import { chunkSize } from './input.js';

const TOOL = 'mmio-parse';
const MAX_WARNINGS = 20;
/** More threads than this are not used: this one reads, orders and writes for all of them. */
const MAX_JOBS = 16;

export async function main(argv: string[]): Promise<number> {
  const args = await cliParser(TOOL, argv)
    .usage(
      '$0 [options] [file ...]\n\n' +
        'Turn MMIO traces into NDJSON events, one per line: QEMU log/stderr/ftrace text\n' +
        '(vfio_region_*, vfio_pci_*_config, memory_region_ops_*), Linux mmiotrace text and\n' +
        'QEMU simpletrace binaries, each optionally gzip-compressed. No file or - reads stdin.',
    )
    .option('format', { alias: 'f', choices: FORMATS, default: 'auto' as Format, describe: 'input format; auto detects it from the content' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'also emit every other QEMU trace event as {"type":"event"}' })
    .option('strict', { type: 'boolean', default: false, describe: 'fail on lines that are not trace output (default: skip and count them)' })
    .option('skip-invalid', { type: 'boolean', default: false, describe: 'skip malformed event lines with a warning (default: fail)' })
    .option('lenient', { type: 'boolean', hidden: true, describe: 'the old name of --skip-invalid' })
    .option('paste', { type: 'boolean', describe: 'read a trace pasted into a mail or a review: quote (> ), diff (+ -) and comment ( * ) prefixes stripped, quoted-printable decoded, wrapped lines joined (default: when the start of an input looks so, with a note; --no-paste: never)' })
    .option('follow', { type: 'boolean', default: false, describe: 'read each file as it grows, as tail -F does (a rotated or truncated file is followed), until interrupted' })
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'threads that parse a large text trace, this one included (up to 16): 2 or more take more CPU and memory, and on 2 cores were no faster than one; the output is the same' })
    .example('$0 vfiotrace.log | jq -c \'select(.region == 2)\'', 'parse a QEMU VFIO trace')
    .example('$0 mmiotrace.log.gz > events.ndjson', 'parse a compressed mmiotrace log')
    .parseAsync();
  if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new UsageError('--jobs: expected a whole number of threads, 1 or more');
  const jobs = Math.min(args.jobs, MAX_JOBS);
  const files = (args._ as (string | number)[]).map(String);
  // stdout is done with a chunk when it calls back: its buffers are used again.
  const out = new ByteWriter(process.stdout, { reuse: true });
  const opts: ParseOptions = { format: args.format as Format, all: args.all, strict: args.strict, lenient: args.skipInvalid || Boolean(args.lenient), paste: args.paste as boolean | undefined };
  let warnings = 0;
  const said = new Set<string>();
  const onWarn = (m: string, once?: string) => {
    if (once !== undefined) {
      // One thing (a region that is mmapped) is said once, and always: it changes what the trace means.
      if (!said.has(once)) warn(TOOL, m);
      said.add(once);
      return;
    }
    if (++warnings <= MAX_WARNINGS) warn(TOOL, m);
  };
  const inputs = files.length ? files : ['-'];
  for (const path of inputs) {
    const file = inputName(path);
    // With several inputs, each event says which it came from (line numbers alone would repeat).
    const fileOpts: ParseOptions = inputs.length > 1 ? { ...opts, file: path } : opts;
    // A large file in 1 MiB reads: each chunk passes through the input's layers (gunzip, sniffing,
    // peeking) at a cost of its own, which at 64 KiB was a sixth of the parse (measured). See chunkSize.
    const { head, chunks } = await peekTrace(openWithProgress(path, TOOL, progressWanted(), chunkSize(path, { jobs, follow: args.follow }), args.follow));
    let stats: ParseStats;
    // A paste is read in one thread: its lines may join across a block's end.
    if (jobs === 1 || isSimpleInput(fileOpts.format, head) || pasteOf(fileOpts, head) !== undefined) {
      stats = await parseTrace(chunks, file, fileOpts, { event: (ev) => out.line(stringifyEvent(ev)), text: (line) => out.line(line), bytes: out, warn: onWarn, afterChunk: () => out.flushIfFull() });
    } else {
      stats = await parseTextParallel(chunks, file, fileOpts, { write: (d) => out.block(d), warn: onWarn }, { jobs });
    }
    // Not one line recognised, and some that are not: no trace at all (a picture, NDJSON events, a
    // mail). An error that says what it looks like, unless --skip-invalid. An empty file, or a trace
    // of QEMU events none of which is an access, recognised something: not this.
    if (stats.format === 'text' && stats.unrecognised > 0 && stats.events + stats.known + stats.malformed === 0 && !opts.lenient) {
      throw new InputError(notATraceMessage(head), file);
    }
    if (stats.unrecognised > 0) {
      warn(TOOL, `${file}: skipped ${stats.unrecognised} unrecognised line${stats.unrecognised === 1 ? '' : 's'} (first at line ${stats.firstUnrecognised})`);
    }
  }
  if (warnings > MAX_WARNINGS) warn(TOOL, `${warnings - MAX_WARNINGS} more warnings not shown`);
  await out.flush();
  return 0;
}
