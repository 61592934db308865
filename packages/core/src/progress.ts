/**
 * A progress line on stderr for long work: bytes read, share of the input, rate
 * and time left, rewritten in place and cleared at the end. Shown when stderr is
 * a terminal and the work on an input file is long: once it has gone on for
 * PROGRESS_AFTER_MS and the time left, at the rate so far, is at least
 * PROGRESS_MIN_LEFT_MS more — decided by time, not by the file's size (a small
 * gzip file can expand to minutes of work; a large file can take a second). With
 * --progress it is shown for any input, also a pipe; never when stderr is not a
 * terminal unless asked; --no-progress turns it off.
 */
import { oneLine } from './escape.js';

export const PROGRESS_AFTER_MS = 1000;
export const PROGRESS_MIN_LEFT_MS = 1000;

/** The line being shown, if any: a warning clears it first, so that the two do not mix. */
let active: Progress | undefined;

/** Clear the progress line (before another line goes to stderr). */
export function clearProgress(): void {
  active?.clear();
}

const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);

export class Progress {
  private read = 0;
  private readonly start = Date.now();
  private shown = false;
  /** The line has been drawn at least once (auto mode: it keeps being drawn from then on). */
  private started: boolean;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly tool: string,
    private readonly name: string,
    /** The input's size in bytes, when known (a file). */
    private readonly total: number | undefined,
    /** Shown only when the work is long (see PROGRESS_AFTER_MS); else from the first tick. */
    auto = false,
  ) {
    this.started = !auto;
    active = this;
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** `n` more bytes of the input were read. */
  add(n: number): void {
    this.read += n;
  }

  /** Is the work long enough for the line, `ms` into it? At least PROGRESS_MIN_LEFT_MS to go at the rate so far. */
  static long(ms: number, read: number, total: number): boolean {
    if (ms < PROGRESS_AFTER_MS || read >= total) return false;
    return read === 0 || ((total - read) * ms) / read >= PROGRESS_MIN_LEFT_MS;
  }

  private draw(): void {
    const ms = Date.now() - this.start;
    if (!this.started) {
      if (this.total === undefined || !Progress.long(ms, this.read, this.total)) return;
      this.started = true;
    }
    const s = ms / 1000;
    const rate = s > 0 ? this.read / s : 0;
    let text = `${this.tool}: ${oneLine(this.name)}: ${mb(this.read)} MB`;
    if (this.total) {
      const left = rate > 0 ? Math.max(0, (this.total - this.read) / rate) : undefined;
      text += ` of ${mb(this.total)} MB (${Math.min(100, Math.floor((100 * this.read) / this.total))}%)`;
      text += `, ${mb(rate)} MB/s${left === undefined ? '' : `, ${left < 60 ? Math.ceil(left) + ' s' : Math.ceil(left / 60) + ' min'} left`}`;
    } else text += `, ${mb(rate)} MB/s`;
    process.stderr.write(`\r${text}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  /** The work is done: stop and clear the line. */
  done(): void {
    clearInterval(this.timer);
    this.clear();
    if (active === this) active = undefined;
  }
}

/**
 * A progress for one input, or undefined when none is to be shown: `wanted`
 * is --progress (true), --no-progress (false) or neither (undefined: auto).
 */
export function progressFor(tool: string, name: string, size: number | undefined, wanted: boolean | undefined): Progress | undefined {
  if (wanted === false) return undefined;
  if (wanted === true) return new Progress(tool, name, size);
  // Auto: on a terminal, for a file (a pipe's length is unknown: a live trace would show a line for ever).
  if (!process.stderr.isTTY || size === undefined) return undefined;
  return new Progress(tool, name, size, true);
}
