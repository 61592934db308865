/**
 * What the report shows, gathered while the trace is read, in bounded memory: the register
 * inventory (mmio-regs), a heatmap of accesses per region (register × time, reads and writes
 * counted apart, in at most BINS time bins that widen as the trace goes on), the context events
 * for the timeline (capped), and each register's value history with repeated reads folded
 * (capped per register and in all). Nothing holds every event.
 */
import { fieldsText } from '@mmio-tools/core';
import { Inventory, type RegRecord, type RegState } from '@mmio-tools/regs';

type Ev = Record<string, unknown>;

/** Time bins of the heatmap. */
export const BINS = 1024;
/** Heatmap rows per region at most: more registers share rows by offset. */
export const MAX_ROWS = 512;
/** Points of history per register, and in all. */
export const HISTORY_PER_REG = 20_000;
export const HISTORY_TOTAL = 200_000;
/** Timeline events kept. */
export const TIMELINE_MAX = 5000;

/** One point of a register's history: access index, value (hex), 1 for a write, how many identical reads it folds, the decoded text. */
export type Point = [number, string, 0 | 1, number, string?];

interface Hist {
  points: Point[];
  cut: boolean;
}

export interface TimelineItem {
  /** The access index the event came at (its place on the heatmap's time axis). */
  x: number;
  t?: number;
  kind: string;
  text: string;
}

export interface ReportData {
  title: string;
  events: number;
  accesses: number;
  /** Access index → time: the time of the first access of each bin (null where none). */
  binT: (number | null)[];
  binWidth: number;
  bins: number;
  regions: RegionData[];
  regs: CompactReg[];
  histories: Record<number, { points: Point[]; cut: boolean }>;
  historyCut: number;
  timeline: TimelineItem[];
  timelineLeft: number;
  kinds: string[];
}

export interface RegionData {
  name: string;
  /** Per row: the register ids it shows (one, unless the region has more than MAX_ROWS registers) and its label. */
  rows: { regs: number[]; label: string }[];
  /** Nonzero cells: row, bin, reads, writes. */
  cells: [number, number, number, number][];
}

/** A register in the page: id, region index, place, width, reads, writes, distinct read/written, last read/written, kinds (indices into kinds), name, poll longest, first line. */
export type CompactReg = [number, number, string, number, number, number, number, number, string, string, number[], string, number, number];

const KIND_LIST = ['constant', 'read-only', 'write-only', 'latch', 'volatile', 'poll', 'counter', 'w1c'];

export class ReportBuilder {
  readonly inv = new Inventory();
  events = 0;
  accesses = 0;
  private binWidth = 1;
  /** Per register state: its region key. */
  private regionOf = new Map<RegState, string>();
  private regionOrder = new Map<string, number>();
  /** Per region: cell key (register order * BINS + bin) → [reads, writes]. */
  private cells = new Map<string, Map<number, [number, number]>>();
  private binT: (number | null)[] = new Array<number | null>(BINS).fill(null);
  private hist = new Map<RegState, Hist>();
  private histPoints = 0;
  private histCut = 0;
  private timeline: TimelineItem[] = [];
  private timelineLeft = 0;

  constructor(readonly title: string) {}

  add(ev: Ev): void {
    this.events++;
    const s = this.inv.add(ev);
    const x = this.accesses;
    if (!s) {
      if (ev.type !== 'read' && ev.type !== 'write') this.context(ev, x);
      return;
    }
    this.accesses++;
    let bin = Math.floor(x / this.binWidth);
    if (bin >= BINS) {
      this.widen();
      bin = Math.floor(x / this.binWidth);
    }
    if (this.binT[bin] === null && typeof ev.t === 'number') this.binT[bin] = ev.t;
    let region = this.regionOf.get(s);
    if (region === undefined) {
      region = s.where.offset !== undefined ? `${s.where.dev ?? '-'} region ${s.where.region ?? '-'}` : (s.where.name ?? s.where.mr ?? '-');
      this.regionOf.set(s, region);
      if (!this.regionOrder.has(region)) this.regionOrder.set(region, this.regionOrder.size);
    }
    let m = this.cells.get(region);
    if (!m) this.cells.set(region, (m = new Map()));
    const key = s.order * BINS + bin;
    const c = m.get(key);
    const n = typeof ev.repeat === 'number' ? ev.repeat : 1;
    const w = ev.type === 'write' ? 1 : 0;
    if (c) c[w] += n;
    else m.set(key, w ? [0, n] : [n, 0]);
    this.history(s, ev, x, w, n);
  }

  /** Twice as wide bins: pairs of bins merge. */
  private widen(): void {
    this.binWidth *= 2;
    for (const [region, m] of this.cells) {
      const next = new Map<number, [number, number]>();
      for (const [key, [r, w]] of m) {
        const order = Math.floor(key / BINS);
        const k = order * BINS + Math.floor((key % BINS) / 2);
        const c = next.get(k);
        if (c) {
          c[0] += r;
          c[1] += w;
        } else next.set(k, [r, w]);
      }
      this.cells.set(region, next);
    }
    const t = this.binT;
    this.binT = new Array<number | null>(BINS).fill(null);
    for (let i = 0; i < BINS; i++) this.binT[i >> 1] ??= t[i] ?? null;
  }

