/**
 * A register inventory: one record per register a trace touches, with how it behaves. A register
 * is (dev, region, offset, width) for device accesses, (name or mr, addr, width) for memory-region
 * events. Every rule looks at the accesses of one register in trace order, except `poll`, which
 * looks at the accesses of the register's device (see the README, "mmio-regs", for each rule).
 * Memory is one small state per register: value sets are capped, nothing grows with the trace.
 */
import { oneLine } from '@mmio-tools/core';

import { InputError } from '@mmio-tools/core';

type Ev = Record<string, unknown>;

export const KINDS = ['constant', 'read-only', 'write-only', 'latch', 'volatile', 'poll', 'counter', 'w1c'] as const;
export type Kind = (typeof KINDS)[number];

/** Where an access is: its line (and file and time when the event has them). */
export interface Place {
  line?: number;
  file?: string;
  t?: number;
}

/** An access that ended a poll run, or the end of the trace. */
export interface PollEnd extends Place {
  type?: string;
  offset?: string;
  addr?: string;
  value?: string;
  reg?: string;
  /** The trace ended during the run. */
  end?: true;
}

export interface PollInfo {
  /** Runs of at least 3 reads in a row with no other access of the device between. */
  runs: number;
  /** The longest: its reads, where it started, the first and last value read, and what ended it. */
  longest: number;
  from: Place;
  values: [string, string];
  ended: PollEnd;
}

export interface ValuesInfo {
  /** Distinct values (exact up to MAX_DISTINCT; `capped` past it). */
  distinct: number;
  capped?: true;
  /** The first distinct values, in the order they came. */
  values: string[];
}

export interface RegRecord {
  type: 'reg';
  dev?: string;
  region?: number;
  name?: string;
  mr?: string;
  offset?: string;
  addr?: string;
  width: number;
  reads: number;
  writes: number;
  first: Place;
  last: Place;
  written: ValuesInfo;
  read: ValuesInfo;
  lastWritten?: string;
  lastRead?: string;
  reg?: string;
  fields?: Record<string, unknown>;
  kind: Kind[];
  poll?: PollInfo;
}

/** Distinct values counted exactly up to this many per register and direction. */
export const MAX_DISTINCT = 4096;
/** Values listed per register and direction. */
export const LISTED = 8;
/**
 * Registers an inventory holds at most. Each costs about 190 bytes at peak in mmio-regs, 210 in mmio-report, 71 kept (see `npm run bench`):
 * the cap keeps a tool under about 1 GB, and past it the tool says so instead of running out of heap.
 */
export const MAX_REGISTERS = 1 << 22;

/** What the kind rules look at: the facts gathered from one register's accesses (and its device's, for poll). */
export interface KindFacts {
  reads: number;
  writes: number;
  /** Distinct values read. */
  readDistinct: number;
  /** A read came after a write. */
  readAfterWrite: boolean;
  /** A read after a write returned something else than the last write. */
  latchBroken: boolean;
  volatile: boolean;
  pollRuns: number;
  /** Steps up between reads (2 is enough to know). */
  increases: number;
  counterBroken: boolean;
  w1cYes: boolean;
  w1cNo: boolean;
}

/** The kinds of a register from its facts (the rules of the README's table): shared by mmio-regs, mmio-report and mmio-model. */
export function classify(f: KindFacts): Kind[] {
  const k: Kind[] = [];
  if (f.reads > 0 && f.writes === 0) k.push(f.readDistinct === 1 ? 'constant' : 'read-only');
  if (f.writes > 0 && f.reads === 0) k.push('write-only');
  if (f.readAfterWrite && !f.latchBroken) k.push('latch');
  if (f.volatile) k.push('volatile');
  if (f.pollRuns > 0) k.push('poll');
  if (f.reads >= 3 && f.increases >= 2 && !f.counterBroken) k.push('counter');
  if (f.w1cYes && !f.w1cNo) k.push('w1c');
  return k;
}

/** Values past a register's first, once it has a second. */
interface MoreValues {
  set: Set<string> | undefined;
  distinct: number;
  listed: string[];
}

/** Where a register is, as the record says it: what its events share (a group) and its offset or address. */
export type Where = Pick<RegRecord, 'dev' | 'region' | 'name' | 'mr' | 'offset' | 'addr' | 'width'>;

