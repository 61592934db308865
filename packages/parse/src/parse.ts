import { AccessRuns, InputError, LineSplitter, MAX_BYTE_LINE, MAX_LINE, forEachByteLine, forEachLine, peekInput, newAccessView, taken, type AccessConsumer, type ByteWriter, type FastLine, type MmioEvent } from '@mmio-tools/core';
import { access as qemuAccess, devBytes, scanQemuAccess, writeAccessJson } from './bytes.js';
import { MalformedLine, SKIP, excerpt, type LineResult } from './common.js';
import { MmiotraceParser, looksLikeMmiotrace } from './mmiotrace.js';
import { accessEvent, accessLine, lineNote, parseQemuLine } from './qemu.js';
import { decodeSimpleTrace, isSimpleTrace } from './simpletrace.js';
import { PasteReader, WRAP_MIN, looksPasted, looksQuotedPrintable } from './paste.js';

export const FORMATS = ['auto', 'qemu', 'mmiotrace', 'simple'] as const;
export type Format = (typeof FORMATS)[number];

export interface ParseOptions {
  format: Format;
  /** Emit every other QEMU event as an `event`. */
  all: boolean;
  /** Unrecognised lines are errors. */
  strict: boolean;
  /** Malformed lines of known events are skipped with a warning instead of failing. */
  lenient: boolean;
  /** Put this in every event's `file` (mmio-parse does when it reads more than one input). */
  file?: string;
  /**
   * Read the text as a trace pasted into a mail or a review (paste.ts): true
   * (--paste), false (--no-paste), or undefined: when its start looks so, with a note.
   */
  paste?: boolean;
}

export interface ParseStats {
  format: 'text' | 'simple';
  /** Lines (records, for simpletrace) read. */
  lines: number;
  events: number;
  /** Lines that are not trace output at all. */
  unrecognised: number;
  firstUnrecognised?: number;
  /** Malformed known-event lines skipped under --lenient. */
  malformed: number;
  /** Lines recognised that give no event: the ftrace header, QEMU events not read, continuation lines. */
  known: number;
}

export interface ParseSink {
  /** Each event, in input order, with `line` set. */
  event(ev: MmioEvent): void;
  /**
   * Give this to have the common QEMU access lines as their NDJSON text (see
   * accessLine), without an event object: they then come here, not to `event`.
   */
  text?(line: string): void;
  /**
   * Give this to have the common QEMU access lines written as their NDJSON
   * bytes straight into it (the byte path, bytes.ts); `text` and `event` must
   * then write into it too, so that the lines stay in order.
   */
  bytes?: ByteWriter;
  /**
   * Give this (and not `bytes`) to have the common QEMU access lines as bytes
   * (core's AccessView) where it accepts them, without an event object: they
   * then come here, not to `event`.
   */
  access?: AccessConsumer;
  /**
   * A warning about the input. Warnings with the same `once` key are about one
   * thing (a region that is mmapped): the first says it.
   */
  warn(message: string, once?: string): void;
  /** Called between input chunks; await output backpressure here. */
  afterChunk?(): Promise<void> | void;
}


/**
 * peekInput for a trace: the first chunk, and for an input that may be a
 * simpletrace binary (its first byte is 0xff) at least 64 bytes. A text line
 * shorter than that (a live trace's first line) is not held back for more.
 */
export async function peekTrace(input: AsyncIterable<Buffer>): Promise<{ head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const first = await peekInput(input, 1);
  if (first.head === undefined || first.head[0] !== 0xff || first.head.length >= 64) return first;
  return peekInput(first.chunks, 64);
}

