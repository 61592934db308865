/**
 * The one place that reads a tool's inputs: NDJSON events, or a raw trace in
 * any format mmio-parse reads, parsed in-process with the same parser and the
 * same options. Every tool that reads events reads its inputs here, so
 * `mmio-replay --dev 03:00.0 --region 2 -o tcm.bin trace.log` needs no
 * mmio-parse, and `mmio-parse trace.log | mmio-replay …` works as before.
 */
import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import {
  LineSplitter,
  Selection,
  UsageError,
  parseSelectOptions,
  selects,
  warnInvalid,
  inputName,
  openWithProgress,
  progressWanted,
  parseEventLine,
  peekInput,
  readEventChunks,
  warn,
  type AccessConsumer,
  type Ev,
  type OnEvent,
  type ReadEventsResult,
} from '@mmio-tools/core';
import { parseTextParallel } from './parallel.js';
import { isSimpleInput, parseTrace, pasteOf, type Format, type ParseOptions } from './parse.js';
import { stripPrefix } from './paste.js';
import { looksLikeMmiotrace } from './mmiotrace.js';
import { parseQemuLine } from './qemu.js';

export const INPUT_FORMATS = ['auto', 'ndjson', 'qemu', 'mmiotrace', 'simple'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface InputOptions {
  /** auto: NDJSON when the input starts with `{`, else a trace (detected as mmio-parse does). */
  format: InputFormat;
  /** Trace lines that are not trace output are errors. */
  strict: boolean;
  /** Invalid NDJSON lines and malformed trace lines are skipped with one warning (mmio-parse --lenient). */
  skipInvalid: boolean;
  /** Other QEMU events become `event` events. */
  all: boolean;
  /** Threads that parse a large text trace. */
  jobs: number;
  /** Traces pasted into a mail or a review (ParseOptions.paste): true, false, or undefined to detect. */
  paste?: boolean;
  /** Read each file as it grows, as tail -F does (--follow). */
  follow?: boolean;
  /** Runs between input chunks: await the output's backpressure here. */
  afterChunk?: () => Promise<void> | void;
  /** The tool, for the warnings it prints (lines skipped, regions mmapped). */
  tool: string;
  /** Names to show in messages for some paths (a spooled copy of stdin, say). */
  names?: Map<string, string>;
  /** No warnings on stderr (a first pass over inputs that a second pass reads again, and reports). */
  quiet?: boolean;
  /**
   * Takes the common access lines (our NDJSON's, a trace's) straight from
   * their bytes where it accepts them (issue 25): they then come here, not to
   * `onEvent`, and count as events all the same.
   */
  access?: AccessConsumer;
}

export interface InputResult extends ReadEventsResult {
  /** Inputs read as traces. */
  traces: number;
}

/** Bytes looked at to tell NDJSON from a trace. */
const PEEK = 1 << 14;

/**
 * Is this start of an input (undefined: empty) NDJSON under --format? The first
 * line that is either decides: one that starts with `{` is NDJSON, one that
 * mmio-parse reads (a QEMU event, an mmiotrace record, the ftrace header) or a
 * simpletrace header is a trace. An input with neither is read as NDJSON, whose
 * errors say what is wrong with its first line.
 */
function isNdjson(format: InputFormat, head: Buffer | undefined, final: boolean): boolean | undefined {
  if (format === 'ndjson') return true;
  if (format !== 'auto') return false;
  if (head === undefined) return true;
  // Only a simpletrace binary (its first byte 0xff) needs 24 bytes to tell; a short first text line does not wait for more.
  if (head.length < 24 && !final && head[0] === 0xff) return undefined;
  if (isSimpleInput('auto', head)) return false;
  const text = head.toString('utf8').replace(/^\ufeff/, '');
  const lines = text.split('\n');
  if (!final) lines.pop(); // the last line may go on in the next chunk
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (line.startsWith('{')) return true;
    if (line.startsWith('#') || looksLikeMmiotrace(line)) return false;
    // A trace line as it is, or pasted into a mail or a review (`> `, `+`, ` * ` in front of it).
    const pasted = stripPrefix(line).trim();
    if (pasted !== line && looksLikeMmiotrace(pasted)) return false;
    try {
      if (parseQemuLine(line, false) !== undefined) return false;
      if (pasted !== line && pasted.length > 0 && parseQemuLine(pasted, false) !== undefined) return false;
    } catch {
      return false; // a known QEMU event, malformed: a trace
    }
  }
  return final ? true : undefined;
}

