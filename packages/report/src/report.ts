/**
 * What the report shows, gathered while the trace is read, in bounded memory: the register
 * inventory (mmio-regs), a heatmap of accesses per region (register × time, reads and writes
 * counted apart, in at most BINS time bins that widen as the trace goes on), the context events
 * for the timeline (capped), and each register's value history with repeated reads folded
 * (capped per register and in all). Nothing holds every event.
 */
import { fieldsText } from '@mmio-tools/core';
import { Inventory, classify } from '@mmio-tools/regs';

type Ev = Record<string, unknown>;

/** Texts from the input (marks, decoded values, names) go into the page cut to this many characters, with a note. */
export const MAX_TEXT = 256;

/** A text cut to `max` characters, saying how many more it had. */
export function cutText(s: string, max = MAX_TEXT): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

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

export interface Hist {
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

/** The page's data as it is written: the big parts one at a time. */
export interface ReportStream extends Omit<ReportData, 'regions' | 'regs' | 'histories'> {
  regions: Iterable<RegionData>;
  regs: Iterable<CompactReg>;
  histories: Iterable<[number, Hist]>;
}

/** A register in the page: id, region index, place, width, reads, writes, distinct read/written, last read/written, kinds (indices into kinds), name, poll longest, first line. */
export type CompactReg = [number, number, string, number, number, number, number, number, string, string, number[], string, number, number];

const KIND_LIST = ['constant', 'read-only', 'write-only', 'latch', 'volatile', 'poll', 'counter', 'w1c'];

export class ReportBuilder {
  readonly inv = new Inventory();
  events = 0;
  accesses = 0;
  private binWidth = 1;
  /** Per register: its region's index. */
  private regionOf = new Uint32Array(0);
  private regionIndex = new Map<string, number>();
  private regionNames: string[] = [];
  /**
   * Heatmap cells. Each register's latest bin is in columns (most registers have one cell);
   * its earlier ones in a map: ((register * BINS + bin) * 2 + 1 for writes) → accesses.
   */
  private curBin = new Int32Array(0);
  private curR = new Float64Array(0);
  private curW = new Float64Array(0);
  private cells = new Map<number, number>();
  /** Registers so far. */
  private regs = 0;
  private binT: (number | null)[] = new Array<number | null>(BINS).fill(null);
  /** Histories of the registers that have points; the others were cut (cutReg) or not accessed. */
  private hist = new Map<number, Hist>();
  /** Registers cut before their first point, one bit each. */
  private cutRegs = new Uint8Array(0);
  private histPoints = 0;
  private histCut = 0;
  private timeline: TimelineItem[] = [];
  private timelineLeft = 0;

  constructor(readonly title: string) {}

