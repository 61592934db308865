/**
 * Learning: from the accesses of one device in one or several runs, the simplest rule per register
 * that explains every read of every run (docs/model.md, "Rules"), each verified by answering the
 * register's own history with `DeviceState`, the one definition of what a rule answers. What
 * mmio-regs calls a register (its `kind`, from the same Inventory code) decides the constant and
 * counter rules and is kept in the model; the other rules refine it.
 */
import { Inventory, type Kind } from '@mmio-tools/regs';
import { UsageError } from '@mmio-tools/core';
import { DevRun, FileRun, type BarInfo, type Entry, type RegHist } from './collect.js';
import {
  DeviceState,
  SCHEMA,
  eepromOutput,
  eepromWrite,
  hex,
  newEepromState,
  parseRegKey,
  regKey,
  type BarModel,
  type DataportRule,
  type EepromRule,
  type Model,
  type RegisterModel,
  type Rule,
} from './model.js';

type Ev = Record<string, unknown>;

export interface GivenBar {
  size: bigint;
  kind: 'mem32' | 'mem64' | 'io';
  prefetchable: boolean;
}

export interface LearnOptions {
  id?: { vendor: number; device: number; subvendor?: number; subdevice?: number };
  class?: number;
  bars?: Map<number, GivenBar>;
  /** Recorded values per playback register. */
  playbackCap?: number;
  /** Accesses kept per register and run while learning. */
  historyCap?: number;
  generator?: string;
}

export const PLAYBACK_CAP = 1 << 16;
export const HISTORY_CAP = 1 << 16;

/** A register's history over every run. */
interface Hist extends Omit<RegHist, 'runs'> {
  runs: (Entry[] | undefined)[];
  firstLine: (string | undefined)[];
}

interface RunInfo {
  file: string;
  dev?: string;
  names?: string[];
  accesses: number;
}

export class Learner {
  private cur?: FileRun;
  private hists = new Map<string, Hist>();
  private runs: RunInfo[] = [];
  private identity: Record<string, { value: string; from: string }> = {};
  private bars = new Map<number, BarModel>();
  private config = new Map<number, number>();
  private writable = new Map<number, number>();
  private notes: string[] = [];
  /** What mmio-regs says of each register, run by run (the same Inventory code). */
  private regsKinds = new Map<string, Kind[][]>();
  readonly playbackCap: number;
  readonly historyCap: number;

  constructor(readonly o: LearnOptions = {}) {
    this.playbackCap = o.playbackCap ?? PLAYBACK_CAP;
    this.historyCap = o.historyCap ?? HISTORY_CAP;
  }

  startFile(file: string): void {
    this.cur = new FileRun(file, this.historyCap);
  }

  /** An event the selectors chose. */
  selected(ev: Ev): void {
    const f = this.cur!;
    if (f.config(ev)) return;
    if (ev.type === 'read' || ev.type === 'write') f.access(ev);
  }

  /** An event the selectors left out: config-space accesses and device events still tell. */
  leftOut(ev: Ev): void {
    this.cur!.config(ev);
  }

  endFile(): void {
    const f = this.cur!;
    this.cur = undefined;
    const d = f.device();
    if (!d) {
      this.notes.push(`${f.file}: no access of a device's BAR`);
      return;
    }
    if (d.absolute) this.rebase(d, f);
    const run = this.runs.length;
    const pciKey = d.key.startsWith('name:') ? undefined : d.key;
    this.runs.push({ file: f.file, ...(pciKey ? { dev: pciKey } : {}), ...(d.names.size ? { names: [...d.names].sort() } : {}), accesses: d.accesses });
    if (f.otherRegions) this.notes.push(`${f.file}: ${f.otherRegions} accesses of the ROM or VGA regions are not modelled`);
    // What mmio-regs says of each register in this run: the same code, fed in the device's order.
    const inv = new Inventory();
    const order: { h: RegHist; e: Entry }[] = [];
    for (const h of d.regs.values()) for (const e of h.runs[0]!) order.push({ h, e });
    order.sort((a, b) => a.e.seq - b.e.seq);
    for (const { h, e } of order) inv.add({ type: e.w ? 'write' : 'read', region: h.region, offset: hex(h.offset), width: h.width, value: hex(e.v), line: e.line });
    inv.end();
    for (const rec of inv.records()) {
      const key = regKey(rec.region!, rec.offset!, rec.width);
      let l = this.regsKinds.get(key);
      if (!l) this.regsKinds.set(key, (l = []));
      l.push(rec.kind);
    }
    for (const h of d.regs.values()) {
      let g = this.hists.get(h.key);
      if (!g) this.hists.set(h.key, (g = { key: h.key, region: h.region, offset: h.offset, width: h.width, runs: [], firstLine: [], reads: 0, writes: 0, dropped: 0, names: new Set() }));
      g.runs[run] = h.runs[0];
      g.reads += h.reads;
      g.writes += h.writes;
      g.dropped += h.dropped;
      for (const n of h.names) g.names.add(n);
      const firstRead = h.runs[0]!.find((e) => !e.w);
      g.firstLine[run] = firstRead ? `${f.file}:${firstRead.line}` : undefined;
      if (h.dropped) this.notes.push(`${f.file}: register ${h.key}: ${h.dropped} accesses past the history cap (${this.historyCap}) were not learned from`);
    }
    this.takeLayout(f, d);
  }

