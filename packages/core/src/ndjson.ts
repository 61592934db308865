import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InputError } from './errors.js';
import { warn } from './cli.js';
import { forget, removeOnExit } from './cleanup.js';
import { checkEvent, normalizeEvent, stringifyEvent } from './events.js';
import { inputName, openInput } from './input.js';
import { LineSplitter, MAX_LINE, forEachLine } from './lines.js';
import { forEachByteLine, taken, type FastLine } from './bytelines.js';
import { AccessRuns, newAccessView, scanNdjsonAccess, type AccessConsumer } from './access.js';
import { scanEvent } from './scan.js';
import { ESCAPED_BYTE, escapedBytes } from './utf8.js';

export interface ReadEventsOptions {
  /** Skip invalid lines (counted in the result) instead of failing. */
  skipInvalid?: boolean;
  /** Runs after each input chunk; await the output's backpressure here. */
  afterChunk?: () => Promise<void> | void;
  /** Names to show in messages for some paths (a spooled copy of stdin, say). */
  names?: Map<string, string>;
  /**
   * Takes the access lines in the plain shape our tools write straight from
   * their bytes (see access.ts), where it accepts them: they then come here,
   * not to `onEvent` (counted in `events` all the same).
   */
  access?: AccessConsumer;
}

export interface ReadEventsResult {
  events: number;
  invalid: number;
  /** The first invalid line, `file:line: reason`, for the warning. */
  firstInvalid?: string;
}

export type Ev = Record<string, unknown> & { type: string };

/** Whether the last line parseEventLine read is in the canonical form stringifyEvent writes (it took the fast path). */
export let lastLineCanonical = false;
/** Whether the last event parseEventLine returned had hex fields written another way (see normalizeEvent). */
export let lastLineNormalized = false;

/** Deepest nesting of arrays and objects in an event line: deeper is refused, so that no tool recurses without bound. */
export const MAX_NESTING = 64;

