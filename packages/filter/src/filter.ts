import { CONTEXT_TYPES, overlaps, stringifyEvent } from '@mmio-tools/core';
import type { FilterOptions } from './options.js';

/** Events that carry context and pass unless --type leaves them out. */
export { CONTEXT_TYPES };

type Ev = Record<string, unknown> & { type: string };

/**
 * The selection of mmio-filter as a streaming state machine: feed it events in
 * order with their raw lines; it emits the lines that pass, unchanged (a
 * collapsed poll run is the one event rebuilt, with `repeat`).
 */
export class EventFilter {
  /** Selected (non-context) events emitted. */
  selected = 0;
  private firstT: number | undefined;
  private windowOpen: boolean;
  private windowDone = false;
  private run: { ev: Ev; raw: string; key: string; n: number } | undefined;

  constructor(
    private readonly o: FilterOptions,
    private readonly emit: (line: string) => void,
  ) {
    this.windowOpen = o.fromMark === undefined;
  }

  /** Does an event that is not context match every selector given? */
  matches(ev: Ev, line: number | undefined): boolean {
    const o = this.o;
    if (o.devs && !(typeof ev.dev === 'string' && o.devs.has(ev.dev))) return false;
    if (o.regions && !(typeof ev.region === 'number' && o.regions.has(ev.region))) return false;
    if (o.names && !(typeof ev.name === 'string' && o.names.some((r) => r.test(ev.name as string)))) return false;
    if (o.mrs && !(typeof ev.mr === 'string' && o.mrs.has(ev.mr))) return false;
    const width = typeof ev.width === 'number' ? ev.width : 1;
    if (o.offsets && !(typeof ev.offset === 'string' && o.offsets.some((r) => overlaps(r, BigInt(ev.offset as string), width)))) return false;
    if (o.addrs && !(typeof ev.addr === 'string' && o.addrs.some((r) => overlaps(r, BigInt(ev.addr as string), width)))) return false;
    if (o.widths && !(typeof ev.width === 'number' && o.widths.has(ev.width))) return false;
    if (o.values && !(typeof ev.value === 'string' && o.values.has(BigInt(ev.value)))) return false;
    if (o.since || o.until) {
      if (typeof ev.t !== 'number') return false;
      if (o.since && ev.t < this.bound(o.since)) return false;
      if (o.until && ev.t >= this.bound(o.until)) return false;
    }
    if (o.lines && !(line !== undefined && o.lines.some((r) => line >= r.from && line <= r.to))) return false;
    return true;
  }

  private bound(b: { seconds: number; relative: boolean }): number {
    return b.relative ? (this.firstT ?? 0) + b.seconds : b.seconds;
  }

  /** Feed the next event and its raw line. */
  feed(ev: Ev, raw: string): void {
    const o = this.o;
    if (this.firstT === undefined && typeof ev.t === 'number') this.firstT = ev.t;
    const context = CONTEXT_TYPES.has(ev.type);
    if (ev.type === 'mark') this.moveWindow(String(ev.text ?? ''));
    if (o.types && !o.types.has(ev.type)) return;
    if (context) {
      // Context about another device or region than --dev and --region select stays out.
      if (o.devs && typeof ev.dev === 'string' && !o.devs.has(ev.dev)) return;
      if (o.regions && typeof ev.region === 'number' && !o.regions.has(ev.region)) return;
      this.out(ev, raw, false);
      return;
    }
    if (!this.windowOpen) return;
    const line = typeof ev.line === 'number' ? ev.line : undefined;
    if (this.matches(ev, line) === o.invert) return;
    this.out(ev, raw, true);
  }

  private moveWindow(text: string): void {
    const o = this.o;
    if (!this.windowOpen && !this.windowDone && o.fromMark !== undefined && text.includes(o.fromMark)) this.windowOpen = true;
    else if (this.windowOpen && o.toMark !== undefined && text.includes(o.toMark)) {
      this.windowOpen = false;
      this.windowDone = true;
    }
  }

  private out(ev: Ev, raw: string, selected: boolean): void {
    if (!this.o.collapsePolls) {
      if (selected) this.selected++;
      this.emit(raw);
      return;
    }
    const key = ev.type === 'read' ? pollKey(ev) : undefined;
    if (key !== undefined && this.run && this.run.key === key) {
      this.run.n += typeof ev.repeat === 'number' ? ev.repeat : 1;
      return;
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