/** Read the start of an input until it tells NDJSON from a trace (or PEEK bytes): the answer and all the chunks. */
async function detect(format: InputFormat, input: AsyncIterable<Buffer>): Promise<{ ndjson: boolean; head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const { head: first, chunks } = await peekInput(input, 1);
  let ndjson = isNdjson(format, first, first === undefined || first.length >= PEEK);
  if (ndjson !== undefined || first === undefined) return { ndjson: ndjson ?? true, head: first, chunks };
  // Undecided: read on, a chunk at a time.
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (ndjson === undefined) {
    const r = await it.next();
    if (r.done) done = true;
    else head = Buffer.concat([head, r.value]);
    ndjson = isNdjson(format, head, done || head.length >= PEEK);
  }
  const held = head;
  const rest = (async function* () {
    if (held.length) yield held;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  return { ndjson, head: held.length ? held : first, chunks: rest };
}

const MAX_WARNINGS = 20;

/**
 * Reads of a file of 8 MiB or more are 256 KiB: each chunk crosses the input's
 * layers at a cost of its own (with 64 KiB, 0.1-0.2 s of a 175 MB trace's
 * one-process replay); with 1 MiB, the chunks (and their latin1 text, see
 * core's AccessRuns) waiting for the collector doubled the one-process
 * replay's peak RSS (75 -> 153 MB; 256 KiB: 88 MB). A smaller file (a gzip one whose work takes seconds
 * all the same: its progress line counts the chunks read), stdin and a
 * followed file: 64 KiB; with --jobs, 1 MiB (the parallel parser's blocks).
 */
export function chunkSize(path: string, o: Pick<InputOptions, 'jobs' | 'follow'>): number {
  if (o.jobs > 1 && !o.follow) return 1 << 20; // the parallel parser's blocks
  if (o.follow || path === '-') return 1 << 16;
  try {
    return statSync(path).size >= 8 << 20 ? 1 << 18 : 1 << 16;
  } catch {
    return 1 << 16; // openInput says what is wrong with the path
  }
}

/**
 * Read every input in order (`-` is stdin; gzip is detected): NDJSON events as
 * they are, raw traces parsed. `onEvent` gets each event with its NDJSON line
 * (undefined for a trace's events), its line and its file. Errors name the
 * file and line; warnings go to stderr as mmio-parse prints them.
 */
export async function readInputs(paths: string[], onEvent: OnEvent, o: InputOptions): Promise<InputResult> {
  const res: InputResult = { events: 0, invalid: 0, traces: 0 };
  let warnings = 0;
  const said = new Set<string>();
  const onWarn = (m: string, once?: string) => {
    if (o.quiet) return;
    if (once !== undefined) {
      if (!said.has(once)) warn(o.tool, m);
      said.add(once);
    } else if (++warnings <= MAX_WARNINGS) warn(o.tool, m);
  };
  for (const path of paths.length ? paths : ['-']) {
    const file = o.names?.get(path) ?? inputName(path);
    const { ndjson, head, chunks } = await detect(o.format, openWithProgress(path, o.tool, progressWanted(), chunkSize(path, o), o.follow));
    if (ndjson) {
      await readEventChunks(chunks, file, onEvent, { skipInvalid: o.skipInvalid, afterChunk: o.afterChunk, access: o.access }, res);
      continue;
    }
    res.traces++;
    const format = (o.format === 'auto' ? 'auto' : o.format) as Format;
    const po: ParseOptions = { format, all: o.all, strict: o.strict, lenient: o.skipInvalid, paste: o.paste };
    const event = (ev: Ev) => {
      res.events++;
      onEvent(ev, undefined, ev.line as number, file);
    };
    let stats;
    // A tool that takes a trace's access lines as bytes (mmio-replay) reads it in one thread: the threads
    // hand their events back as NDJSON text, read again here, which cost 4x the byte path (measured, issue 25).
    if (o.jobs <= 1 || o.access?.traces || isSimpleInput(format, head) || pasteOf(po, head) !== undefined) {
      const c = o.access?.traces ? o.access : undefined;
      const access: AccessConsumer | undefined = c && {
        accepts: (b, a) => c.accepts(b, a),
        apply: (b, a, line) => {
          res.events++;
          c.apply(b, a, line);
        },
        ...(c.applyTraceRun && {
          runs: () => c.runs!(),
          runClass: (b, a) => c.runClass!(b, a),
          applyTraceRun: (b, cls, s, e, lines, head) => {
            res.events += lines;
            c.applyTraceRun!(b, cls, s, e, lines, head);
          },
        }),
      };
      stats = await parseTrace(chunks, file, po, { event: event as (ev: unknown) => void, access, warn: onWarn, afterChunk: o.afterChunk });
    } else {
      // The threads write NDJSON, read back here: the same events.
      const lines = new LineSplitter((raw) => {
        const r = parseEventLine(raw);
        if (r !== undefined && typeof r !== 'string') event(r);
      });
      stats = await parseTextParallel(chunks, file, po, {
        write: async (d) => {
          lines.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
          await o.afterChunk?.();
        },
        warn: onWarn,
      }, { jobs: o.jobs });
      lines.end();
    }
    if (stats.unrecognised > 0 && !o.quiet) warn(o.tool, `${file}: skipped ${stats.unrecognised} unrecognised line${stats.unrecognised === 1 ? '' : 's'} (first at line ${stats.firstUnrecognised})`);
  }
  if (warnings > MAX_WARNINGS && !o.quiet) warn(o.tool, `${warnings - MAX_WARNINGS} more warnings not shown`);
  return res;
}

const GROUP = 'Input (NDJSON events, or a raw trace parsed as mmio-parse does):';

/** The --follow option, for the tools that stream (mmio-filter, mmio-annotate, mmio-format). */
export function followOption<T>(y: Argv<T>): Argv<T> {
  return y.option('follow', { type: 'boolean', default: false, describe: 'read each file as it grows, as tail -F does (a rotated or truncated file is followed), until interrupted', group: GROUP }) as unknown as Argv<T>;
}

/** Declare the input options on a yargs parser, with one meaning for the whole family. */
export function inputOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('format', { alias: 'f', choices: INPUT_FORMATS, default: 'auto' as InputFormat, describe: 'input format; auto: NDJSON when an input starts with {, else a trace detected from its content', group: GROUP })
    .option('strict', { type: 'boolean', default: false, describe: 'traces: lines that are not trace output are errors (default: skip and count them)', group: GROUP })
    .option('skip-invalid', { type: 'boolean', default: false, describe: 'skip invalid lines (malformed trace lines) with a warning instead of failing', group: GROUP })
    .option('lenient', { type: 'boolean', hidden: true, describe: 'the old name of --skip-invalid' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'traces: also read every other QEMU event as {"type":"event"}', group: GROUP })
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'threads that parse a large text trace (up to 16)', group: GROUP })
    .option('paste', { type: 'boolean', describe: 'traces: read a trace pasted into a mail or a review (prefixes stripped, quoted-printable decoded, wrapped lines joined); default: when its start looks so, with a note; --no-paste: never', group: GROUP }) as unknown as Argv<T>;
}

