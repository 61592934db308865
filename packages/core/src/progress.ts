/**
 * A progress line on stderr for long work: bytes read, share of the input, rate
 * and time left, rewritten in place and cleared at the end. Shown when stderr is
 * a terminal and an input is a file of more than 64 MB (or with --progress),
 * never when stderr is not a terminal unless asked; --no-progress turns it off.
 */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

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
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly tool: string,
    private readonly name: string,
    /** The input's size in bytes, when known (a file). */
    private readonly total: number | undefined,
  ) {
    active = this;
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** `n` more bytes of the input were read. */
  add(n: number): void {
    this.read += n;
  }

  private draw(): void {
    const s = (Date.now() - this.start) / 1000;
    const rate = s > 0 ? this.read / s : 0;
    let text = `${this.tool}: ${this.name}: ${mb(this.read)} MB`;
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
  if (wanted === undefined && !(process.stderr.isTTY && size !== undefined && size > PROGRESS_MIN_BYTES)) return undefined;
  return new Progress(tool, name, size);
}