  private history(s: RegState, ev: Ev, x: number, w: 0 | 1, n: number): void {
    let h = this.hist.get(s);
    if (!h) this.hist.set(s, (h = { points: [], cut: false }));
    if (h.cut) return;
    const value = ev.value as string;
    const last = h.points[h.points.length - 1];
    // Poll runs fold: a read of the value the last read had adds to its count.
    if (last && !w && !last[2] && last[1] === value) {
      last[3] += n;
      return;
    }
    if (h.points.length >= HISTORY_PER_REG || this.histPoints >= HISTORY_TOTAL) {
      h.cut = true;
      this.histCut++;
      return;
    }
    const p: Point = [x, value, w, n];
    const text = typeof ev.decoded === 'string' ? ev.decoded : ev.fields !== undefined ? fieldsText(ev.fields as Record<string, unknown>) : undefined;
    if (text !== undefined) p.push(text);
    h.points.push(p);
    this.histPoints++;
  }

  private context(ev: Ev, x: number): void {
    if (this.timeline.length >= TIMELINE_MAX) {
      this.timelineLeft++;
      return;
    }
    const item: TimelineItem = { x, kind: String(ev.type), text: contextText(ev) };
    if (typeof ev.t === 'number') item.t = ev.t;
    this.timeline.push(item);
  }

  /** Everything the page needs (call once, at the end). */
  finish(): ReportData {
    this.inv.end();
    const states = [...this.inv.regs.values()];
    const records = new Map<RegState, RegRecord>(states.map((s) => [s, s.record()]));
    const regionNames = [...this.regionOrder.keys()];
    // The registers of each region, in one pass (not one pass per region: 40k regions of one register each).
    const byRegion = new Map<string, RegState[]>();
    for (const s of states) {
      const name = this.regionOf.get(s)!;
      const l = byRegion.get(name);
      if (l) l.push(s);
      else byRegion.set(name, [s]);
    }
    const regions: RegionData[] = regionNames.map((name) => {
      const regs = byRegion.get(name)!.sort((a, b) => placeNum(a) - placeNum(b) || a.where.width - b.where.width);
      const per = Math.ceil(regs.length / MAX_ROWS);
      const rows: RegionData['rows'] = [];
      const rowOf = new Map<number, number>();
      for (let i = 0; i < regs.length; i += per) {
        const group = regs.slice(i, i + per);
        for (const g of group) rowOf.set(g.order, rows.length);
        const first = records.get(group[0]!)!;
        const label = group.length === 1 ? (first.reg ?? first.offset ?? first.addr ?? '') : `${first.offset ?? first.addr}…`;
        rows.push({ regs: group.map((g) => g.order), label });
      }
      const merged = new Map<number, [number, number]>();
      for (const [key, [r, w]] of this.cells.get(name) ?? []) {
        const k = rowOf.get(Math.floor(key / BINS))! * BINS + (key % BINS);
        const c = merged.get(k);
        if (c) {
          c[0] += r;
          c[1] += w;
        } else merged.set(k, [r, w]);
      }
      const cells: RegionData['cells'] = [...merged].map(([k, [r, w]]) => [Math.floor(k / BINS), k % BINS, r, w]);
      return { name, rows, cells };
    });
    const regs: CompactReg[] = states.map((s) => {
      const r = records.get(s)!;
      return [s.order, this.regionOrder.get(this.regionOf.get(s)!)!, r.offset ?? r.addr ?? '', r.width, r.reads, r.writes, r.read.distinct, r.written.distinct, r.lastRead ?? '', r.lastWritten ?? '', r.kind.map((k) => KIND_LIST.indexOf(k)), r.reg ?? '', r.poll?.longest ?? 0, r.first.line ?? 0];
    });
    const histories: ReportData['histories'] = {};
    for (const [s, h] of this.hist) histories[s.order] = h;
    const used = Math.min(BINS, Math.ceil(this.accesses / this.binWidth));
    return {
      title: this.title,
      events: this.events,
      accesses: this.accesses,
      binT: this.binT.slice(0, used),
      binWidth: this.binWidth,
      bins: used,
      regions,
      regs,
      histories,
      historyCut: this.histCut,
      timeline: this.timeline,
      timelineLeft: this.timelineLeft,
      kinds: KIND_LIST,
    };
  }
}

function placeNum(s: RegState): number {
  const p = s.where.offset ?? s.where.addr ?? '0x0';
  return Number.parseInt(p.slice(2, 15), 16) * (p.length > 15 ? 16 ** (p.length - 15) : 1);
}

/** A context event in a few words. */
function contextText(ev: Ev): string {
  const dev = ev.dev ? `${ev.dev} ` : '';
  switch (ev.type) {
    case 'mark':
      return String(ev.text ?? '');
    case 'lost':
      return `lost ${ev.count ?? '?'} events`;
    case 'irq':
      return `${dev}irq ${ev.mode ?? ''} ${ev.action ?? ''}${ev.vector !== undefined ? ' vector ' + ev.vector : ''}`.trim();
    case 'reset':
      return `${dev}reset ${ev.how ?? ''}`.trim();
    case 'region':
      return `${dev}region ${ev.region ?? ''} size ${ev.size ?? '?'}`;
    case 'mmap':
      return `${dev}mmap ${ev.label ?? ''} ${ev.start ?? ''}-${ev.end ?? ''}`.trim();
    case 'device':
      return `${dev}device ${ev.vendor ?? ''}:${ev.device ?? ''}`;
    case 'map':
    case 'unmap':
      return `${ev.type} ${ev.id ?? ''} ${ev.addr ?? ''}`.trim();
    default:
      return String(ev.type);
  }
}
