/**
 * A text trace in blocks of whole lines, each parsed on its own: the unit of
 * work of the parallel parser (parallel.ts), in the main thread or a worker.
 */
import type { Writable } from 'node:stream';
import { ByteWriter, InputError, LineSplitter, MAX_LINE, byteLines, stringifyEvent, type MmioEvent } from '@mmio-tools/core';
import type { LineResult } from './common.js';
import { jsonByteLines, newStats, textLineParser, type MmiotraceLines, type ParseOptions, type ParseStats } from './parse.js';

export interface TextBlock {
  /** Whole lines (the last block of a stream may end without a newline), in a buffer of its own. */
  bytes: Uint8Array;
  /** Number of the block's first line. */
  firstLine: number;
  /** Lines in the block. */
  lines: number;
  /** The block is one line far longer than MAX_LINE, whose bytes were dropped unread. */
  long?: boolean;
  /** Only blank and `#` lines came before the block: a `#` line at its start is still the ftrace header. */
  top?: boolean;
}

/** Are all the lines of `bytes` blank or `#` lines (the ftrace header at the top of a capture)? */
function onlyHeader(bytes: Uint8Array, first: boolean): boolean {
  let i = first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length) {
    let c = bytes[i]!;
    while (c === 32 || c === 9 || c === 13) c = bytes[++i]!;
    if (i >= bytes.length) return true;
    if (c !== 10 && c !== 35 /* # */) return false;
    const nl = bytes.indexOf(10, i);
    if (nl === -1) return true;
    i = nl + 1;
  }
  return true;
}

/**
 * A line longer than this many bytes is dropped by textBlocks as it streams by
 * (it is more than MAX_LINE characters in any UTF-8); shorter lines are left to
 * the line reader, which judges them by their characters as in one thread.
 */
const LONG_BYTES = 4 * MAX_LINE;

/** Cut a chunk stream into blocks of about `size` bytes that end at a newline. */
export async function* textBlocks(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<TextBlock> {
  let parts: Buffer[] = [];
  let held = 0;
  let line = 1;
  let top = true;
  const cut = (upTo: number): TextBlock => {
    // Copy into a buffer of its own: it may be transferred to a worker.
    const bytes = Buffer.allocUnsafeSlow(upTo);
    let at = 0;
    const rest: Buffer[] = [];
    for (const p of parts) {
      const take = Math.min(p.length, upTo - at);
      p.copy(bytes, at, 0, take);
      at += take;
      if (take < p.length) rest.push(p.subarray(take));
    }
    parts = rest;
    held -= upTo;
    const lines = countLines(bytes);
    const block: TextBlock = { bytes, firstLine: line, lines, top };
    top &&= onlyHeader(bytes, line === 1);
    line += lines;
    return block;
  };
  /** Bytes of the last line so far (since the last newline). */
  let partial = 0;
  /** Dropping the bytes of a line longer than LONG_BYTES until its end. */
  let skipping = false;
  for await (let chunk of chunks) {
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl === -1) continue;
      skipping = false;
      yield { bytes: new Uint8Array(0), firstLine: line++, lines: 1, long: true };
      top = false;
      chunk = chunk.subarray(nl + 1);
      if (chunk.length === 0) continue;
    }
    parts.push(chunk);
    held += chunk.length;
    const last = chunk.lastIndexOf(10);
    partial = last === -1 ? partial + chunk.length : chunk.length - last - 1;
    if (partial > LONG_BYTES) {
      // The lines before it, then the long line as a block of its own, its bytes dropped.
      if (held > partial) yield cut(held - partial);
      parts = [];
      held = 0;
      partial = 0;
      skipping = true;
      continue;
    }
    if (held < size) continue;
    // A block must not start with a line that may continue the event before it; past
    // four blocks' worth of such lines (not a trace QEMU writes), cut anyway.
    const nl = held > size * 4 ? chunk.lastIndexOf(10) : blockEnd(chunk);
    if (nl === -1) continue; // no place to cut yet: keep reading
    yield cut(held - (chunk.length - nl - 1));
  }
  if (skipping) yield { bytes: new Uint8Array(0), firstLine: line++, lines: 1, long: true };
  else if (held > 0) yield cut(held);
}

const MARK_WRITE = Buffer.from('tracing_mark_write:');

