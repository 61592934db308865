/**
 * What the report shows, gathered while the trace is read, in bounded memory: the register
 * inventory (mmio-regs), a heatmap of accesses per region (register × time, reads and writes
 * counted apart, in at most BINS time bins that widen as the trace goes on), the context events
 * for the timeline (capped), and each register's value history with repeated reads folded
 * (capped per register and in all). Nothing holds every event.
 */
import { fieldsText } from '@mmio-tools/core';
import { Inventory, IntColumn, classify, hexCode } from '@mmio-tools/regs';

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
  /** The regions as objects, or as the text of their JSON list without its brackets (safe in a script: see scriptJson), in pieces. */
  regions: Iterable<RegionData> | { json: Iterable<string> };
  regs: Iterable<CompactReg>;
  histories: Iterable<[number, Hist]>;
}

/** A register in the page: id, region index, place, width, reads, writes, distinct read/written, last read/written, kinds (indices into kinds), name, poll longest, first line. */
export type CompactReg = [number, number, string, number, number, number, number, number, string, string, number[], string, number, number];

/** JSON safe inside <script>: no `</script>`, no `<!--`. */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A number as JSON writes it. */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

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
   * Heatmap cells. Each register's latest bin (-1: none yet) and its reads and writes there are in
   * columns (most registers have one cell; counts in 32 bits while they fit, as mmio-regs keeps its
   * counts); its earlier cells in a list, in the order they were left (a register's in order of
   * bin: bins only go forward): register, bin, reads, writes — 14 bytes a cell, not a Map entry each.
   */
  private curBin = new Int16Array(0);
  private curR = new IntColumn();
  private curW = new IntColumn();
  private cellReg = new Uint32Array(0);
  private cellBin = new Uint16Array(0);
  private cellR = new IntColumn();
  private cellW = new IntColumn();
  private cellCount = 0;
  /** Registers so far. */
  private regs = 0;
  private binT: (number | null)[] = new Array<number | null>(BINS).fill(null);
  /**
   * The histories, in columns rather than an object and an array per point (a million registers
   * read once each have 200,000 points). Per register: 0 no history yet, -1 cut before its first
   * point, k its history is slot k - 1. Per slot (in order of first point): the register, its first
   * and last point, how many points, whether it was cut. Per point: the access index, the value
   * (its hexCode, or -1 with the text in pointValue), 1 for a write, how many identical reads it
   * folds, the next point of its history (-1: none), and the decoded text in pointText.
   */
  private slotOf = new Int32Array(0);
  private slotReg = new Uint32Array(0);
  private slotHead = new Int32Array(0);
  private slotTail = new Int32Array(0);
  private slotLen = new Int32Array(0);
  private slotCut = new Uint8Array(0);
  private slots = 0;
  private px = new Float64Array(0);
  private pv = new Float64Array(0);
  private pw = new Uint8Array(0);
  private pn = new Float64Array(0);
  private pnext = new Int32Array(0);
  private pointValue = new Map<number, unknown>();
  private pointText = new Map<number, string>();
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
    const curR = this.curR;
    const curW = this.curW;
    if (cur !== bin) {
      // The register's latest cell goes to the map: bins only go forward.
      if (cur >= 0 && (curR.a[s] || curW.a[s])) this.cell(s, cur, curR.a[s]!, curW.a[s]!);
      this.curBin[s] = bin;
      curR.set(s, 0);
      curW.set(s, 0);
    }
    if (w) curW.set(s, curW.a[s]! + n);
    else curR.set(s, curR.a[s]! + n);
    this.history(s, ev, x, w, n);
  }

  /** Room for more registers in the columns. */
  private grow(): void {
    const n = Math.max(1024, Math.ceil(this.regionOf.length * 1.5));
    this.regionOf = more(this.regionOf, n);
    this.curBin = more(this.curBin, n);
    this.curR.grow(n);
    this.curW.grow(n);
    this.slotOf = more(this.slotOf, n);
  }

  /** A register's cell left behind. */
  private cell(s: number, bin: number, r: number, w: number): void {
    const i = this.cellCount++;
    if (i >= this.cellReg.length) {
      const n = Math.max(1024, Math.ceil(this.cellReg.length * 1.5));
      this.cellReg = more(this.cellReg, n);
      this.cellBin = more(this.cellBin, n);
      this.cellR.grow(n);
      this.cellW.grow(n);
    }
    this.cellReg[i] = s;
    this.cellBin[i] = bin;
    this.cellR.set(i, r);
    this.cellW.set(i, w);
  }

  /** Twice as wide bins: pairs of bins merge. */
  private widen(): void {
    this.binWidth *= 2;
    // The list is rewritten in place, each cell into the first of its register with its new bin.
    const { cellReg, cellBin, cellR, cellW, curR, curW } = this;
    const latest = new Int32Array(this.regs).fill(-1);
    let j = 0;
    for (let i = 0; i < this.cellCount; i++) {
      const s = cellReg[i]!;
      const bin = cellBin[i]!;
      const r = cellR.a[i]!;
      const w = cellW.a[i]!;
      // An earlier cell that falls into the latest one's bin joins it.
      if (bin >> 1 === this.curBin[s]! >> 1) {
        if (r) curR.set(s, curR.a[s]! + r);
        if (w) curW.set(s, curW.a[s]! + w);
        continue;
      }
      const k = latest[s]!;
      if (k >= 0 && cellBin[k] === bin >> 1) {
        if (r) cellR.set(k, cellR.a[k]! + r);
        if (w) cellW.set(k, cellW.a[k]! + w);
        continue;
      }
      cellReg[j] = s;
      cellBin[j] = bin >> 1;
      cellR.set(j, r);
      cellW.set(j, w);
      latest[s] = j++;
    }
    this.cellCount = j;
    for (let s = 0; s < this.regs; s++) if (this.curBin[s]! > 0) this.curBin[s] = this.curBin[s]! >> 1;
    const t = this.binT;
    this.binT = new Array<number | null>(BINS).fill(null);
    for (let i = 0; i < BINS; i++) this.binT[i >> 1] ??= t[i] ?? null;
  }

  private history(s: number, ev: Ev, x: number, w: 0 | 1, n: number): void {
    const k = this.slotOf[s]! - 1;
    if (k === -2 || (k >= 0 && this.slotCut[k])) return;
    const value = ev.value;
    const code = hexCode(value as string);
    // Poll runs fold: a read of the value the last read had adds to its count.
    if (k >= 0) {
      const last = this.slotTail[k]!;
      if (!w && !this.pw[last] && (code >= 0 ? this.pv[last] === code : this.pv[last] === -1 && this.pointValue.get(last) === value)) {
        this.pn[last] = this.pn[last]! + n;
        return;
      }
    }
    if ((k >= 0 ? this.slotLen[k]! : 0) >= HISTORY_PER_REG || this.histPoints >= HISTORY_TOTAL) {
      // A register cut before its first point is listed, not given a history of its own.
      if (k >= 0) this.slotCut[k] = 1;
      else this.slotOf[s] = -1;
      this.histCut++;
      return;
    }
    const p = this.histPoints++;
    if (p >= this.px.length) {
      const m = Math.min(HISTORY_TOTAL, Math.max(1024, this.px.length * 2));
      this.px = more(this.px, m);
      this.pv = more(this.pv, m);
      this.pw = more(this.pw, m);
      this.pn = more(this.pn, m);
      this.pnext = more(this.pnext, m);
    }
    this.px[p] = x;
    this.pv[p] = code >= 0 ? code : -1;
    if (code < 0) this.pointValue.set(p, value);
    this.pw[p] = w;
    this.pn[p] = n;
    this.pnext[p] = -1;
    const text = typeof ev.decoded === 'string' ? ev.decoded : ev.fields !== undefined ? fieldsText(ev.fields as Record<string, unknown>) : undefined;
    if (text !== undefined) this.pointText.set(p, cutText(text));
    if (k >= 0) {
      this.pnext[this.slotTail[k]!] = p;
      this.slotTail[k] = p;
      this.slotLen[k] = this.slotLen[k]! + 1;
      return;
    }
    const j = this.slots++;
    if (j >= this.slotReg.length) {
      const m = Math.max(1024, this.slotReg.length * 2);
      this.slotReg = more(this.slotReg, m);
      this.slotHead = more(this.slotHead, m);
      this.slotTail = more(this.slotTail, m);
      this.slotLen = more(this.slotLen, m);
      this.slotCut = more(this.slotCut, m);
    }
    this.slotReg[j] = s;
    this.slotHead[j] = p;
    this.slotTail[j] = p;
    this.slotLen[j] = 1;
    this.slotOf[s] = j + 1;
  }

  /** The histories, one at a time: those with points in order of their first, then those cut before it. */
  private *histories(): Generator<[number, Hist]> {
    const { px, pv, pw, pn, pnext, pointValue, pointText, slotOf } = this;
    for (let j = 0; j < this.slots; j++) {
      const points: Point[] = [];
      for (let p = this.slotHead[j]!; p >= 0; p = pnext[p]!) {
        const v = pv[p]!;
        const pt: Point = [px[p]!, (v >= 0 ? '0x' + v.toString(16) : pointValue.get(p)) as string, pw[p] as 0 | 1, pn[p]!];
        const text = pointText.get(p);
        if (text !== undefined) pt.push(text);
        points.push(pt);
      }
      yield [this.slotReg[j]!, { points, cut: this.slotCut[j] === 1 }];
    }
    for (let s = 0; s < this.regs; s++) if (slotOf[s] === -1) yield [s, { points: [], cut: true }];
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
    const histories = () => this.histories();
    const regions = () => this.regionsJson();
    const regs = function* (): Generator<CompactReg> {
      for (let s = 0; s < inv.size; s++) {
        const f = inv.facts(s);
        const [dr, dw] = inv.distinct(s);
        const r = inv.record(s);
        yield [s, regionOf[s]!, r.offset ?? r.addr ?? '', r.width, f.reads, f.writes, dr, dw, r.lastRead ?? '', r.lastWritten ?? '', classify(f).map((k) => KIND_LIST.indexOf(k)), cutText(r.reg ?? ''), r.poll?.longest ?? 0, r.first.line ?? 0];
      }
    };
    return {
      title: cutText(this.title, 4 * MAX_TEXT),
      events: this.events,
      accesses: this.accesses,
      binT: this.binT.slice(0, used),
      binWidth: this.binWidth,
      bins: used,
      regions: { json: { [Symbol.iterator]: regions } },
      regs: { [Symbol.iterator]: regs },
      histories: { [Symbol.iterator]: histories },
      historyCut: this.histCut,
      timeline: this.timeline,
      timelineLeft: this.timelineLeft,
      kinds: KIND_LIST,
    };
  }

  /**
   * The regions of the heatmap as JSON text (their list without its brackets), in pieces of about
   * 64 KiB: each region's registers in rows by offset, and its nonzero cells (row, bin, reads,
   * writes) in the order they were first left. Made from flat columns (no array per region, row or
   * cell); the heatmap's columns are let go once it is written.
   */
  private *regionsJson(): Generator<string> {
    const inv = this.inv;
    const { regionOf, curBin, curR, curW, cellReg, cellBin, cellR, cellW, cellCount } = this;
    const names = this.regionNames;
    const regs = this.regs;
    // The registers, and the cells, of each region: counting sorts (not a pass per region: 40k regions of one register each).
    const byRegion = (count: number, regOf: (i: number) => number): [Uint32Array, Uint32Array] => {
      const start = new Uint32Array(names.length + 1);
      for (let i = 0; i < count; i++) start[regionOf[regOf(i)]! + 1]!++;
      for (let r = 0; r < names.length; r++) start[r + 1]! += start[r]!;
      const list = new Uint32Array(count);
      const at = start.slice(0, names.length);
      for (let i = 0; i < count; i++) list[at[regionOf[regOf(i)]!]!++] = i;
      return [start, list];
    };
    const [mStart, members] = byRegion(regs, (s) => s);
    const [cStart, cellsBy] = byRegion(cellCount, (i) => cellReg[i]!);
    const place = new Float64Array(regs);
    const rowOf = new Uint16Array(regs);
    // A region's cells by row and bin: where each is in the order of first sight (+1), and the sums in that order.
    let slot = new Int32Array(0);
    let keyAt = new Int32Array(1024);
    let sumR = new Float64Array(1024);
    let sumW = new Float64Array(1024);
    let part = '';
    for (let r = 0; r < names.length; r++) {
      const list = members.subarray(mStart[r], mStart[r + 1]);
      let sorted = true;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        place[s] = placeNum(inv.placeOf(s));
        if (Number.isNaN(place[s])) sorted = false;
        else if (i > 0 && sorted) {
          const p = list[i - 1]!;
          if (place[p]! > place[s]! || (place[p] === place[s] && inv.widthOf(p) > inv.widthOf(s))) sorted = false;
        }
      }
      if (!sorted) list.sort((a, b) => place[a]! - place[b]! || inv.widthOf(a) - inv.widthOf(b));
      const per = Math.ceil(list.length / MAX_ROWS);
      part += `${r ? ',' : ''}{"name":${scriptJson(cutText(names[r]!))},"rows":[`;
      let rows = 0;
      for (let i = 0; i < list.length; i += per, rows++) {
        const group = list.subarray(i, i + per);
        for (const g of group) rowOf[g] = rows;
        const first = group[0]!;
        const place0 = inv.placeOf(first);
        const label = group.length === 1 ? (inv.record(first).reg ?? place0) : `${place0}…`;
        part += `${rows ? ',' : ''}{"regs":[${group.join(',')}],"label":${scriptJson(cutText(label))}}`;
        if (part.length >= 1 << 16) {
          yield part;
          part = '';
        }
      }
      if (slot.length < rows * BINS) slot = new Int32Array(rows * BINS);
      let n = 0;
      const add = (k: number, rd: number, wr: number) => {
        const e = slot[k]! - 1;
        if (e >= 0) {
          sumR[e] = sumR[e]! + rd;
          sumW[e] = sumW[e]! + wr;
          return;
        }
        if (n === keyAt.length) {
          keyAt = more(keyAt, n * 2);
          sumR = more(sumR, n * 2);
          sumW = more(sumW, n * 2);
        }
        keyAt[n] = k;
        sumR[n] = rd;
        sumW[n] = wr;
        slot[k] = ++n;
      };
      for (let c = cStart[r]!; c < cStart[r + 1]!; c++) {
        const i = cellsBy[c]!;
        add(rowOf[cellReg[i]!]! * BINS + cellBin[i]!, cellR.a[i]!, cellW.a[i]!);
      }
      for (const s of list) if (curBin[s]! >= 0) add(rowOf[s]! * BINS + curBin[s]!, curR.a[s]!, curW.a[s]!);
      part += '],"cells":[';
      for (let e = 0; e < n; e++) {
        const k = keyAt[e]!;
        slot[k] = 0;
        part += `${e ? ',' : ''}[${Math.floor(k / BINS)},${k % BINS},${num(sumR[e]!)},${num(sumW[e]!)}]`;
        if (part.length >= 1 << 16) {
          yield part;
          part = '';
        }
      }
      part += ']}';
    }
    yield part;
    // The heatmap is written: its columns go.
    this.curBin = new Int16Array(0);
    this.curR = new IntColumn();
    this.curW = new IntColumn();
    this.cellReg = new Uint32Array(0);
    this.cellBin = new Uint16Array(0);
    this.cellR = new IntColumn();
    this.cellW = new IntColumn();
    this.cellCount = 0;
  }

  /** Everything the page needs, whole (call once, at the end): for small inputs and tests; the tool writes stream(). */
  finish(): ReportData {
    const st = this.stream();
    const histories: ReportData['histories'] = {};
    for (const [s, h] of st.histories) histories[s] = h;
    const regions = 'json' in st.regions ? (JSON.parse(`[${[...st.regions.json].join('')}]`) as RegionData[]) : [...st.regions];
    return { ...st, regions, regs: [...st.regs], histories };
  }
}

/** A copy of a column with room for n. */
function more<T extends Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
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