/** The input options from parsed arguments. */
export function inputOptionsOf(args: Record<string, unknown>, tool: string, afterChunk?: () => Promise<void> | void): InputOptions {
  const jobs = args.jobs as number;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs: expected a whole number of threads, 1 or more');
  return { format: args.format as InputFormat, strict: Boolean(args.strict), skipInvalid: Boolean(args.skipInvalid || args.lenient), all: Boolean(args.all), jobs: Math.min(jobs, 16), afterChunk, tool, paste: args.paste as boolean | undefined, follow: Boolean(args.follow) };
}


export interface SelectedOptions {
  /** Called with each event the selectors leave out (it may still tell something, a chipset say). */
  leftOut?: (ev: Ev) => void;
  afterChunk?: () => Promise<void> | void;
}

/**
 * Read a tool's inputs as readInputs does, giving `onEvent` only the events its selectors (the
 * options of selectorOptions, in `args`) choose; then say on stderr what the reader should know
 * (invalid lines skipped, a selector that matched nothing).
 */
export async function readSelected(files: string[], args: Record<string, unknown>, tool: string, onEvent: OnEvent, o: SelectedOptions = {}): Promise<InputResult> {
  const select = parseSelectOptions(args);
  const selection = selects(select) ? new Selection(select) : undefined;
  const res = await readInputs(
    files,
    selection
      ? (ev, raw, line, file) => {
          if (selection.pass(ev) === false) o.leftOut?.(ev);
          else onEvent(ev, raw, line, file);
        }
      : onEvent,
    inputOptionsOf(args, tool, o.afterChunk),
  );
  warnInvalid(tool, res);
  for (const m of selection?.report() ?? []) warn(tool, m);
  return res;
}
