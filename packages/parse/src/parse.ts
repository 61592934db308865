import { InputError, forEachLine, peekInput, type MmioEvent } from '@mmio-tools/core';
import { MalformedLine, SKIP, excerpt, type LineResult } from './common.js';
import { MmiotraceParser, looksLikeMmiotrace } from './mmiotrace.js';
import { accessLine, parseQemuLine } from './qemu.js';
import { decodeSimpleTrace, isSimpleTrace } from './simpletrace.js';

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
}

export interface ParseSink {
  /** Each event, in input order, with `line` set. */
  event(ev: MmioEvent): void;
  /**
   * Give this to have the common QEMU access lines as their NDJSON text (see
   * accessLine), without an event object: they then come here, not to `event`.
   */
  text?(line: string): void;
  /** A warning about the input (lenient mode). */
  warn(message: string): void;
  /** Called between input chunks; await output backpressure here. */
  afterChunk?(): Promise<void> | void;
}


/** Parse one trace (already gunzipped) in any supported format. */
export async function parseTrace(input: AsyncIterable<Buffer>, file: string, opts: ParseOptions, sink: ParseSink): Promise<ParseStats> {
  const { head, chunks } = await peekInput(input);
  const stats = newStats();
  if (isSimpleInput(opts.format, head)) {
    if (head !== undefined && !isSimpleTrace(head)) throw new InputError('not a QEMU simpletrace file (no simpletrace header)', file);
    stats.format = 'simple';
    return parseSimple(chunks, file, opts, sink, stats);
  }
  const onLine = textLineParser(file, opts, sink, stats, opts.format === 'qemu' ? undefined : new MmiotraceParser());
  stats.lines = await forEachLine(chunks, onLine, sink.afterChunk?.bind(sink));
  return stats;
}

/** Is an input with this start (undefined: empty) read as a simpletrace binary under --format? */
export function isSimpleInput(format: Format, head: Buffer | undefined): boolean {
  return format === 'simple' || (format === 'auto' && head !== undefined && isSimpleTrace(head));
}

export const newStats = (): ParseStats => ({ format: 'text', lines: 0, events: 0, unrecognised: 0, malformed: 0 });

/** Reads the mmiotrace lines of a text trace (the QEMU lines are stateless). */
export interface MmiotraceLines {
  parseLine(line: string): LineResult;
}

/**
 * The handler of one line of a text trace (QEMU text and, unless --format qemu,
 * mmiotrace), with its 1-based number: events go to the sink, counts to stats.
 */
export function textLineParser(file: string, opts: ParseOptions, sink: ParseSink, stats: ParseStats, mmio: MmiotraceLines | undefined): (line: string, lineNo: number) => void {
  const qemu = opts.format !== 'mmiotrace';
  const text = qemu ? sink.text?.bind(sink) : undefined;
  return (line, lineNo) => {
    if (line.length === 0) return;
    if (text !== undefined) {
      const json = accessLine(line, lineNo);
      if (json !== undefined) {
        stats.events++;
        text(json);
        return;
      }
    }
    let r: LineResult;
    try {
      if (mmio && looksLikeMmiotrace(line)) r = mmio.parseLine(line);
      else if (qemu) r = parseQemuLine(line, opts.all);
    } catch (e) {
      if (!(e instanceof MalformedLine)) throw e;
      if (!opts.lenient) throw new InputError(e.message, file, lineNo);
      stats.malformed++;
      sink.warn(`${file}:${lineNo}: ${e.message} (skipped)`);
      return;
    }
    if (r === undefined) {
      if (line.trim().length === 0) return;
      if (opts.strict) throw new InputError(`unrecognised line ${JSON.stringify(excerpt(line))}`, file, lineNo);
      stats.unrecognised++;
      stats.firstUnrecognised ??= lineNo;
      return;
    }
    if (r === SKIP) return;
    r.line = lineNo;
    stats.events++;
    sink.event(r);
  };
}

async function parseSimple(chunks: AsyncIterable<Buffer>, file: string, opts: ParseOptions, sink: ParseSink, stats: ParseStats): Promise<ParseStats> {
  try {
    stats.lines = await decodeSimpleTrace(
      chunks,
      {
        event(ev, record) {
          ev.line = record;
          stats.events++;
          sink.event(ev);
        },
        other(name, args, t, record) {
          if (!opts.all) return;
          stats.events++;
          sink.event({ type: 'event', src: 'simpletrace', name, args, t, line: record });
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