/** Registers that share a device (or memory region name), region and width. */
interface Group {
  dev?: string;
  region?: number;
  name?: string;
  mr?: string;
  width: number;
  /** By offset (or address) text, for offsets that have no number (hexCode): the register's index. Those that have one are in the inventory's table. */
  regs: Map<string, number>;
  /** The key of the device whose accesses make poll runs. */
  runKey: string;
  /** The register's width in bits, and masks for the counter rule. */
  mask: bigint;
  half: bigint;
  byOffset: boolean;
  /** Its index in groupList. */
  idx: number;
}

/** A run of reads of one register by one device, being read. */
interface Run {
  reg: number;
  count: number;
  from: Place;
  firstValue: string;
  lastValue: string;
}

// Flags of a register.
const WRITE_SINCE_READ = 1;
const READ_AFTER_WRITE = 2;
const LATCH_BROKEN = 4;
const VOLATILE = 8;
const COUNTER_BROKEN = 16;
const W1C_YES = 32;
const W1C_NO = 64;

/** A column of numbers that grows. */
class Column<T extends Float64Array | Uint32Array | Uint8Array> {
  constructor(public a: T) {}
  grow(n: number): void {
    if (n <= this.a.length) return;
    const next = new (this.a.constructor as new (n: number) => T)(Math.max(n, Math.ceil(this.a.length * 1.5), 1024));
    next.set(this.a);
    if (next instanceof Float64Array && this.a.length < next.length) next.fill(NaN, this.a.length);
    this.a = next;
  }
}

/** None, in an IntColumn still 4 bytes a slot. */
const NONE32 = 0xffffffff;

/**
 * A column of counts or line numbers: 4 bytes a register while every value is a whole number under
 * 2^32 - 1 (NONE32 stands for none, NaN); 8 bytes, as any number, from the first value that is not.
 * (mmio-report keeps its heatmap counts in it too.)
 */
export class IntColumn {
  a: Uint32Array | Float64Array = new Uint32Array(0);
  grow(n: number): void {
    if (n <= this.a.length) return;
    const next = this.a instanceof Uint32Array ? new Uint32Array(Math.max(n, Math.ceil(this.a.length * 1.5), 1024)) : new Float64Array(Math.max(n, Math.ceil(this.a.length * 1.5), 1024));
    next.set(this.a);
    this.a = next;
  }
  get(i: number): number {
    const v = this.a[i]!;
    return v === NONE32 && this.a instanceof Uint32Array ? NaN : v;
  }
  set(i: number, v: number): void {
    if (this.a instanceof Uint32Array) {
      if (Number.isInteger(v) && v >= 0 && v < NONE32) {
        this.a[i] = v;
        return;
      }
      if (Number.isNaN(v)) {
        this.a[i] = NONE32;
        return;
      }
      const wide = new Float64Array(this.a.length);
      for (let k = 0; k < wide.length; k++) wide[k] = this.a[k] === NONE32 ? NaN : this.a[k]!;
      this.a = wide;
    }
    this.a[i] = v;
  }
}

/**
 * Hex text as a number when it is canonical (`0x` and lowercase digits, no leading zero: as the
 * parsers write it) and exact (at most 13 digits, under 2^53); -1 for any other text.
 */
