import { CONTEXT_TYPES, Selection, globToRegExp, parseSelectOptions, stringifyEvent, type SelectOptions } from '@mmio-tools/core';

/** Events that carry context and pass unless --type leaves them out. */
export { CONTEXT_TYPES };

/** The selectors, and mmio-filter's own --collapse-polls. */
export interface FilterOptions extends SelectOptions {
  collapsePolls: boolean;
}

type Ev = Record<string, unknown> & { type: string };

/**
 * mmio-filter: the family's selection (core's Selection) and what only
 * mmio-filter does with it: copy the lines that pass, fold poll runs
 * (--collapse-polls) and count. Feed it events in order with their raw lines;
 * it emits the lines that pass, unchanged (a collapsed poll run is the one
 * event rebuilt, with `repeat`).
 */
export class EventFilter {
  /** Selected (non-context) events emitted. */
  selected = 0;
  /** The selection (mmio-filter's byte path selects with it too). */
  readonly selection: Selection;
  private run: { ev: Ev; raw: string; key: string; n: number } | undefined;

  constructor(
    private readonly o: FilterOptions,
    private readonly emit: (line: string) => void,
  ) {
    this.selection = new Selection(o);
  }

  /** What to say when the selectors matched nothing (see Selection.report). */
  report(): string[] {
    return this.selection.report();
  }

  /** Feed the next event and its raw line (undefined for an event parsed from a trace: it is written when it passes). */
  feed(ev: Ev, raw: string | undefined): void {
    const p = this.selection.pass(ev);
    if (p !== false) this.out(ev, raw ?? stringifyEvent(ev), p === 'select');
  }

  private out(ev: Ev, raw: string, selected: boolean): void {
    if (!this.o.collapsePolls) {
      if (selected) this.selected++;
      this.emit(raw);
      return;
    }
    const key = ev.type === 'read' ? pollKey(ev) : undefined;
    if (key !== undefined && this.run && this.run.key === key) {
      const n = this.run.n + (typeof ev.repeat === 'number' ? ev.repeat : 1);
      // A run is split rather than counted past 2^53 - 1, which no reader of the family takes as "repeat":
      // the lines written so far, then a new run from this read. The total stays exact.
      if (n <= Number.MAX_SAFE_INTEGER) {
        this.run.n = n;
        return;
      }
    }
    this.flushRun();
    if (key !== undefined) {
      this.run = { ev, raw, key, n: typeof ev.repeat === 'number' ? ev.repeat : 1 };
      return;
    }
    if (selected) this.selected++;
    this.emit(raw);
  }

  private flushRun(): void {
    const r = this.run;
    if (!r) return;
    this.run = undefined;
    this.selected++;
    const before = typeof r.ev.repeat === 'number' ? r.ev.repeat : 1;
    this.emit(r.n === before ? r.raw : stringifyEvent({ ...r.ev, repeat: r.n }));
  }

  /** End of input: emit a pending poll run. */
  end(): void {
    this.flushRun();
  }
}

/** What makes two reads "the same poll": device, region, name, place, width and value. */
function pollKey(ev: Ev): string {
  return `${ev.dev ?? ''}|${ev.region ?? ''}|${ev.name ?? ''}|${ev.mr ?? ''}|${ev.offset ?? ''}|${ev.addr ?? ''}|${ev.width}|${ev.value}`;
}

/** mmio-filter's options from raw option values: the selectors and --collapse-polls. */
export function parseFilterOptions(o: Record<string, unknown>): FilterOptions {
  return { ...parseSelectOptions(o), collapsePolls: Boolean(o.collapsePolls) };
}

export { globToRegExp };