  /** Offsets of a memory region no BAR was found for: relative to its lowest address, aligned to the span. */
  private rebase(d: DevRun, f: FileRun): void {
    let lo: bigint | undefined;
    let hi = 0n;
    for (const h of d.regs.values()) {
      if (lo === undefined || h.offset < lo) lo = h.offset;
      if (h.offset + BigInt(h.width) > hi) hi = h.offset + BigInt(h.width);
    }
    let size = 1n;
    while (size < hi - lo!) size *= 2n;
    const base = lo! & ~(size - 1n);
    const regs = new Map<string, RegHist>();
    for (const h of d.regs.values()) {
      h.offset -= base;
      h.key = regKey(h.region, h.offset, h.width);
      regs.set(h.key, h);
    }
    // the keys of the preceding writes too
    const re = /^0:(0x[0-9a-f]+):(\d)=/;
    for (const h of regs.values())
      for (const e of h.runs[0]!) {
        const m = re.exec(e.pk);
        if (m) e.pk = `0:${hex(BigInt(m[1]!) - base)}:${m[2]}=` + e.pk.slice(m[0].length);
      }
    d.regs = regs;
    this.notes.push(`${f.file}: no BAR of the trace holds ${[...d.names].map((n) => `'${n}'`).join(', ')}: taken as BAR 0 at ${hex(base)} (its accesses' span, ${hex(size)} bytes)`);
    if (!this.bars.has(0)) this.bars.set(0, { index: 0, size: hex(size), kind: base > 0xffffn ? 'mem32' : 'io', prefetchable: false, from: 'span', names: [...d.names].sort() });
  }