/** Parse one trace (already gunzipped) in any supported format. */
export async function parseTrace(input: AsyncIterable<Buffer>, file: string, opts: ParseOptions, sink: ParseSink): Promise<ParseStats> {
  const { head, chunks } = await peekTrace(input);
  const stats = newStats();
  if (isSimpleInput(opts.format, head)) {
    if (head !== undefined && !isSimpleTrace(head)) throw new InputError('not a QEMU simpletrace file (no simpletrace header)', file);
    stats.format = 'simple';
    return parseSimple(chunks, file, opts, sink, stats);
  }
  const onLine = textLineParser(file, opts, sink, stats, opts.format === 'qemu' ? undefined : new MmiotraceParser());
  const paste = pasteOf(opts, head);
  if (paste !== undefined) {
    if (opts.paste === undefined) {
      sink.warn(`${file}: read as a trace pasted into a mail or a review: quote, diff and comment prefixes stripped, ${paste.qp ? 'quoted-printable decoded, ' : ''}wrapped lines joined (--no-paste reads it as it is)`, `paste ${file}`);
    }
    // The paste's lines go to the general line parser, each numbered by its first input line.
    const reader = new PasteReader(onLine, lineReads(opts), paste.qp);
    stats.lines = await forEachLine(chunks, (line, n, cut) => reader.push(line, n, cut), sink.afterChunk?.bind(sink), (n) => reader.skip(() => onLine.long(n)));
    reader.end();
  } else {
    const fast = opts.format === 'mmiotrace' ? undefined : sink.bytes !== undefined ? jsonByteLines(sink.bytes, opts, onLine) : sink.access !== undefined && opts.file === undefined ? accessByteLines(sink.access, onLine) : undefined;
    if (fast !== undefined) stats.lines = await forEachByteLine(chunks, fast, new LineSplitter(onLine, 0, MAX_LINE, onLine.long), sink.afterChunk?.bind(sink));
    else stats.lines = await forEachLine(chunks, onLine, sink.afterChunk?.bind(sink), onLine.long);
  }
  onLine.finish();
  return stats;
}

