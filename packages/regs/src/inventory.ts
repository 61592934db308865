/**
 * A register inventory: one record per register a trace touches, with how it behaves. A register
 * is (dev, region, offset, width) for device accesses, (name or mr, addr, width) for memory-region
 * events. Every rule looks at the accesses of one register in trace order, except `poll`, which
 * looks at the accesses of the register's device (see the README, "mmio-regs", for each rule).
 * Memory is one small state per register: value sets are capped, nothing grows with the trace.
 */
import { oneLine } from '@mmio-tools/core';

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

class Values {
  set: Set<string> | undefined = new Set();
  distinct = 0;
  listed: string[] = [];
  add(v: string): void {
    if (!this.set) return;
    if (this.set.has(v)) return;
    this.distinct++;
    if (this.listed.length < LISTED) this.listed.push(v);
    if (this.set.size >= MAX_DISTINCT) this.set = undefined;
    else this.set.add(v);
  }
  info(): ValuesInfo {
    return this.set ? { distinct: this.distinct, values: this.listed } : { distinct: this.distinct, capped: true, values: this.listed };
  }
}

/** The state of one register while the trace is read. */
export class RegState {
  reads = 0;
  writes = 0;
  first: Place = {};
  last: Place = {};
  readValues = new Values();
  writtenValues = new Values();
  lastWritten?: string;
  lastRead?: string;
  reg?: string;
  fields?: Record<string, unknown>;
  // latch / volatile
  readsAfterWrite = 0;
  latchBroken = false;
  volatile = false;
  /** A write came after the last read. */
  writeSinceRead = false;
  // counter
  prevRead?: bigint;
  increases = 0;
  counterBroken = false;
  // w1c: the read before a write, and the write, waiting for the next read
  pendingR0?: bigint;
  pendingW?: bigint;
  w1cYes = 0;
  w1cNo = 0;
  // poll
  pollRuns = 0;
  poll?: PollInfo;

  constructor(
    readonly key: string,
    readonly where: Pick<RegRecord, 'dev' | 'region' | 'name' | 'mr' | 'offset' | 'addr' | 'width'>,
    /** Bits in the register. */
    readonly bits: bigint,
    /** The order of first access. */
    readonly order: number,
  ) {}

  access(ev: Ev, place: Place): void {
    const value = ev.value as string;
    if (this.reads + this.writes === 0) this.first = place;
    this.last = place;
    if (typeof ev.reg === 'string') this.reg = ev.reg;
    if (ev.fields !== undefined) this.fields = ev.fields as Record<string, unknown>;
    const n = BigInt(value);
    const repeat = typeof ev.repeat === 'number' ? ev.repeat : 1;
    if (ev.type === 'write') {
      this.writes += repeat;
      this.writtenValues.add(value);
      this.lastWritten = value;
      this.writeSinceRead = true;
      this.prevRead = undefined; // a counter is followed between writes only
      if (this.lastRead !== undefined) this.pendingR0 = BigInt(this.lastRead);
      this.pendingW = n;
      return;
    }
    this.reads += repeat;
    this.readValues.add(value);
    if (this.lastWritten !== undefined) {
      this.readsAfterWrite++;
      if (value !== this.lastWritten) {
        this.latchBroken = true;
        if (this.writeSinceRead) this.volatile = true;
      }
    }
    if (!this.writeSinceRead && this.lastRead !== undefined && value !== this.lastRead) this.volatile = true;
    // counter: steps between reads with no write between, modulo the register's width
    if (this.prevRead !== undefined) {
      const step = (n - this.prevRead) & ((1n << this.bits) - 1n);
      if (step !== 0n) {
        if (step < 1n << (this.bits - 1n)) this.increases++;
        else this.counterBroken = true;
      }
    }
    this.prevRead = n;
    // w1c: a write of bits that were set, then this read
    if (this.pendingW !== undefined && this.pendingR0 !== undefined) {
      const hit = this.pendingW & this.pendingR0;
      if (hit !== 0n) {
        if ((n & hit) === 0n && (n & ~this.pendingW) === (this.pendingR0 & ~this.pendingW)) this.w1cYes++;
        else if ((n & hit) !== 0n) this.w1cNo++;
      }
    }
    this.pendingW = undefined;
    this.pendingR0 = undefined;
    this.lastRead = value;
    this.writeSinceRead = false;
  }

  kinds(): Kind[] {
    const k: Kind[] = [];
    if (this.reads > 0 && this.writes === 0) k.push(this.readValues.distinct === 1 ? 'constant' : 'read-only');
    if (this.writes > 0 && this.reads === 0) k.push('write-only');
    if (this.readsAfterWrite > 0 && !this.latchBroken) k.push('latch');
    if (this.volatile) k.push('volatile');
    if (this.pollRuns > 0) k.push('poll');
    if (this.reads >= 3 && this.increases >= 2 && !this.counterBroken) k.push('counter');
    if (this.w1cYes > 0 && this.w1cNo === 0) k.push('w1c');
    return k;
  }