export function hexCode(s: string): number {
  if (typeof s !== 'string') return -1;
  const n = s.length;
  if (n < 3 || n > 15 || s.charCodeAt(0) !== 48 || s.charCodeAt(1) !== 120) return -1;
  if (n > 3 && s.charCodeAt(2) === 48) return -1;
  let v = 0;
  for (let k = 2; k < n; k++) {
    const c = s.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * A column of hex texts (values, offsets) kept as numbers: 8 bytes a register instead of a
 * string each. A text hexCode cannot make exact goes to a side table, as it was; NaN is none.
 * The text comes back byte for byte: '0x' + the number in lowercase hex is the canonical text.
 */
class HexColumn {
  private c = new Column(new Float64Array(0));
  private side = new Map<number, string>();
  grow(n: number): void {
    this.c.grow(n);
  }
  has(i: number): boolean {
    return !Number.isNaN(this.c.a[i]!);
  }
  get(i: number): string | undefined {
    const v = this.c.a[i]!;
    if (v >= 0) return '0x' + v.toString(16);
    return v === -1 ? this.side.get(i) : undefined;
  }
  /** The number itself (canonical texts only), -1 when in the side table, NaN when none. */
  code(i: number): number {
    return this.c.a[i]!;
  }
  set(i: number, text: string, code: number): void {
    if (this.c.a[i] === -1) this.side.delete(i);
    this.c.a[i] = code;
    if (code < 0) this.side.set(i, text);
  }
  /** The text is the one kept (code is hexCode(text)). */
  same(i: number, text: string, code: number): boolean {
    const v = this.c.a[i]!;
    return code >= 0 ? v === code : v === -1 && this.side.get(i) === text;
  }
  big(i: number): bigint {
    const v = this.c.a[i]!;
    return v >= 0 ? BigInt(v) : BigInt(this.side.get(i)!);
  }
}

/**
 * Build the inventory of a trace, event by event. The state of every register is kept in
 * columns (typed arrays and arrays of strings, one slot per register), not in an object per
 * register: about 71 bytes each kept, 190 at peak, so millions of registers fit (MAX_REGISTERS).
 */
export class Inventory {
  private groups = new Map<string, Group>();
  private groupOf = new Column(new Uint32Array(0));
  private groupList: Group[] = [];
  /** The register's offset (or address). */
  private place = new HexColumn();
  private readsC = new IntColumn();
  private writesC = new IntColumn();
  private firstLine = new IntColumn();
  private firstT = new Column(new Float64Array(0));
  private lastLine = new IntColumn();
  private lastT = new Column(new Float64Array(0));
  private flags = new Column(new Uint8Array(0));
  private increases = new Column(new Uint8Array(0));
  private lastRead = new HexColumn();
  private lastWritten = new HexColumn();
  private moreRead = new Map<number, MoreValues>();
  private moreWritten = new Map<number, MoreValues>();
  /** Only when events name their file: the file of the first and last access. */
  private firstFile?: (string | undefined)[];
  private lastFile?: (string | undefined)[];
  /** Only when events are annotated. */
  private regName?: (string | undefined)[];
  private fieldsOf?: (Record<string, unknown> | undefined)[];
  /** A device other than its group's (memory-region events of one name from several devices). */
  private devOf = new Map<number, string>();
  private polls = new Map<number, PollInfo>();
  /** The poll run of each device. */
  private runs = new Map<string, Run>();
  /**
   * The registers whose offset (or address) has a number, by group and that number: an open-addressing
   * table of register index + 1 (0: empty), at most half full, the keys read from the columns
   * groupOf and place. 4 bytes a slot outside the JS heap, where a Map of a million entries took
   * about 34 MB that the collector walks (and lets grow with garbage before it collects).
   */
  private table = new Int32Array(1024);
  private tableUsed = 0;
  /** Registers so far. */
  size = 0;

  constructor(
    /** The most registers it holds (MAX_REGISTERS); one more is an input error. */
    readonly maxRegisters = MAX_REGISTERS,
  ) {}

  /** Feed one event (any type; only accesses count). Returns the register's index (in order of first access), -1 for other events. */
  add(ev: Ev): number {
    if (ev.type !== 'read' && ev.type !== 'write') return -1;
    const width = ev.width as number;
    let gkey: string;
    let place: string;
    const byOffset = ev.offset !== undefined;
    if (byOffset) {
      gkey = `${(ev.dev as string | undefined) ?? ''}\u0000${ev.region ?? ''}\u0000${width}`;
      place = ev.offset as string;
    } else if (ev.addr !== undefined) {
      gkey = `\u0001${(ev.name as string | undefined) ?? (ev.mr as string | undefined) ?? (ev.dev as string | undefined) ?? ''}\u0000${width}`;
      place = ev.addr as string;
    } else return -1;
    let g = this.groups.get(gkey);
    if (!g) {
      const bits = BigInt(width * 8);
      g = { width, regs: new Map(), runKey: '', mask: (1n << bits) - 1n, half: 1n << (bits - 1n), byOffset, idx: this.groupList.length };
      if (ev.dev !== undefined) g.dev = ev.dev as string;
      if (byOffset) {
        if (ev.region !== undefined) g.region = ev.region as number;
        g.runKey = 'd' + ((ev.dev as string | undefined) ?? '');
      } else {
        if (ev.name !== undefined) g.name = ev.name as string;
        else if (ev.mr !== undefined) g.mr = ev.mr as string;
        g.runKey = 'n' + ((ev.name as string | undefined) ?? (ev.mr as string | undefined) ?? (ev.dev as string | undefined) ?? '');
      }
      this.groups.set(gkey, g);
      this.groupList.push(g);
    }
    const placeCode = hexCode(place);
    let i: number | undefined;
    let slot = -1;
    if (placeCode >= 0) {
      const found = this.find(g.idx, placeCode);
      if (found >= 0) i = found;
      else slot = -1 - found;
    } else i = g.regs.get(place);
    if (i === undefined) {
      i = this.size;
      if (i >= this.maxRegisters) throw new InputError(`more than ${this.maxRegisters.toLocaleString('en-US')} registers, the most an inventory holds; choose fewer with the selectors (--dev, --region, --offset, --name)`, typeof ev.file === 'string' ? ev.file : undefined, typeof ev.line === 'number' ? ev.line : undefined);
      this.size++;
      for (const c of [this.groupOf, this.readsC, this.writesC, this.firstLine, this.firstT, this.lastLine, this.lastT, this.flags, this.increases, this.place, this.lastRead, this.lastWritten]) c.grow(i + 1);
      this.groupOf.a[i] = g.idx;
      this.readsC.set(i, 0);
      this.writesC.set(i, 0);
      this.place.set(i, place, placeCode);
      if (placeCode >= 0) this.insert(slot, i);
      else g.regs.set(place, i);
      if (!byOffset && ev.dev !== g.dev) this.devOf.set(i, ev.dev as string);
    }
    const line = typeof ev.line === 'number' ? ev.line : NaN;
    const t = typeof ev.t === 'number' ? ev.t : NaN;
    const file = typeof ev.file === 'string' ? ev.file : undefined;
    const value = ev.value as string;
    const repeat = typeof ev.repeat === 'number' ? ev.repeat : 1;
    // The poll run of the device.
    const run = this.runs.get(g.runKey);
    if (run && run.reg === i && ev.type === 'read') {
      run.count += repeat;
      run.lastValue = value;
    } else {
      if (run) this.close(run, endOf(ev, placeOf(line, t, file)));
      if (ev.type === 'read') this.runs.set(g.runKey, { reg: i, count: repeat, from: placeOf(line, t, file), firstValue: value, lastValue: value });
      else this.runs.delete(g.runKey);
    }
    this.access(i, g, ev, value, repeat, line, t, file);
    return i;
  }

  /** The register of group g at the offset (or address) whose number is code, or -1 - the empty slot where it goes. */
  private find(g: number, code: number): number {
    const t = this.table;
    const mask = t.length - 1;
    const groupOf = this.groupOf.a;
    for (let h = slotHash(g, code) & mask; ; h = (h + 1) & mask) {
      const e = t[h]!;
      if (e === 0) return -1 - h;
      if (groupOf[e - 1] === g && this.place.code(e - 1) === code) return e - 1;
    }
  }

  /** Register i into its empty slot (from find), then twice the room when half full. */
  private insert(slot: number, i: number): void {
    this.table[slot] = i + 1;
    if (++this.tableUsed * 2 <= this.table.length) return;
    const old = this.table;
    const t = (this.table = new Int32Array(old.length * 2));
    const mask = t.length - 1;
    for (const e of old) {
      if (e === 0) continue;
      let h = slotHash(this.groupOf.a[e - 1]!, this.place.code(e - 1)) & mask;
      while (t[h] !== 0) h = (h + 1) & mask;
      t[h] = e;
    }
  }

  private access(i: number, g: Group, ev: Ev, value: string, repeat: number, line: number, t: number, file: string | undefined): void {
    if (this.readsC.a[i]! + this.writesC.a[i]! === 0) {
      this.firstLine.set(i, line);
      this.firstT.a[i] = t;
      if (file !== undefined || this.firstFile) (this.firstFile ??= [])[i] = file;
    }
    this.lastLine.set(i, line);
    this.lastT.a[i] = t;
    if (file !== undefined || this.lastFile) (this.lastFile ??= [])[i] = file;
    if (typeof ev.reg === 'string') (this.regName ??= [])[i] = ev.reg;
    if (ev.fields !== undefined) (this.fieldsOf ??= [])[i] = ev.fields as Record<string, unknown>;
    let f = this.flags.a[i]!;
    const code = hexCode(value);
    if (ev.type === 'write') {
      this.writesC.set(i, this.writesC.a[i]! + repeat);
      addValue(this.lastWritten, this.moreWritten, i, value, code);
      this.lastWritten.set(i, value, code);
      this.flags.a[i] = f | WRITE_SINCE_READ;
      return;
    }
    this.readsC.set(i, this.readsC.a[i]! + repeat);
    addValue(this.lastRead, this.moreRead, i, value, code);
    const lastWritten = this.lastWritten.has(i);
    const lastRead = this.lastRead.has(i);
    const sinceWrite = (f & WRITE_SINCE_READ) !== 0;
    if (lastWritten) {
      f |= READ_AFTER_WRITE;
      if (!this.lastWritten.same(i, value, code)) {
        f |= LATCH_BROKEN;
        if (sinceWrite) f |= VOLATILE;
      }
    }
    if (!sinceWrite && lastRead && !this.lastRead.same(i, value, code)) f |= VOLATILE;
    if (lastRead) {
      const n = code >= 0 ? BigInt(code) : BigInt(value);
      if (!sinceWrite) {
        // counter: steps between reads with no write between, modulo the register's width
        const step = (n - this.lastRead.big(i)) & g.mask;
        if (step !== 0n) {
          if (step >= g.half) f |= COUNTER_BROKEN;
          else if (this.increases.a[i]! < 2) this.increases.a[i] = this.increases.a[i]! + 1;
        }
      } else if (lastWritten) {
        // w1c: the read before the write(s), the last write, and this read
        const w = this.lastWritten.big(i);
        const r0 = this.lastRead.big(i);
        const hit = w & r0;
        if (hit !== 0n) {
          if ((n & hit) === 0n && (n & ~w) === (r0 & ~w)) f |= W1C_YES;
          else if ((n & hit) !== 0n) f |= W1C_NO;
        }
      }
    }
    this.lastRead.set(i, value, code);
    this.flags.a[i] = f & ~WRITE_SINCE_READ;
  }

  private close(run: Run, ended: PollEnd): void {
    if (run.count < 3) return;
    const old = this.polls.get(run.reg);
    const runs = (old?.runs ?? 0) + 1;
    if (!old || run.count > old.longest) this.polls.set(run.reg, { runs, longest: run.count, from: run.from, values: [run.firstValue, run.lastValue], ended });
    else old.runs = runs;
  }

  /** End of the trace: close the open poll runs. */
  end(): void {
    for (const run of this.runs.values()) this.close(run, { end: true });
    this.runs.clear();
  }

  /** Where register i is. */
  where(i: number): Where {
    const g = this.groupList[this.groupOf.a[i]!]!;
    // In the record's order: dev, region, name, mr, offset, addr, width.
    const w = {} as Where;
    const dev = g.byOffset ? g.dev : this.devOf.has(i) ? this.devOf.get(i) : g.dev;
    if (dev !== undefined) w.dev = dev;
    if (g.region !== undefined) w.region = g.region;
    if (g.name !== undefined) w.name = g.name;
    if (g.mr !== undefined) w.mr = g.mr;
    if (g.byOffset) w.offset = this.place.get(i);
    else w.addr = this.place.get(i);
    w.width = g.width;
    return w;
  }

  /** The width (bytes) of register i. */
  widthOf(i: number): number {
    return this.groupList[this.groupOf.a[i]!]!.width;
  }

  /** The offset or address of register i. */
  placeOf(i: number): string {
    return this.place.get(i)!;
  }

  reads(i: number): number {
    return this.readsC.a[i]!;
  }

  writes(i: number): number {
    return this.writesC.a[i]!;
  }

  /** Distinct values read and written. */
  distinct(i: number): [number, number] {
    return [this.moreRead.get(i)?.distinct ?? (this.lastRead.has(i) ? 1 : 0), this.moreWritten.get(i)?.distinct ?? (this.lastWritten.has(i) ? 1 : 0)];
  }

  /** The facts the kind rules look at. */
  facts(i: number): KindFacts {
    const f = this.flags.a[i]!;
    return {
      reads: this.readsC.a[i]!,
      writes: this.writesC.a[i]!,
      readDistinct: this.distinct(i)[0],
      readAfterWrite: (f & READ_AFTER_WRITE) !== 0,
      latchBroken: (f & LATCH_BROKEN) !== 0,
      volatile: (f & VOLATILE) !== 0,
      pollRuns: this.polls.get(i)?.runs ?? 0,
      increases: this.increases.a[i]!,
      counterBroken: (f & COUNTER_BROKEN) !== 0,
      w1cYes: (f & W1C_YES) !== 0,
      w1cNo: (f & W1C_NO) !== 0,
    };
  }

  /** The record of register i (call end() first). */
  record(i: number): RegRecord {
    // Where first (in the canonical order), then the counts; optional fields after.
    const out = { type: 'reg', ...this.where(i) } as RegRecord;
    out.reads = this.readsC.a[i]!;
    out.writes = this.writesC.a[i]!;
    out.first = placeOf(this.firstLine.get(i), this.firstT.a[i]!, this.firstFile?.[i]);
    out.last = placeOf(this.lastLine.get(i), this.lastT.a[i]!, this.lastFile?.[i]);
    const lastWritten = this.lastWritten.get(i);
    const lastRead = this.lastRead.get(i);
    out.written = valuesInfo(lastWritten, this.moreWritten.get(i));
    out.read = valuesInfo(lastRead, this.moreRead.get(i));
    if (lastWritten !== undefined) out.lastWritten = lastWritten;
    if (lastRead !== undefined) out.lastRead = lastRead;
    const reg = this.regName?.[i];
    if (reg !== undefined) out.reg = reg;
    const fields = this.fieldsOf?.[i];
    if (fields !== undefined) out.fields = fields;
    out.kind = classify(this.facts(i));
    const poll = this.polls.get(i);
    if (poll) out.poll = poll;
    return out;
  }

  /** The records, in order of first access (call end() first): for small inventories; tools go through record(i). */
  records(): RegRecord[] {
    const out: RegRecord[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.record(i));
    return out;
  }

  /** Register indices in an order (see sortRecords), without making the records. */
  order(by: Sort): Uint32Array {
    const idx = new Uint32Array(this.size);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    if (by === 'first') return idx;
    const key = new Float64Array(this.size);
    const r = this.readsC.a;
    const w = this.writesC.a;
    if (by === 'offset') {
      // By place: device (or name) and region, offset (as a number), width; the text of each group made once.
      const gtext = this.groupList.map((g) => prefixText(g.dev ?? g.name ?? g.mr, g.region));
      const gof = this.groupOf.a;
      const prefix = (i: number) => (this.devOf.has(i) ? prefixText(this.devOf.get(i), undefined) : gtext[gof[i]!]!);
      const hex = (i: number) => this.place.get(i)!.slice(2).replace(/^0+/, '');
      return Uint32Array.from([...idx].sort((a, b) => {
        const pa = prefix(a);
        const pb = prefix(b);
        if (pa !== pb) return pa < pb ? -1 : 1;
        // Canonical offsets compare as numbers (the same order as their texts' digits, length first).
        const ca = this.place.code(a);
        const cb = this.place.code(b);
        if (ca >= 0 && cb >= 0 && ca !== cb) return ca - cb;
        const ha = hex(a);
        const hb = hex(b);
        if (ha.length !== hb.length) return ha.length - hb.length;
        if (ha !== hb) return ha < hb ? -1 : 1;
        return this.groupList[gof[a]!]!.width - this.groupList[gof[b]!]!.width || a - b;
      }));
    }
    for (let i = 0; i < this.size; i++) {
      if (by === 'accesses') key[i] = r[i]! + w[i]!;
      else if (by === 'reads') key[i] = r[i]!;
      else if (by === 'writes') key[i] = w[i]!;
      else {
        const [dr, dw] = this.distinct(i);
        key[i] = dr + dw;
      }
    }
    // Most first; ties in order of first access (a stable sort).
    return Uint32Array.from([...idx].sort((a, b) => key[b]! - key[a]! || a - b));
  }
}

/**
 * Count a value among a register's distinct ones, before `last` (its last value read, or written)
 * takes it. The first value needs no column of its own: until a second distinct value comes, every
 * value was the first, so the last one is it; from then on it is the first of `listed`.
 */
function addValue(last: HexColumn, more: Map<number, MoreValues>, i: number, value: string, code: number): void {
  if (!last.has(i)) return;
  let m = more.get(i);
  if (!m) {
    if (last.same(i, value, code)) return;
    const v0 = last.get(i)!;
    more.set(i, (m = { set: new Set([v0]), distinct: 1, listed: [v0] }));
  }
  if (!m.set || m.set.has(value)) return;
  m.distinct++;
  if (m.listed.length < LISTED) m.listed.push(value);
  if (m.set.size >= MAX_DISTINCT) m.set = undefined;
  else m.set.add(value);
}

/** A register's values read (or written): `last` is the value last read (written), the first when there is no `more`. */
function valuesInfo(first: string | undefined, more: MoreValues | undefined): ValuesInfo {
  if (more) return more.set ? { distinct: more.distinct, values: more.listed } : { distinct: more.distinct, capped: true, values: more.listed };
  return first === undefined ? { distinct: 0, values: [] } : { distinct: 1, values: [first] };
}

/** A hash of a group index and an offset's number (a whole number under 2^53). */
function slotHash(g: number, code: number): number {
  let h = Math.imul((code >>> 0) ^ Math.imul(((code / 4294967296) >>> 0) ^ g, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

function placeOf(line: number, t: number, file: string | undefined): Place {
  const p: Place = {};
  if (!Number.isNaN(line)) p.line = line;
  if (file !== undefined) p.file = file;
  if (!Number.isNaN(t)) p.t = t;
  return p;
}

function prefixText(who: string | undefined, region: number | undefined): string {
  return `${who ?? ''}\u0000${String(region ?? '').padStart(2, '0')}`;
}

function endOf(ev: Ev, place: Place): PollEnd {
  const e: PollEnd = { ...place, type: ev.type as string };
  if (ev.offset !== undefined) e.offset = ev.offset as string;
  else if (ev.addr !== undefined) e.addr = ev.addr as string;
  e.value = ev.value as string;
  if (typeof ev.reg === 'string') e.reg = ev.reg;
  return e;
}

export const SORTS = ['first', 'accesses', 'reads', 'writes', 'offset', 'distinct'] as const;
export type Sort = (typeof SORTS)[number];

/** Records in an order: first access (as read), most accesses, most reads or writes, by place, most distinct values. */
export function sortRecords(recs: RegRecord[], by: Sort): RegRecord[] {
  const out = [...recs];
  const place = (r: RegRecord) => `${r.dev ?? r.name ?? r.mr ?? ''}\u0000${String(r.region ?? '').padStart(2, '0')}\u0000${(r.offset ?? r.addr ?? '').slice(2).padStart(16, '0')}\u0000${r.width}`;
  switch (by) {
    case 'first':
      return out;
    case 'accesses':
      return out.sort((a, b) => b.reads + b.writes - (a.reads + a.writes));
    case 'reads':
      return out.sort((a, b) => b.reads - a.reads);
    case 'writes':
      return out.sort((a, b) => b.writes - a.writes);
    case 'distinct':
      return out.sort((a, b) => b.read.distinct + b.written.distinct - (a.read.distinct + a.written.distinct));
    case 'offset':
      return out.sort((a, b) => (place(a) < place(b) ? -1 : place(a) > place(b) ? 1 : 0));
  }
}

/** A column of the text table is at most this wide: a longer cell is printed whole, and only its own row loses the alignment. */
export const MAX_COLUMN = 40;

/** The records as an aligned text table. */
export function textTable(recs: RegRecord[]): string {
  let out = '';
  for (const row of textRows(recs)) out += row + '\n';
  return out;
}

/** The lines of the text table (the header first), one at a time: nothing holds the whole table. */
export function* textRows(recs: Iterable<RegRecord>): Generator<string> {
  const cells = (r: RegRecord): string[] => [
    r.dev ?? r.name ?? r.mr ?? '-',
    r.region === undefined ? '-' : String(r.region),
    r.offset ?? r.addr ?? '',
    String(r.width),
    String(r.reads),
    String(r.writes),
    `${r.read.distinct}${r.read.capped ? '+' : ''}/${r.written.distinct}${r.written.capped ? '+' : ''}`,
    r.lastRead ?? '-',
    r.lastWritten ?? '-',
    r.kind.join(',') + (r.poll ? ` (×${r.poll.longest})` : ''),
    r.reg ?? '',
  ].map((c) => oneLine(c)); // names from the input, escaped: a control character would forge a row or act on the terminal
  const head = ['DEV', 'RG', 'OFFSET', 'W', 'READS', 'WRITES', 'DISTINCT R/W', 'LAST READ', 'LAST WRITTEN', 'KIND', 'REG'];
  // Widths in one pass over the records (no spread of a list into Math.max: it has no bound).
  const width = head.map((h) => h.length);
  for (const r of recs) {
    const c = cells(r);
    for (let i = 0; i < width.length; i++) if (c[i]!.length > width[i]!) width[i] = Math.min(c[i]!.length, MAX_COLUMN);
  }
  const right = new Set([1, 3, 4, 5]);
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  yield line(head);
  for (const r of recs) yield line(cells(r));
}