/** The first lines of an input's first chunk (the last, maybe partial, left out unless it is all there is). */
function headLines(head: Buffer): string[] {
  const lines = head.toString('utf8').replace(/^\ufeff/, '').split('\n');
  if (lines.length > 1) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** The bytes of an input's start that tell whether it reads as a paste. */
const PASTE_HEAD = 1 << 16;

/**
 * How to read a text trace that starts with `head` as a paste (undefined: as it
 * is): with --paste, quoted-printable or not as its start shows; with neither
 * --paste nor --no-paste, when its start reads better so (looksPasted).
 */
export function pasteOf(opts: ParseOptions, head: Buffer | undefined): { qp: boolean } | undefined {
  if (opts.paste === false || head === undefined) return opts.paste ? { qp: false } : undefined;
  // The first 64 KiB decide, however the input is read (one thread reads 1 MiB at a time, stdin comes in 64 KiB).
  const lines = headLines(head.length > PASTE_HEAD ? head.subarray(0, PASTE_HEAD) : head);
  if (opts.paste === true) return { qp: looksQuotedPrintable(lines) };
  const seen = looksPasted(lines, lineReads(opts));
  return seen.paste ? { qp: seen.qp } : undefined;
}

/** The most fields each mmiotrace line has (PCIDEV: with its driver): a line with more does not read as a paste's joined line. */
const MMIOTRACE_FIELDS: Record<string, number> = { VERSION: 2, PCIDEV: 19, MAP: 8, UNMAP: 3, R: 8, W: 8, UNKNOWN: 6 };

/**
 * Does a line read as a line of a trace in this format (a known event, another QEMU
 * event, an mmiotrace line with no field too many)? The paste reader's test of
 * whether lines it joins make a line. A scratch mmiotrace parser: nothing is kept.
 */
export function lineReads(opts: ParseOptions): (line: string) => boolean | 'start' | 'other' {
  const scratch = new MmiotraceParser();
  return (line) => {
    const body = line.trim();
    if (body.length === 0) return false;
    try {
      if (opts.format !== 'qemu' && looksLikeMmiotrace(body)) {
        const toks = body.split(/[ \t]+/);
        const most = MMIOTRACE_FIELDS[toks[0]!];
        if (most !== undefined && toks.length > most) return 'start';
        return scratch.parseLine(body) !== undefined;
      }
      if (opts.format !== 'mmiotrace') {
        const r = parseQemuLine(body, false);
        return r === undefined ? false : r === SKIP ? 'other' : true;
      }
    } catch (e) {
      if (e instanceof MalformedLine) return 'start';
      throw e;
    }
    return false;
  };
}

/** The `,"file":…` member of ParseOptions.file as bytes (empty without). */
const fileMember = (opts: ParseOptions) => (opts.file === undefined ? new Uint8Array(0) : Buffer.from(`,"file":${JSON.stringify(opts.file)}`));

/**
 * The byte path of mmio-parse: a QEMU access line in the common form goes
 * from the input's bytes to its NDJSON bytes in `w` (bytes.ts), every other
 * line to `onLine`.
 */
export function jsonByteLines(w: ByteWriter, opts: ParseOptions, onLine: TextLineParser): FastLine {
  const file = fileMember(opts);
  // The output line must fit in what MAX_BYTE_LINE leaves: it is at most 150 bytes longer than the input line, and the file name.
  const limit = MAX_BYTE_LINE - 256 - file.length;
  return (buf, s, end, lineNo) => {
    const nl = scanQemuAccess(buf, s, end);
    if (nl < 0 || nl - s > limit) return -1;
    onLine.fastLine(buf, s, nl);
    writeAccessJson(w, buf, lineNo, file);
    return nl;
  };
}

/**
 * The byte path of a tool that reads a trace in-process: a QEMU access line
 * in the common form goes to `c` as a view of its bytes (device names made
 * canonical), every other line, and every line `c` does not accept, to `onLine`.
 */
export function accessByteLines(c: AccessConsumer, onLine: TextLineParser): FastLine {
  const v = newAccessView();
  const q = qemuAccess;
  // Runs of VFIO lines of one class (core's AccessRuns), where the consumer takes them: the byte scanner reads each head's first line.
  const runs =
    c.applyTraceRun === undefined
      ? undefined
      : new AccessRuns((b, a) => c.runClass!(b, a), false, {
          read: (buf, s, end) => {
            const nl = scanQemuAccess(buf, s, end);
            if (nl < 0 || q.memory) return -1;
            view(buf, s, nl);
            return q.regionE + 1;
          },
          view: v,
        });
  let textBuf: Buffer | undefined;
  let textEnd = 0;
  let text = '';
  return (buf, s, end, lineNo) => {
    if (runs !== undefined && c.runs!()) {
      if (buf !== textBuf || end !== textEnd) {
        textBuf = buf;
        textEnd = end;
        text = buf.toString('latin1', 0, end);
      }
      const e = runs.match(text, buf, s, end, v);
      if (e >= 0) {
        // Each line is an event; the last one's place is kept.
        onLine.fastLine(buf, text.lastIndexOf('\n', e - 2) + 1, e - 1, runs.lines);
        c.applyTraceRun!(buf, runs.cls, s, e, runs.lines, runs.headLength(runs.cls));
        taken.lines = runs.lines;
        return e - 1;
      }
    }
    const nl = scanQemuAccess(buf, s, end);
    if (nl < 0) return -1;
    view(buf, s, nl);
    if (!c.accepts(buf, v)) return -1;
    onLine.fastLine(buf, s, nl);
    c.apply(buf, v, lineNo);
    return nl;
  };
  /** The view of the access line at buf[s, nl) that scanQemuAccess read. */
  function view(buf: Buffer, s: number, nl: number): void {
    v.lineS = s;
    v.lineE = nl;
    v.write = q.write;
    v.width = q.width;
    if (q.memory) {
      v.devS = -1;
      v.region = -1;
      v.nameS = q.nameS;
      v.nameE = q.nameE;
      v.mrS = q.mrS;
      v.mrE = q.mrE;
      v.isAddr = true;
    } else {
      const dev = devBytes(buf, q.devS, q.devE);
      v.devBuf = dev;
      v.devS = 0;
      v.devE = dev.length;
      v.region = q.region;
      v.nameS = -1;
      v.mrS = -1;
      v.isAddr = false;
    }
    v.atS = q.atS;
    v.atE = q.atE;
    v.valS = q.valS;
    v.valE = q.valE;
  }
}

/** Put the input's name in an event, when mmio-parse reads several (ParseOptions.file). */
function withFile(ev: MmioEvent, opts: ParseOptions): void {
  if (opts.file !== undefined) (ev as { file?: string }).file = opts.file;
}

/** Is an input with this start (undefined: empty) read as a simpletrace binary under --format? */
export function isSimpleInput(format: Format, head: Buffer | undefined): boolean {
  return format === 'simple' || (format === 'auto' && head !== undefined && isSimpleTrace(head));
}

export const newStats = (): ParseStats => ({ format: 'text', lines: 0, events: 0, unrecognised: 0, malformed: 0, known: 0 });

/** Reads the mmiotrace lines of a text trace (the QEMU lines are stateless). */
export interface MmiotraceLines {
  parseLine(line: string): LineResult;
}

/** The kernel's ftrace header line that counts what the ring buffer held and what was written to it. */
const FTRACE_ENTRIES = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)/;