  private takeLayout(f: FileRun, d: DevRun): void {
    const fn = f.pci.get(d.key);
    const place = (p: string) => `trace ${p}`;
    const setId = (field: string, value: number | undefined, from: string) => {
      if (value === undefined) return;
      const v = hex(value);
      const had = this.identity[field];
      if (!had) this.identity[field] = { value: v, from };
      else if (had.value !== v) this.notes.push(`${field} ${v} (${from}) differs from ${had.value} (${had.from}): the first kept`);
    };
    if (fn) {
      const word = (off: number, n: number): { v: number; from: string } | undefined => {
        let v = 0;
        let from = '';
        for (let i = n - 1; i >= 0; i--) {
          const b = fn.byte(off + i);
          if (!b) return undefined;
          v = v * 256 + b[0];
          from = b[1];
        }
        return { v, from };
      };
      for (const [field, off, n] of [
        ['vendor', 0, 2],
        ['device', 2, 2],
        ['revision', 8, 1],
        ['class', 9, 3],
        ['subvendor', 0x2c, 2],
        ['subdevice', 0x2e, 2],
      ] as const) {
        const w = word(off, n);
        if (w) setId(field, w.v, place(w.from));
      }
      for (const [off, [v]] of fn.bytes) if (!this.config.has(off)) this.config.set(off, v);
      for (const [off, m] of fn.writable) this.writable.set(off, (this.writable.get(off) ?? 0) | m);
      fn.bars.forEach((b, i) => this.takeBar(i, b));
    }
    const dev = f.deviceEvents.get(d.key);
    if (dev) {
      const at = place(`${f.file}:${dev.line ?? '?'}`);
      if (typeof dev.vendor === 'string') setId('vendor', Number(dev.vendor), at);
      if (typeof dev.device === 'string') setId('device', Number(dev.device), at);
      for (const b of (dev.bars as { index: number; size: string; io?: boolean; flags?: string }[] | undefined) ?? []) {
        if (b.index > 5) continue;
        const flags = b.flags === undefined ? 0 : Number(b.flags);
        this.takeBar(b.index, { size: BigInt(b.size), io: Boolean(b.io), mem64: !b.io && ((flags >> 1) & 3) === 2, pref: !b.io && (flags & 8) === 8, from: 'region' });
      }
    }
    for (const [region, ev] of f.regionEvents.get(d.key) ?? []) {
      if (region > 5 || typeof ev.size !== 'string' || BigInt(ev.size) === 0n) continue;
      this.takeBar(region, { size: BigInt(ev.size), from: 'region', io: region !== undefined && fn?.bars[region]?.io === true });
    }
    // BARs the trace accessed but did not size: the accesses' span
    const span = new Map<number, { hi: bigint; names: Set<string> }>();
    for (const h of d.regs.values()) {
      const s = span.get(h.region) ?? { hi: 0n, names: new Set<string>() };
      if (h.offset + BigInt(h.width) > s.hi) s.hi = h.offset + BigInt(h.width);
      for (const n of h.names) s.names.add(n);
      span.set(h.region, s);
    }
    for (const [region, s] of span) {
      let size = 16n;
      while (size < s.hi) size *= 2n;
      this.takeBar(region, { size, from: 'span', io: fn?.bars[region]?.io });
      const b = this.bars.get(region);
      if (b && s.names.size) b.names = [...new Set([...(b.names ?? []), ...s.names])].sort();
    }
  }

  private takeBar(index: number, b: BarInfo): void {
    if (b.size === undefined || b.size === 0n) return;
    const had = this.bars.get(index);
    const rank = { sizing: 3, region: 2, span: 1, given: 4 } as const;
    const from = b.from ?? 'span';
    if (had && rank[had.from] >= rank[from]) {
      if (had.from === from && BigInt(had.size) !== b.size) this.notes.push(`BAR ${index}: size ${hex(b.size)} in one run, ${had.size} in another: the first kept`);
      return;
    }
    const m: BarModel = { index, size: hex(b.size), kind: b.io ? 'io' : b.mem64 ? 'mem64' : 'mem32', prefetchable: Boolean(b.pref), from };
    const names = b.names ?? (had?.names ? new Set(had.names) : undefined);
    if (names?.size) m.names = [...names].sort();
    this.bars.set(index, m);
  }