  add(ev: Ev): void {
    this.events++;
    const s = this.inv.add(ev);
    const x = this.accesses;
    if (s < 0) {
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
    if (s === this.regs) {
      if (s >= this.regionOf.length) this.grow();
      this.regs++;
      this.curBin[s] = -1;
      const w = this.inv.where(s);
      const region = w.offset !== undefined ? `${w.dev ?? '-'} region ${w.region ?? '-'}` : (w.name ?? w.mr ?? '-');
      let r = this.regionIndex.get(region);
      if (r === undefined) {
        this.regionIndex.set(region, (r = this.regionNames.length));
        this.regionNames.push(region);
      }
      this.regionOf[s] = r;
    }
    const n = typeof ev.repeat === 'number' ? ev.repeat : 1;
    const w = ev.type === 'write' ? 1 : 0;
    const cur = this.curBin[s]!;
    if (cur !== bin) {
      // The register's latest cell goes to the map: bins only go forward.
      if (cur >= 0) {
        const key = (s * BINS + cur) * 2;
        if (this.curR[s]) this.cells.set(key, this.curR[s]!);
        if (this.curW[s]) this.cells.set(key + 1, this.curW[s]!);
      }
      this.curBin[s] = bin;
      this.curR[s] = 0;
      this.curW[s] = 0;
    }
    if (w) this.curW[s] = this.curW[s]! + n;
    else this.curR[s] = this.curR[s]! + n;
    this.history(s, ev, x, w, n);
  }

  /** Room for more registers in the columns. */
  private grow(): void {
    const n = Math.max(1024, Math.ceil(this.regionOf.length * 1.5));
    const more = <T extends Uint32Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.regionOf = more(this.regionOf, (k) => new Uint32Array(k));
    this.curBin = more(this.curBin, (k) => new Int32Array(k));
    this.curR = more(this.curR, (k) => new Float64Array(k));
    this.curW = more(this.curW, (k) => new Float64Array(k));
  }

  /** Twice as wide bins: pairs of bins merge. */
  private widen(): void {
    this.binWidth *= 2;
    const next = new Map<number, number>();
    for (const [key, c] of this.cells) {
      const w = key % 2;
      const cell = (key - w) / 2;
      const bin = cell % BINS;
      const s = (cell - bin) / BINS;
      // An earlier cell that falls into the latest one's bin joins it.
      if (bin >> 1 === this.curBin[s]! >> 1) {
        if (w) this.curW[s] = this.curW[s]! + c;
        else this.curR[s] = this.curR[s]! + c;
        continue;
      }
      const k = (cell - bin + (bin >> 1)) * 2 + w;
      next.set(k, (next.get(k) ?? 0) + c);
    }
    this.cells = next;
    for (let s = 0; s < this.regs; s++) if (this.curBin[s]! > 0) this.curBin[s] = this.curBin[s]! >> 1;
    const t = this.binT;
    this.binT = new Array<number | null>(BINS).fill(null);
    for (let i = 0; i < BINS; i++) this.binT[i >> 1] ??= t[i] ?? null;
  }

  private history(s: number, ev: Ev, x: number, w: 0 | 1, n: number): void {
    let h = this.hist.get(s);
    if (h?.cut || (!h && this.cutRegs[s >> 3]! & (1 << (s & 7)))) return;
    const value = ev.value as string;
    const last = h?.points[h.points.length - 1];
    // Poll runs fold: a read of the value the last read had adds to its count.
    if (last && !w && !last[2] && last[1] === value) {
      last[3] += n;
      return;
    }
    if ((h?.points.length ?? 0) >= HISTORY_PER_REG || this.histPoints >= HISTORY_TOTAL) {
      // A register cut before its first point is listed, not given a history of its own.
      if (h) h.cut = true;
      else {
        if (s >> 3 >= this.cutRegs.length) {
          const next = new Uint8Array(Math.max(1024, this.cutRegs.length * 2, (s >> 3) + 1));
          next.set(this.cutRegs);
          this.cutRegs = next;
        }
        this.cutRegs[s >> 3] = this.cutRegs[s >> 3]! | (1 << (s & 7));
      }
      this.histCut++;
      return;
    }
    if (!h) this.hist.set(s, (h = { points: [], cut: false }));
    const p: Point = [x, value, w, n];
    const text = typeof ev.decoded === 'string' ? ev.decoded : ev.fields !== undefined ? fieldsText(ev.fields as Record<string, unknown>) : undefined;
    if (text !== undefined) p.push(cutText(text));
    h.points.push(p);
    this.histPoints++;
  }

  private context(ev: Ev, x: number): void {
    if (this.timeline.length >= TIMELINE_MAX) {
      this.timelineLeft++;
      return;
    }
    const item: TimelineItem = { x, kind: String(ev.type), text: cutText(contextText(ev)) };
    if (typeof ev.t === 'number') item.t = ev.t;
    this.timeline.push(item);
  }

  /** Everything the page needs, the big parts made as they are written (call once, at the end). */
  stream(): ReportStream {
    this.inv.end();
    const inv = this.inv;
    const used = Math.min(BINS, Math.ceil(this.accesses / this.binWidth));
    const regionOf = this.regionOf;
    const names = this.regionNames;
    const cells = this.cells;
    const hist = this.hist;
    const cut = this.cutRegs;
    // The registers of each region, in one pass (not one pass per region: 40k regions of one register each).
    const members: number[][] = names.map(() => []);
    for (let s = 0; s < this.regs; s++) members[regionOf[s]!]!.push(s);
    const curBin = this.curBin;
    const curR = this.curR;
    const curW = this.curW;
    const regs = function* (): Generator<CompactReg> {
      for (let s = 0; s < inv.size; s++) {
        const f = inv.facts(s);
        const [dr, dw] = inv.distinct(s);
        const r = inv.record(s);
        yield [s, regionOf[s]!, r.offset ?? r.addr ?? '', r.width, f.reads, f.writes, dr, dw, r.lastRead ?? '', r.lastWritten ?? '', classify(f).map((k) => KIND_LIST.indexOf(k)), cutText(r.reg ?? ''), r.poll?.longest ?? 0, r.first.line ?? 0];
      }
    };
    const regions = function* (): Generator<RegionData> {
      // The cells of each region, found in one pass over all cells.
      const cellsOf: number[][] = names.map(() => []);
      const place = new Float64Array(inv.size);
      const rowOf = new Uint32Array(inv.size);
      for (const key of cells.keys()) cellsOf[regionOf[Math.floor(key / 2 / BINS)]!]!.push(key);
      for (let r = 0; r < names.length; r++) {
        const list = members[r]!;
        for (const s of list) place[s] = placeNum(inv.placeOf(s));
        list.sort((a, b) => place[a]! - place[b]! || inv.widthOf(a) - inv.widthOf(b));
        const per = Math.ceil(list.length / MAX_ROWS);
        const rows: RegionData['rows'] = [];
        for (let i = 0; i < list.length; i += per) {
          const group = list.slice(i, i + per);
          for (const g of group) rowOf[g] = rows.length;
          const first = group[0]!;
          const place0 = inv.placeOf(first);
          const label = group.length === 1 ? (inv.record(first).reg ?? place0) : `${place0}…`;
          rows.push({ regs: group, label: cutText(label) });
        }
        const merged = new Map<number, [number, number]>();
        const add = (k: number, rd: number, wr: number) => {
          const c = merged.get(k);
          if (c) {
            c[0] += rd;
            c[1] += wr;
          } else merged.set(k, [rd, wr]);
        };
        for (const key of cellsOf[r]!) {
          const w = key % 2;
          const cell = (key - w) / 2;
          const k = rowOf[Math.floor(cell / BINS)]! * BINS + (cell % BINS);
          if (w) add(k, 0, cells.get(key)!);
          else add(k, cells.get(key)!, 0);
        }
        for (const s of list) if (curBin[s]! >= 0) add(rowOf[s]! * BINS + curBin[s]!, curR[s]!, curW[s]!);
        cellsOf[r] = [];
        yield { name: cutText(names[r]!), rows, cells: [...merged].map(([k, [rd, wr]]) => [Math.floor(k / BINS), k % BINS, rd, wr]) };
      }
    };
    return {
      title: cutText(this.title, 4 * MAX_TEXT),
      events: this.events,
      accesses: this.accesses,
      binT: this.binT.slice(0, used),
      binWidth: this.binWidth,
      bins: used,
      regions: { [Symbol.iterator]: regions },
      regs: { [Symbol.iterator]: regs },
      histories: {
        *[Symbol.iterator]() {
          yield* hist.entries();
          for (let s = 0; s < cut.length * 8; s++) if (cut[s >> 3]! & (1 << (s & 7))) yield [s, { points: [], cut: true }];
        },
      },
      historyCut: this.histCut,
      timeline: this.timeline,
      timelineLeft: this.timelineLeft,
      kinds: KIND_LIST,
    };
  }

  /** Everything the page needs, whole (call once, at the end): for small inputs and tests; the tool writes stream(). */
  finish(): ReportData {
    const st = this.stream();
    const histories: ReportData['histories'] = {};
    for (const [s, h] of st.histories) histories[s] = h;
    return { ...st, regions: [...st.regions], regs: [...st.regs], histories };
  }
}

function placeNum(p: string): number {
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