/**
 * Does `line` (unrecognised) continue the QEMU access line `before` it: would
 * a mailer that wraps at WRAP_MIN columns or more have broken the line there,
 * and do the two read as one access (`… size 2` and `name 'vbe'`)?
 */
function continues(before: string, line: string): boolean {
  const sp = line.indexOf(' ');
  if (before.length + 1 + (sp === -1 ? line.length : sp) <= WRAP_MIN) return false;
  try {
    const r = parseQemuLine(before.trimEnd() + ' ' + line, false);
    return r != null && (r.type === 'read' || r.type === 'write');
  } catch (e) {
    if (e instanceof MalformedLine) return false;
    throw e;
  }
}

/** The handler of one line of a text trace, `long` for a line past MAX_LINE (not kept), and `finish` to call after the last line. */
export interface TextLineParser {
  (line: string, lineNo: number, cut?: boolean): void;
  long(lineNo: number): void;
  finish(): void;
  /** A line the byte path took (an access event, buf[s, e)): what the parser does for it (n: for n such lines, buf[s, e) the last). */
  fastLine(buf: Buffer, s: number, e: number, n?: number): void;
}

/**
 * The handler of one line of a text trace (QEMU text and, unless --format qemu,
 * mmiotrace), with its 1-based number: events go to the sink, counts to stats.
 *
 * Lines as people have them: leading white space is read past (lines pasted
 * from a document), `#` lines at the top are the kernel's ftrace header (its
 * entries-written count past entries-in-buffer is a `lost` event), an indented
 * line that is no event right after a QEMU event line is that event's
 * continuation (with --all, appended to its `args`), and a last line without
 * a line end that cannot be read was cut short: a warning, not an error,
 * unless --strict.
 */