  record(): RegRecord {
    // Where first (in the canonical order), then the counts; optional fields after.
    const out = { type: 'reg' } as RegRecord;
    for (const k of ['dev', 'region', 'name', 'mr', 'offset', 'addr', 'width'] as const) if (this.where[k] !== undefined) (out as unknown as Ev)[k] = this.where[k];
    Object.assign(out, { reads: this.reads, writes: this.writes, first: this.first, last: this.last, written: this.writtenValues.info(), read: this.readValues.info() });
    if (this.lastWritten !== undefined) out.lastWritten = this.lastWritten;
    if (this.lastRead !== undefined) out.lastRead = this.lastRead;
    if (this.reg !== undefined) out.reg = this.reg;
    if (this.fields !== undefined) out.fields = this.fields;
    out.kind = this.kinds();
    if (this.poll) out.poll = this.poll;
    return out;
  }
}

/** A run of reads of one register by one device, being read. */
interface Run {
  reg: RegState;
  count: number;
  from: Place;
  firstValue: string;
  lastValue: string;
}

/** The key of the register an access hits, and where it is; undefined for other events. */
export function registerOf(ev: Ev): { key: string; dev: string; where: RegState['where'] } | undefined {
  if (ev.type !== 'read' && ev.type !== 'write') return undefined;
  const width = ev.width as number;
  if (ev.offset !== undefined) {
    const dev = (ev.dev as string | undefined) ?? '';
    const where: RegState['where'] = { width };
    if (ev.dev !== undefined) where.dev = ev.dev as string;
    if (ev.region !== undefined) where.region = ev.region as number;
    where.offset = ev.offset as string;
    return { key: `${dev}\u0000${ev.region ?? ''}\u0000${ev.offset}\u0000${width}`, dev: 'd' + dev, where };
  }
  if (ev.addr !== undefined) {
    const who = (ev.name as string | undefined) ?? (ev.mr as string | undefined) ?? (ev.dev as string | undefined) ?? '';
    const where: RegState['where'] = { width };
    if (ev.dev !== undefined) where.dev = ev.dev as string;
    if (ev.name !== undefined) where.name = ev.name as string;
    else if (ev.mr !== undefined) where.mr = ev.mr as string;
    where.addr = ev.addr as string;
    return { key: `\u0001${who}\u0000${ev.addr}\u0000${width}`, dev: 'n' + who, where };
  }
  return undefined;
}

/** Build the inventory of a trace, event by event. */
export class Inventory {
  readonly regs = new Map<string, RegState>();
  /** The poll run of each device. */
  private runs = new Map<string, Run>();

  /** Feed one event (any type; only accesses count). Returns the register's state, if an access. */
  add(ev: Ev): RegState | undefined {
    const at = registerOf(ev);
    if (!at) return undefined;
    const place: Place = {};
    if (typeof ev.line === 'number') place.line = ev.line;
    if (typeof ev.file === 'string') place.file = ev.file;
    if (typeof ev.t === 'number') place.t = ev.t;
    let s = this.regs.get(at.key);
    if (!s) {
      s = new RegState(at.key, at.where, BigInt(at.where.width * 8), this.regs.size);
      this.regs.set(at.key, s);
    }
    const run = this.runs.get(at.dev);
    if (run && run.reg === s && ev.type === 'read') {
      run.count += typeof ev.repeat === 'number' ? ev.repeat : 1;
      run.lastValue = ev.value as string;
    } else {
      if (run) this.close(run, endOf(ev, place));
      if (ev.type === 'read') this.runs.set(at.dev, { reg: s, count: typeof ev.repeat === 'number' ? ev.repeat : 1, from: place, firstValue: ev.value as string, lastValue: ev.value as string });
      else this.runs.delete(at.dev);
    }
    s.access(ev, place);
    return s;
  }

  private close(run: Run, ended: PollEnd): void {
    if (run.count < 3) return;
    const s = run.reg;
    s.pollRuns++;
    if (!s.poll || run.count > s.poll.longest) s.poll = { runs: s.pollRuns, longest: run.count, from: run.from, values: [run.firstValue, run.lastValue], ended };
    s.poll.runs = s.pollRuns;
  }

  /** End of the trace: close the open poll runs. */
  end(): void {
    for (const run of this.runs.values()) this.close(run, { end: true });
    this.runs.clear();
  }

  /** The records, in order of first access (call end() first). */
  records(): RegRecord[] {
    return [...this.regs.values()].map((s) => s.record());
  }
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
export function* textRows(recs: RegRecord[]): Generator<string> {
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