/** True when the JSON text nests arrays and objects deeper than `max` (strings are skipped). */
function nestsDeeper(raw: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < raw.length; i++) {
        const d = raw.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/**
 * One NDJSON line: the event, undefined for a blank line, or what is wrong with it (a string).
 * Lines in the plain shape our tools write take the fast path (scan.ts). Hex fields
 * written another way (`"0xFF"`, `"0x00a5"`, a JSON integer) are read and made
 * canonical; `lastLineNormalized` then says so.
 */
export function parseEventLine(raw: string): Ev | string | undefined {
  lastLineNormalized = false;
  const fast = scanEvent(raw);
  lastLineCanonical = fast !== undefined;
  if (fast !== undefined) return fast;
  if (raw.trim().length === 0) return undefined;
  if (nestsDeeper(raw, MAX_NESTING)) return `nests arrays or objects deeper than ${MAX_NESTING} levels`;
  let ev: unknown;
  try {
    ev = JSON.parse(raw);
  } catch (e) {
    return `invalid JSON: ${(e as Error).message}`;
  }
  if (typeof ev === 'object' && ev !== null && !Array.isArray(ev)) lastLineNormalized = normalizeEvent(ev as Record<string, unknown>);
  return checkEvent(ev) ?? (ev as Ev);
}

/** What an event reader is given: the event, its NDJSON line as it came in (undefined for an event parsed from a trace), its line and file. */
export type OnEvent = (ev: Ev, raw: string | undefined, line: number, file: string) => void;

/**
 * Read the v1 events of one NDJSON input, given as chunks (already gunzipped),
 * adding to `res`. See readEvents.
 */
export async function readEventChunks(chunks: AsyncIterable<Buffer>, file: string, onEvent: (ev: Ev, raw: string, line: number, file: string) => void, opts: ReadEventsOptions, res: ReadEventsResult): Promise<void> {
  const onLine = (raw: string, line: number) => {
    if (raw.length === 0) return;
    const r = parseEventLine(raw);
    if (r === undefined) return;
    if (typeof r === 'string') {
      if (!opts.skipInvalid) throw new InputError(r, file, line);
      res.invalid++;
      res.firstInvalid ??= `${file}:${line}: ${r}`;
      return;
    }
    res.events++;
    // A line with hex written another way goes on in the canonical form.
    // A line with bytes of invalid UTF-8 (kept as U+DC80–U+DCFF) is written as JSON writes them (\udcff), not as raw text.
    onEvent(r, lastLineNormalized || (escapedBytes > 0 && ESCAPED_BYTE.test(raw)) ? stringifyEvent(r) : raw, line, file);
  };
  const onLong = (line: number) => {
    const r = `line is longer than ${MAX_LINE} characters`;
    if (!opts.skipInvalid) throw new InputError(r, file, line);
    res.invalid++;
    res.firstInvalid ??= `${file}:${line}: ${r}`;
  };
  const consumer = opts.access;
  if (consumer === undefined) {
    await forEachLine(chunks, onLine, opts.afterChunk, onLong);
    return;
  }
  // The byte path: access lines of the plain shape go to the consumer as bytes, every other line as above.
  const before = consumer.beforeGeneral?.bind(consumer);
  const general = before === undefined ? onLine : (raw: string, line: number) => (before(), onLine(raw, line));
  const generalLong = before === undefined ? onLong : (line: number) => (before(), onLong(line));
  const view = newAccessView();
  // Runs of lines of one class, found in the chunk's latin1 text (see AccessRuns), where the consumer takes them.
  const runs = consumer.applyRun !== undefined ? new AccessRuns((b, a) => consumer.runClass!(b, a), consumer.mrKeys) : undefined;
  let textBuf: Buffer | undefined;
  let textEnd = 0;
  let text = '';
  const fast: FastLine = (buf, s, end, lineNo) => {
    if (runs !== undefined && consumer.runs!()) {
      if (buf !== textBuf || end !== textEnd) {
        textBuf = buf;
        textEnd = end;
        text = buf.toString('latin1', 0, end);
      }
      const e = runs.match(text, buf, s, end, view);
      if (e >= 0) {
        res.events += runs.lines;
        consumer.applyRun!(buf, runs.cls, s, e, runs.lines, runs.headLength(runs.cls));
        taken.lines = runs.lines;
        return e - 1;
      }
    }
    const nl = scanNdjsonAccess(buf, s, end, view);
    if (nl < 0 || !consumer.accepts(buf, view)) return -1;
    res.events++;
    consumer.apply(buf, view, lineNo);
    return nl;
  };
  await forEachByteLine(chunks, fast, new LineSplitter(general, 0, MAX_LINE, generalLong), opts.afterChunk);
}

/**
 * Read v1 events from NDJSON files in order (`-` is stdin; gzip is detected).
 * `onEvent` gets the parsed event and the line exactly as it came in. Blank
 * lines are skipped. Invalid JSON or a schema violation is an InputError with
 * file and line, unless `skipInvalid`. (Tools read their inputs with
 * @mmio-tools/parse's readInputs, which also takes raw traces.)
 */
export async function readEvents(
  paths: string[],
  onEvent: (ev: Ev, raw: string, line: number, file: string) => void,
  opts: ReadEventsOptions = {},
): Promise<ReadEventsResult> {
  const res: ReadEventsResult = { events: 0, invalid: 0 };
  for (const path of paths.length ? paths : ['-']) {
    const file = opts.names?.get(path) ?? inputName(path);
    await readEventChunks(openInput(path), file, onEvent, opts, res);
  }
  return res;
}

/** The one warning for lines skipped under --skip-invalid, if any were. */
export function warnInvalid(tool: string, res: ReadEventsResult): void {
  if (res.invalid > 0) warn(tool, `skipped ${res.invalid} invalid line${res.invalid === 1 ? '' : 's'} (first: ${res.firstInvalid})`);
}

/**
 * Copy standard input to a temporary file, for tools that read their input twice.
 * Returns the path and a function that removes it.
 */
export async function spoolStdin(): Promise<{ path: string; remove: () => void }> {
  return spoolInput('-');
}

/**
 * Copy an input that can be read only once (`-`, a pipe, a FIFO, /dev/stdin,
 * a `<(…)` process substitution) to a temporary file, for tools that read
 * their input twice. Returns the path and a function that removes it.
 */
export async function spoolInput(input: string): Promise<{ path: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mmio-'));
  removeOnExit(dir); // `| head`, an error or a signal must not leave it behind
  const path = join(dir, 'stdin');
  await pipeline(input === '-' ? process.stdin : createReadStream(input), createWriteStream(path)).catch((e: { code?: unknown; path?: unknown }) => {
    // A full spool directory names the spool (ENOSPC of a write names no file).
    if (e && typeof e === 'object' && typeof e.code === 'string' && e.path === undefined) e.path = `${path} (the copy of ${input === '-' ? 'stdin' : input}; TMPDIR sets where it goes)`;
    throw e;
  });
  return {
    path,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      forget(dir);
    },
  };
}