export function textLineParser(file: string, opts: ParseOptions, sink: ParseSink, stats: ParseStats, mmio: MmiotraceLines | undefined, top = true): TextLineParser {
  const qemu = opts.format !== 'mmiotrace';
  const text = qemu ? sink.text?.bind(sink) : undefined;
  const fileField = opts.file === undefined ? '' : `,"file":${JSON.stringify(opts.file)}`;
  /** May an indented line here continue the event before it (one of the QEMU events mmio-parse does not read)? */
  let inQemuEvent = false;
  /**
   * Still in the ftrace header: only blank and `#` lines since line 1 (`top`: so
   * far, for a block of a large trace; see blocks.ts). A `#` line anywhere else
   * is not a header but an unrecognised line like any other.
   */
  let header = top;
  /** The line before, when it was a QEMU access: a line that continues it is not a line of its own (see continues). */
  let access: string | undefined;
  /** Or the bytes of that line, when the byte path took it (a string is made only when the next line needs it). */
  let accessBuf: Buffer | undefined;
  let accessS = 0;
  let accessE = 0;
  /** An `event` (--all) held back for its continuation lines. */
  let pending: (MmioEvent & { type: 'event' }) | undefined;
  const flush = () => {
    if (pending === undefined) return;
    const ev = pending;
    pending = undefined;
    sink.event(ev);
  };
  const emit = (r: MmioEvent, lineNo: number) => {
    r.line = lineNo;
    withFile(r, opts);
    stats.events++;
    if (r.type === 'event') {
      flush();
      pending = r as MmioEvent & { type: 'event' };
      return;
    }
    flush();
    sink.event(r);
  };
  const onLine = (line: string, lineNo: number, cut?: boolean) => {
    if (line.length === 0) {
      inQemuEvent = false;
      access = undefined;
      accessBuf = undefined;
      return;
    }
    if (qemu && !cut) {
      if (text !== undefined) {
        const json = accessLine(line, lineNo, fileField);
        if (json !== undefined) {
          flush();
          inQemuEvent = false;
          header = false;
          access = line;
          accessBuf = undefined;
          stats.events++;
          text(json);
          return;
        }
      } else if (opts.file === undefined) {
        // Objects for a tool that reads the trace itself: the same fast path, no text.
        const ev = accessEvent(line, lineNo);
        if (ev !== undefined) {
          flush();
          inQemuEvent = false;
          header = false;
          access = line;
          accessBuf = undefined;
          stats.events++;
          sink.event(ev);
          return;
        }
      }
    }
    const c0 = line.charCodeAt(0);
    const indented = c0 === 32 || c0 === 9;
    const body = indented ? line.trimStart() : line;
    if (body.length === 0) {
      inQemuEvent = false;
      access = undefined;
      accessBuf = undefined;
      return;
    }
    if (header && body.charCodeAt(0) === 35 /* # */) {
      // The kernel's ftrace header (cat /sys/kernel/tracing/trace), at the top of the capture.
      inQemuEvent = false;
      stats.known++;
      const m = FTRACE_ENTRIES.exec(body);
      if (m && BigInt(m[2]!) > BigInt(m[1]!)) {
        const lost = BigInt(m[2]!) - BigInt(m[1]!);
        if (lost > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`ftrace header: lost count ${lost} is not an integer below 2^53`, file, lineNo);
        sink.warn(`${file}:${lineNo}: the kernel's ring buffer overwrote ${lost} events (entries-written ${m[2]} > entries-in-buffer ${m[1]}): the trace is incomplete`);
        emit({ type: 'lost', src: 'ftrace', count: Number(lost) }, lineNo);
      }
      return;
    }
    header = false;
    // The line as the general path keeps it: an indented (ftrace) line without its white space.
    const before = access ?? (accessBuf === undefined ? undefined : accessBuf.toString('latin1', accessS, accessE).trimStart());
    access = undefined;
    accessBuf = undefined;
    let r: LineResult;
    let isQemu = false;
    try {
      if (mmio && looksLikeMmiotrace(body)) r = mmio.parseLine(body);
      else if (qemu) {
        r = parseQemuLine(body, opts.all);
        if (r != null && (r.type === 'read' || r.type === 'write')) access = body;
        // Only another QEMU event may go on over lines: the ones read here print one line each.
        isQemu = r === SKIP || (r !== undefined && r.type === 'event');
        if (lineNote !== undefined) sink.warn(`${file}:${lineNo}: ${lineNote.message}`, lineNote.once);
      }
    } catch (e) {
      if (!(e instanceof MalformedLine)) throw e;
      if (cut && !opts.strict) {
        sink.warn(`${file}:${lineNo}: last line is cut short (no newline at end of file); skipped`);
        return;
      }
      if (!opts.lenient) throw new InputError(e.message, file, lineNo);
      stats.malformed++;
      sink.warn(`${file}:${lineNo}: ${e.message} (skipped)`);
      return;
    }
    if (r === undefined) {
      if (before !== undefined && continues(before, body)) {
        // A QEMU access line wrapped by a mailer: the line before was read without this part (its name, say).
        const message = `line ${lineNo} continues the line before it (a trace wrapped by a mailer?), which was read without it; --paste reads the two as one line`;
        if (!opts.lenient) throw new InputError(message, file, lineNo);
        stats.malformed++;
        sink.warn(`${file}:${lineNo}: ${message} (skipped)`);
        return;
      }
      if (indented && inQemuEvent) {
        // A continuation line of the QEMU event before it.
        if (pending !== undefined) pending.args += pending.args.length ? ' ' + body.trim() : body.trim();
        stats.known++;
        return;
      }
      inQemuEvent = false;
      if (opts.strict) throw new InputError(`unrecognised line ${JSON.stringify(excerpt(line))}`, file, lineNo);
      stats.unrecognised++;
      stats.firstUnrecognised ??= lineNo;
      return;
    }
    inQemuEvent = isQemu;
    if (r === SKIP) {
      stats.known++;
      return;
    }
    if (cut && (r.type === 'read' || r.type === 'write') && /[0-9a-fA-F]$/.test(body)) {
      sink.warn(`${file}:${lineNo}: last line has no newline at end of file: its value ${r.value} may be cut short`);
    }
    if (r.type === 'mmap' && r.enabled) {
      const what = r.region !== undefined && r.dev !== undefined ? `region ${r.region} of ${r.dev}` : `region ${JSON.stringify(r.label)}`;
      sink.warn(`${file}:${lineNo}: ${what} is mmapped: its accesses are not traced (x-no-mmap=true traces them)`, `mmap ${what}`);
    }
    emit(r, lineNo);
  };
  const long = (lineNo: number) => {
    flush();
    inQemuEvent = false;
    if (opts.strict) throw new InputError(`line is longer than ${MAX_LINE} characters`, file, lineNo);
    sink.warn(`${file}:${lineNo}: line is longer than ${MAX_LINE} characters; skipped`);
  };
  const fastLine = (buf: Buffer, s: number, e: number, n = 1) => {
    flush();
    inQemuEvent = false;
    header = false;
    access = undefined;
    accessBuf = buf;
    accessS = s;
    accessE = e;
    stats.events += n;
  };
  return Object.assign(onLine, { finish: flush, long, fastLine });
}

async function parseSimple(chunks: AsyncIterable<Buffer>, file: string, opts: ParseOptions, sink: ParseSink, stats: ParseStats): Promise<ParseStats> {
  try {
    stats.lines = await decodeSimpleTrace(
      chunks,
      {
        event(ev, record) {
          ev.line = record;
          withFile(ev, opts);
          stats.events++;
          sink.event(ev);
        },
        other(name, args, t, record) {
          if (!opts.all) return;
          stats.events++;
          const ev: MmioEvent = { type: 'event', src: 'simpletrace', name, args, t, line: record };
          withFile(ev, opts);
          sink.event(ev);
        },
        malformed(err, record) {
          if (!opts.lenient) throw new InputError(err.message, file, record);
          stats.malformed++;
          sink.warn(`${file}:${record}: ${err.message} (skipped)`);
        },
      },
      sink.afterChunk?.bind(sink),
    );
  } catch (e) {
    if (e instanceof MalformedLine) throw new InputError(e.message, file, (e as MalformedLine & { record?: number }).record);
    throw e;
  }
  return stats;
}