/**
 * The last newline of the chunk after which a block may end: the line after it
 * starts with no white space, is empty, or is an ftrace line (indented, with
 * `tracing_mark_write:`), so that it cannot continue the line before it; -1 if none.
 */
function blockEnd(chunk: Buffer): number {
  let next = chunk.length; // the end of the line after nl (chunk.length: it may go on in the next chunk)
  for (let nl = chunk.lastIndexOf(10); nl !== -1; next = nl, nl = nl === 0 ? -1 : chunk.lastIndexOf(10, nl - 1)) {
    if (nl + 1 >= chunk.length) continue; // nothing of the next line yet
    const c = chunk[nl + 1]!;
    if (c !== 32 && c !== 9) return nl;
    if (next < chunk.length) {
      if (chunk.subarray(nl + 1, next).indexOf(MARK_WRITE) !== -1) return nl;
    }
  }
  return -1;
}

/** Lines in a block: its newlines, and one more for a last line without one. */
function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? n + 1 : n;
}

/** What parsing a block gave. */
export interface BlockResult {
  /** The NDJSON of its events (up to the error, if any), UTF-8, in pieces that own their memory. */
  out: Uint8Array[];
  stats: ParseStats;
  /** Warnings, in order, with their `once` keys (see ParseSink.warn). */
  warnings: [string, string | undefined][];
  /** The input error that stopped it (after `out`). */
  error?: { message: string; line?: number };
  /** A program error, with its stack. */
  crash?: { message: string; stack?: string };
  /** It holds an mmiotrace line and its block must be parsed again in order (see parallel.ts). */
  needsOrder?: boolean;
}

/** Thrown on an mmiotrace line in a block parsed out of order: its state depends on the lines before. */
class NeedsOrder extends Error {}

/** Stands in for the mmiotrace parser where blocks are parsed out of order. */
const OUT_OF_ORDER: MmiotraceLines = {
  parseLine(): LineResult {
    throw new NeedsOrder();
  },
};

/** The mmiotrace reader of a block parsed out of order: none for --format qemu, else one that sends the block back. */
export function outOfOrderLines(opts: ParseOptions): MmiotraceLines | undefined {
  return opts.format === 'qemu' ? undefined : OUT_OF_ORDER;
}

/** The pieces of output of the block being parsed (see blockOut). */
let pieces: Uint8Array[] = [];
/**
 * The output of a block: one writer per thread, reused (it holds a 1 MiB
 * buffer), that hands its bytes over to `pieces`.
 */
const blockOut = new ByteWriter({ write: (b: Uint8Array) => (pieces.push(b), true), destroyed: false } as unknown as Writable);

/** Parse one block; events become NDJSON text (the common access lines straight from their bytes). Never throws: errors are in the result. */
export function parseBlock(block: TextBlock, file: string, opts: ParseOptions, mmio: MmiotraceLines | undefined): BlockResult {
  const res: BlockResult = { out: [], stats: newStats(), warnings: [] };
  pieces = res.out;
  blockOut.drop();
  const line = (json: string) => blockOut.line(json);
  const onLine = textLineParser(file, opts, { event: (ev: MmioEvent) => line(stringifyEvent(ev)), text: line, warn: (m, once) => res.warnings.push([m, once]) }, res.stats, mmio, block.top ?? block.firstLine === 1);
  const bytes = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
  try {
    if (block.long) onLine.long(block.firstLine);
    const lines = new LineSplitter(onLine, block.firstLine - 1, MAX_LINE, onLine.long);
    let rest = 0;
    if (opts.format !== 'mmiotrace') rest = byteLines(bytes, 0, bytes.length, jsonByteLines(blockOut, opts, onLine), lines);
    // What is left (all of it for mmiotrace, else a last line without a newline), decoded 64 KiB at a time: small strings are cheap to collect.
    for (let at = rest; at < bytes.length; at += 1 << 16) lines.push(bytes.subarray(at, Math.min(at + (1 << 16), bytes.length)));
    lines.end();
    onLine.finish();
  } catch (e) {
    if (e instanceof NeedsOrder) res.needsOrder = true;
    else if (e instanceof InputError) res.error = { message: e.message, line: e.line };
    else res.crash = e instanceof Error ? { message: e.message, stack: e.stack } : { message: String(e) };
  }
  blockOut.handOver();
  res.stats.lines = block.lines;
  return res;
}