  /** The model of everything read so far. */
  model(): Model {
    if (this.runs.length === 0) throw new UsageError('no device access in the input (nothing to learn from)');
    const o = this.o;
    // What was given overrides what the trace says, and says so.
    if (o.id) {
      this.identity.vendor = { value: hex(o.id.vendor), from: 'given' };
      this.identity.device = { value: hex(o.id.device), from: 'given' };
      if (o.id.subvendor !== undefined) this.identity.subvendor = { value: hex(o.id.subvendor), from: 'given' };
      if (o.id.subdevice !== undefined) this.identity.subdevice = { value: hex(o.id.subdevice), from: 'given' };
    }
    if (o.class !== undefined) this.identity.class = { value: hex(o.class), from: 'given' };
    for (const [i, b] of o.bars ?? []) this.bars.set(i, { index: i, size: hex(b.size), kind: b.kind, prefetchable: b.prefetchable, from: 'given', ...(this.bars.get(i)?.names ? { names: this.bars.get(i)!.names } : {}) });
    const identity: Model['identity'] = { from: {} };
    for (const field of ['vendor', 'device', 'subvendor', 'subdevice', 'class', 'revision'] as const) {
      const v = this.identity[field];
      if (v) {
        identity[field] = v.value;
        identity.from[field] = v.from;
      }
    }
    const registers: RegisterModel[] = [];
    const writeOnly: Model['writeOnly'] = [];
    const sorted = [...this.hists.values()].sort((a, b) => a.region - b.region || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0) || a.width - b.width);
    for (const h of sorted) {
      if (h.reads === 0) {
        writeOnly.push({ region: h.region, offset: hex(h.offset), width: h.width, writes: h.writes });
        continue;
      }
      registers.push(this.fit(h));
    }
    const bars = [...this.bars.values()].sort((a, b) => a.index - b.index);
    return {
      schema: SCHEMA,
      generator: o.generator ?? 'mmio-model',
      sources: this.runs,
      identity,
      bars,
      config: {
        bytes: [...this.config].sort((a, b) => a[0] - b[0]).map(([k, v]) => [hex(k), hex(v)]),
        writable: [...this.writable].sort((a, b) => a[0] - b[0]).map(([k, v]) => [hex(k), hex(v)]),
      },
      registers,
      writeOnly,
      limits: { playbackValues: this.playbackCap, history: this.historyCap },
      notes: this.notes,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Fitting one register

  private fit(h: Hist): RegisterModel {
    const support = { reads: h.reads, first: h.firstLine.filter((x): x is string => x !== undefined) };
    const base = { region: h.region, offset: hex(h.offset), width: h.width };
    const kinds = this.regsKinds.get(h.key) ?? [];
    const regs = [...new Set(kinds.flat())];
    const firstRun = h.runs.find((r) => r?.some((e) => !e.w)) ?? [];
    const rec = firstRun.filter((e) => !e.w).map((e) => e.v);
    let n = rec.length;
    while (n > 1 && rec[n - 1] === rec[n - 2]) n--;
    const recorded = rec.slice(0, Math.min(n, this.playbackCap)).map(hex);
    const out = (rule: Rule, note?: string): RegisterModel => ({ ...base, rule, reads: h.reads, writes: h.writes, support, regs, recorded, ...(note ? { note } : {}) });
    const all = h.width >= 8 ? (1n << 64n) - 1n : (1n << BigInt(h.width * 8)) - 1n;
    const runs = Array.from({ length: this.runs.length }, (_, i) => h.runs[i] ?? []);
    const reads = runs.flat().filter((e) => !e.w);
    const values = new Set(reads.map((e) => e.v));
    // constant: what mmio-regs calls constant (one value read), in every run
    if (values.size === 1) return out({ kind: 'constant', value: hex(reads[0]!.v) });
    const ok = (rule: Rule, others: string[] = []) => this.verify(h, rule, others);
    // the bit rules
    let and = all;
    let or = 0n;
    for (const e of reads) {
      and &= e.v;
      or |= e.v;
    }
    const constMask = ~(and ^ or) & all;
    const varying = ~constMask & all;
    const resets = runs.map((r) => (r[0] && !r[0].w ? r[0].v : undefined)).filter((x): x is bigint => x !== undefined);
    const reset = resets[0] ?? and & constMask;
    const storageBits = this.storageBits(runs, varying, reset);
    if (storageBits === varying) {
      // writable: every bit that read back what was last written (or its reset value) in every
      // run, not only the bits seen to change: a bit always written as it was is storage too
      const mask = this.storageBits(runs, all, reset);
      const rule: Rule = { kind: 'storage', reset: hex(reset), mask: hex(mask) };
      if (ok(rule)) return out(rule);
    }
    const rest = varying & ~storageBits;
    {
      const rule: Rule = { kind: 'w1c', reset: hex(reset), mask: hex(storageBits), w1c: hex(rest) };
      if (ok(rule)) return out(rule);
    }
    for (let after = 0; after <= 8; after++) {
      const rule: Rule = { kind: 'self-clearing', reset: hex(reset), mask: hex(varying), clear: hex(rest), after };
      if (ok(rule)) return out(rule);
    }
    // counter: what mmio-regs calls a counter, with one stride
    if (kinds.length > 0 && kinds.every((k) => k.includes('counter'))) {
      const r0 = runs.map((r) => r.filter((e) => !e.w));
      const first = r0.find((r) => r.length >= 2);
      if (first) {
        const step = (first[1]!.v - first[0]!.v) & all;
        const rule: Rule = { kind: 'counter', start: hex(first[0]!.v), step: hex(step) };
        if (ok(rule)) return out(rule);
      }
    }
    // the registers whose writes come before this one's reads
    const before = this.writersBefore(h);
    // poll: one value for some reads after a write, then the final one
    if (values.size === 2) {
      const lastRun = runs.find((r) => r.some((e) => !e.w))!;
      const final = [...lastRun].reverse().find((e) => !e.w)!.v;
      const busy = [...values].find((v) => v !== final)!;
      for (const after of before) {
        const n = this.readsSince(h, after);
        let maxBusy = -1;
        for (let i = 0; i < reads.length; i++) if (reads[i]!.v === busy) maxBusy = Math.max(maxBusy, n[i]!);
        const rule: Rule = { kind: 'poll', after, busy: hex(busy), reads: maxBusy + 1, final: hex(final) };
        if (maxBusy >= 0 && maxBusy < Infinity && ok(rule, [after])) return out(rule);
      }
    }
    // dataport: the value is a function of the last value written to a register; of the
    // registers that fit, the one with the fewest keys whose value is not the default
    {
      const cands = [...before, ...[...this.hists.values()].filter((g) => g.writes > 0 && !before.includes(g.key)).map((g) => g.key).sort()];
      let best: Rule | undefined;
      let bestFrom = '';
      for (const from of cands) {
        const rule = this.dataport(h, from, all);
        if (rule && (!best || rule.table.length < (best as { table: unknown[] }).table.length) && ok(rule, [from])) {
          best = rule;
          bestFrom = from;
          if (rule.table.length <= 1) break;
        }
      }
      void bestFrom;
      if (best) return out(best);
    }
    // a bit-banged EEPROM
    if (h.writes >= 32 && reads.length >= 16) {
      const rule = this.eeprom(h, runs, varying, storageBits, reset, all);
      if (rule) return out(rule);
    }
    const pb = this.playback(h, runs);
    return out(pb.rule, pb.note);
  }

  /** Bits of `varying` that read back the last value written (or the reset value before any write), in every run. */
  private storageBits(runs: Entry[][], varying: bigint, reset: bigint): bigint {
    let good = varying;
    for (const r of runs) {
      let v = reset;
      for (const e of r) {
        if (e.w) v = e.v;
        else good &= ~(e.v ^ v);
      }
    }
    return good;
  }

  /** Candidate registers whose last write keys this register: itself (when written), then the most frequent preceding writes. */
  private writersBefore(h: Hist): string[] {
    const count = new Map<string, number>();
    for (const r of h.runs)
      for (const e of r ?? []) {
        if (e.w || e.pk === '') continue;
        const k = e.pk.slice(0, e.pk.indexOf('='));
        count.set(k, (count.get(k) ?? 0) + 1);
      }
    const out = h.writes > 0 ? [h.key] : [];
    for (const [k] of [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
      if (out.length >= 4) break;
      if (!out.includes(k)) out.push(k);
    }
    return out;
  }

  /** This register's accesses merged, in device order, with the writes of other registers, per run. */
  private merged(h: Hist, others: string[]): { key: string; e: Entry }[][] {
    return Array.from({ length: this.runs.length }, (_, run) => h.runs[run]).map((r, run) => {
      const list = (r ?? []).map((e) => ({ key: h.key, e }));
      for (const o of others) {
        if (o === h.key) continue;
        const g = this.hists.get(o)?.runs[run];
        if (g) for (const e of g) if (e.w) list.push({ key: o, e });
      }
      return list.sort((a, b) => a.e.seq - b.e.seq);
    });
  }

  /** For each read of the register (in order over the runs), the reads since the last write to `after` (Infinity: none yet). */
  private readsSince(h: Hist, after: string): number[] {
    const out: number[] = [];
    for (const run of this.merged(h, [after])) {
      let n = Infinity;
      for (const { key, e } of run) {
        if (e.w && key === after) n = 0;
        if (!e.w && key === h.key) out.push(n++);
      }
    }
    return out;
  }

  /** Does the rule answer every read of every run (its state from reset at each run's start)? */
  private verify(h: Hist, rule: Rule, others: string[] = []): boolean {
    const dev = new DeviceState({ registers: [{ region: h.region, offset: hex(h.offset), width: h.width, rule, reads: 0, writes: 0, support: { reads: 0, first: [] } }] });
    for (const run of this.merged(h, others)) {
      dev.reset();
      for (const { key, e } of run) {
        const k = parseRegKey(key)!;
        if (e.w) dev.write(k.region, k.offset, k.width, e.v);
        else if (dev.read(k.region, k.offset, k.width).value !== e.v) return false;
      }
    }
    return true;
  }

  private dataport(h: Hist, from: string, all: bigint): DataportRule | undefined {
    const table = new Map<bigint, bigint>();
    let before: bigint | undefined;
    for (const run of this.merged(h, [from])) {
      let last: bigint | undefined;
      for (const { key, e } of run) {
        if (e.w && key === from) last = e.v;
        if (e.w || key !== h.key) continue;
        if (last === undefined) {
          if (before !== undefined && before !== e.v) return undefined;
          before = e.v;
        } else {
          const had = table.get(last);
          if (had !== undefined && had !== e.v) return undefined;
          table.set(last, e.v);
        }
      }
    }
    if (table.size === 0) return undefined;
    const fromWidth = parseRegKey(from)!.width;
    const keyMask = fromWidth >= 8 ? (1n << 64n) - 1n : (1n << BigInt(fromWidth * 8)) - 1n;
    // the default: what is read before any write to `from`, else the value most keys give
    let dflt = before;
    if (dflt === undefined) {
      const n = new Map<bigint, number>();
      for (const v of table.values()) n.set(v, (n.get(v) ?? 0) + 1);
      dflt = [...n].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    }
    const entries = [...table].filter(([, v]) => v !== dflt).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    void all;
    return { kind: 'dataport', from, keyMask: hex(keyMask), table: entries.map(([k, v]) => [hex(k), hex(v)]), default: hex(dflt) };
  }

  /** A serial EEPROM behind the register: its bits found, its read commands decoded, its words learned from the reads. */
  private eeprom(h: Hist, runs: Entry[][], varying: bigint, storageBits: bigint, reset: bigint, all: bigint): EepromRule | undefined {
    void storageBits;
    const width = h.width * 8;
    const bitsOf = (m: bigint) => [...Array(width).keys()].filter((b) => ((m >> BigInt(b)) & 1n) === 1n);
    const doCands = bitsOf(varying & ~storageBits);
    let wAnd = all;
    let wOr = 0n;
    const toggles = new Array<number>(width).fill(0);
    for (const r of runs) {
      let prev: bigint | undefined;
      for (const e of r) {
        if (!e.w) continue;
        wAnd &= e.v;
        wOr |= e.v;
        if (prev !== undefined) for (let b = 0; b < width; b++) if (((prev ^ e.v) >> BigInt(b)) & 1n) toggles[b]!++;
        prev = e.v;
      }
    }
    const wv = bitsOf((wAnd ^ wOr) & all);
    if (wv.length < 3 || doCands.length === 0) return undefined;
    const skCands = [...wv].sort((a, b) => toggles[b]! - toggles[a]! || a - b).slice(0, 2);
    // the bits other than DO: storage wherever they read back what was written (as for storage)
    const storeAll = this.storageBits(runs, all, reset);
    for (const dob of doCands) {
      const mask = storeAll & ~(1n << BigInt(dob));
      for (const sk of skCands)
        for (const cs of wv)
          for (const di of wv) {
            if (cs === sk || di === sk || di === cs || di === dob || cs === dob || sk === dob) continue;
            for (const addrBits of [6, 8, 7, 9, 10, 11, 12])
              for (const lead of [0, 1])
                for (const edge of ['rise', 'fall'] as const)
                  for (const deselect of ['idle', 'hold'] as const)
                    for (const sequential of [true, false])
                      for (const last of [false, true]) {
                        const base = { reset: hex(reset), mask: hex(mask), cs, sk, di, do: dob, addrBits, readOp: 2, lead, edge, deselect, sequential, idle: (last ? 'last' : 0) as EepromRule['idle'] };
                        const learned = this.eepromWords(runs, base, dob);
                        if (!learned) continue;
                        const rule: EepromRule = { kind: 'eeprom', ...base, idle: last ? 'last' : learned.idle, blank: '0xffff', words: learned.words };
                        if (this.verify(h, rule)) return rule;
                      }
          }
    }
    return undefined;
  }

  private eepromWords(runs: Entry[][], p: Omit<EepromRule, 'kind' | 'blank' | 'words'>, dob: number): { idle: 0 | 1; words: [string, string][] } | undefined {
    const words = new Map<number, { v: number; known: number }>();
    let idle: 0 | 1 | undefined;
    let data = 0;
    for (const r of runs) {
      const st = newEepromState();
      for (const e of r) {
        if (e.w) {
          eepromWrite(p, st, e.v);
          continue;
        }
        const d = Number((e.v >> BigInt(dob)) & 1n) as 0 | 1;
        const out = eepromOutput(p, st);
        if (out === 'idle') {
          if (idle !== undefined && idle !== d) return undefined;
          idle = d;
        } else if (out === 'zero') {
          if (d !== 0) return undefined;
        } else {
          const w = words.get(out.addr) ?? { v: 0, known: 0 };
          const m = 1 << out.bit;
          if (w.known & m && ((w.v & m) !== 0) !== (d === 1)) return undefined;
          w.known |= m;
          if (d) w.v |= m;
          words.set(out.addr, w);
          data++;
        }
      }
    }
    if (data < 16) return undefined;
    return {
      idle: idle ?? 0,
      words: [...words]
        .sort((a, b) => a[0] - b[0])
        .map(([a, w]) => [hex(a), hex((w.v | (0xffff & ~w.known)) & 0xffff)]),
    };
  }

  /** The recorded reads, keyed by the device's preceding write and its occurrence; capped. */
  private playback(h: Hist, runs: Entry[][]): { rule: Rule; note?: string } {
    const seqs = new Map<string, bigint[][]>();
    let initial: bigint | undefined;
    let conflicts = 0;
    let kept = 0;
    let capped = 0;
    for (const r of runs) {
      let cur: bigint[] | undefined;
      let curKey = '';
      let curK = -1;
      for (const e of r) {
        if (e.w) continue;
        initial ??= e.v;
        const k = Math.max(0, e.pkn - 1);
        if (e.pk !== curKey || k !== curK || cur === undefined) {
          curKey = e.pk;
          curK = k;
          let list = seqs.get(e.pk);
          if (!list) seqs.set(e.pk, (list = []));
          while (list.length <= k) list.push([]);
          cur = list[k]!;
          (cur as bigint[] & { i?: number }).i = 0;
        }
        const c = cur as bigint[] & { i?: number };
        const i = c.i!++;
        if (i < c.length) {
          if (c[i] !== e.v) conflicts++;
        } else c.push(e.v);
      }
    }
    const sequences = [...seqs]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([after, list]) => {
        // a run's trailing repeats are held anyway; trailing identical runs too
        const trimmed = list.map((run) => {
          let n = run.length;
          while (n > 1 && run[n - 1] === run[n - 2]) n--;
          return run.slice(0, n).map(hex);
        });
        while (trimmed.length > 1 && JSON.stringify(trimmed[trimmed.length - 1]) === JSON.stringify(trimmed[trimmed.length - 2])) trimmed.pop();
        return { after, runs: trimmed };
      });
    // the cap, on what is left after the repeats are folded: later runs and values go
    for (const seq of sequences) {
      for (let j = 0; j < seq.runs.length; j++) {
        const run = seq.runs[j]!;
        if (kept + run.length <= this.playbackCap) {
          kept += run.length;
          continue;
        }
        const room = this.playbackCap - kept;
        for (const r of seq.runs.slice(j + 1)) capped += r.length;
        capped += run.length - Math.max(room, 0);
        seq.runs.length = j + (room > 0 ? 1 : 0);
        if (room > 0) run.length = room;
        kept = this.playbackCap;
        break;
      }
    }
    const notes: string[] = [];
    if (capped) notes.push(`playback capped at ${this.playbackCap} values: ${capped} recorded values dropped`);
    if (conflicts) notes.push(`${conflicts} reads disagree between runs after the same write (the first run's kept)`);
    if (notes.length) this.notes.push(`register ${h.key}: ${notes.join('; ')}`);
    return { rule: { kind: 'playback', initial: hex(initial ?? 0n), sequences }, note: notes.length ? notes.join('; ') : 'no simpler rule explains every read' };
  }
}
