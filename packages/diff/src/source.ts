/**
 * A pull cursor over the access events of one NDJSON input, for reading two inputs in step.
 * The push reader (forEachLine) pauses after a chunk once enough events wait, so memory stays
 * bounded by what the diff looks ahead. Optionally folds polls: a read equal (by key) to the
 * read before it becomes part of that item (`repeat`).
 */
import { inputName, type Ev } from '@mmio-tools/core';

export interface Item {
  key: string;
  ev: Ev;
  /** 1-based position in the access sequence (after folding polls). */
  index: number;
}

const HIGH = 1 << 14;

export class Source {
  readonly file: string;
  private items: Item[] = [];
  private pos = 0;
  private eof = false;
  private error: unknown;
  private wake?: () => void;
  private resume?: () => void;
  private count = 0;
  private last: Item | undefined;

  /**
   * `read` reads the input: it calls its first argument for each event in order,
   * and awaits its second between chunks (where this source pauses once enough
   * items wait).
   */
  constructor(
    path: string,
    keyOf: (ev: Ev) => string | undefined,
    collapsePolls: boolean,
    read: (onEvent: (ev: Ev) => void, afterChunk: () => Promise<void>) => Promise<unknown>,
  ) {
    this.file = inputName(path);
    read(
      (r) => {
        const key = keyOf(r);
        if (key === undefined) return;
        const last = this.last;
        // A run stops short of 2^53 - 1 repeats (no reader takes more): the next read starts another.
        if (collapsePolls && r.type === 'read' && last && last.ev.type === 'read' && last.key === key && ((last.ev.repeat as number | undefined) ?? 1) < Number.MAX_SAFE_INTEGER) {
          last.ev.repeat = ((last.ev.repeat as number | undefined) ?? 1) + 1;
          return;
        }
        this.last = { key, ev: r, index: ++this.count };
        this.items.push(this.last);
      },
      async () => {
        this.wake?.();
        this.wake = undefined;
        if (this.items.length - this.pos >= HIGH) await new Promise<void>((r) => (this.resume = r));
      },
    ).then(
      () => this.finish(),
      (e) => this.finish(e),
    );
  }

  private finish(e?: unknown): void {
    this.eof = true;
    this.error = e;
    this.wake?.();
    this.wake = undefined;
  }

  /** Wait until `n` items are available (or the input ended); returns how many are. */
  async ensure(n: number): Promise<number> {
    while (this.items.length - this.pos < n && !this.eof) {
      const p = new Promise<void>((r) => (this.wake = r));
      const resume = this.resume;
      this.resume = undefined;
      resume?.();
      await p;
    }
    if (this.error) throw this.error;
    return this.items.length - this.pos;
  }

  /** Items available without waiting. */
  get available(): number {
    return this.items.length - this.pos;
  }

  /** The whole input has been read (items may still wait). */
  get inputDone(): boolean {
    return this.eof;
  }

  get ended(): boolean {
    return this.eof && this.available === 0;
  }

  peek(i = 0): Item {
    return this.items[this.pos + i]!;
  }

  take(n: number): Item[] {
    const out = this.items.slice(this.pos, this.pos + n);
    this.pos += n;
    if (this.pos > HIGH / 4) {
      this.items = this.items.slice(this.pos);
      this.pos = 0;
    }
    return out;
  }

  /** Position (1-based) of the next item. */
  get next(): number {
    return this.available > 0 ? this.peek().index : this.count + 1;
  }
}
