/**
 * The model of a device (docs/model.md): its types, and the one definition of what each rule
 * answers. Everything here is pure: no I/O, no learning. `mmio-model check` answers a trace's
 * reads with `DeviceState`, the learner verifies its rules with it, and `mmio-model qemu` writes
 * the same state machines in C. A rule's state is a handful of integers per register (and, for the
 * EEPROM, a shift register), so a port is a switch over `kind`.
 */

/** The schema this code reads and writes; a model of another schema is refused. */
export const SCHEMA = 'mmio-model/1';

/** Rule kinds, simplest first: the learner tries them in this order. */
export const RULE_KINDS = ['constant', 'storage', 'w1c', 'self-clearing', 'counter', 'poll', 'dataport', 'eeprom', 'playback'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Where a fact came from: a trace (file:line) or the command line. */
export type Origin = 'trace' | 'given' | 'default';

/** The reads that support a rule: how many, and the first line of each input that has one. */
export interface Support {
  reads: number;
  /** "file:line", one per input file that has a supporting read, in input order. */
  first: string[];
}

/** A register: the bytes [offset, offset+width) of a BAR, accessed `width` bytes wide. */
export interface RegisterRef {
  /** BAR index 0-5. */
  region: number;
  /** Hex offset in the BAR. */
  offset: string;
  width: number;
}

/** The key of a register in tables and `from`/`after` fields: "REGION:OFFSET:WIDTH" ("0:0x10:4"). */
export function regKey(region: number, offset: bigint | string, width: number): string {
  const off = typeof offset === 'string' ? BigInt(offset) : offset;
  return `${region}:0x${off.toString(16)}:${width}`;
}

export function parseRegKey(key: string): { region: number; offset: bigint; width: number } | undefined {
  const m = /^(\d+):(0x[0-9a-f]+):([1248])$/.exec(key);
  if (!m) return undefined;
  return { region: +m[1]!, offset: BigInt(m[2]!), width: +m[3]! };
}

/** A read answers the same value for ever. */
export interface ConstantRule {
  kind: 'constant';
  value: string;
}

/**
 * The value kept by the bit rules (storage, w1c, self-clearing): `v`, from `reset`. A write `w`:
 *   v = (w & mask) | (v & ~mask)          — the writable bits take the written value
 *   v = v & ~(w & w1c)                    — a 1 written to a write-1-to-clear bit clears it
 * and for `clear` bits (self-clearing): written 1s read back as 1 for `after` reads, then 0
 * (after 0: at once). A read answers v.
 */
export interface StorageRule {
  kind: 'storage';
  reset: string;
  mask: string;
}
export interface W1cRule {
  kind: 'w1c';
  reset: string;
  mask: string;
  w1c: string;
}
export interface SelfClearingRule {
  kind: 'self-clearing';
  reset: string;
  mask: string;
  /** Bits (a subset of mask) that clear themselves. */
  clear: string;
  /** Reads that still see a written 1, before it reads 0. */
  after: number;
}

/** A read answers v, then v += step (modulo the width). Writes are ignored. */
export interface CounterRule {
  kind: 'counter';
  start: string;
  step: string;
}

/**
 * A write to `after` (a register key; it may be this register) starts a poll: the next `reads`
 * reads of this register answer `busy`, the ones after `final`. Before any such write: `final`.
 * Counted in reads, never in time.
 */
export interface PollRule {
  kind: 'poll';
  after: string;
  busy: string;
  reads: number;
  final: string;
}

/**
 * The read answers table[last value written to `from` & keyMask] (`from` may be this register),
 * or `default` when that key is not in the table or `from` was never written. An EEPROM or PHY
 * read register: the address written, the word read back.
 */
export interface DataportRule {
  kind: 'dataport';
  from: string;
  keyMask: string;
  /** [key, value] pairs, sorted by key. */
  table: [string, string][];
  default: string;
}

/**
 * A bit-banged serial (Microwire, 93Cx6) EEPROM behind one register. Bits are numbers (0 = LSB).
 * The bits other than `do` behave as storage (reset, mask). A write:
 *   - cs low: the EEPROM is idle (deselect 'idle') or frozen with its output held ('hold');
 *     a command starts afresh when cs rises;
 *   - a rising edge of sk with cs high, not outputting, shifts `di` in: leading 0s are skipped
 *     until the start bit (1); then 2 opcode bits and `addrBits` address bits; when the last
 *     address bit is in and the opcode is `readOp`, output starts: index = `lead`;
 *   - while outputting, each later edge of sk of the kind `edge` (rise or fall): index += 1;
 *     past the 16th bit a `sequential` EEPROM goes on with the next word, another ends the
 *     command there (that edge then counts as a command edge: a 1 on di is a start bit).
 * A read answers v with the `do` bit: while outputting, bit (16 - index) of words[addr + k]
 *   (k = how many whole words were already shifted out; index 0 is the dummy 0 bit), else `idle`:
 *   0, 1, or 'last' (the last bit the EEPROM drove, 0 before any; 0 while cs is low). Words not
 *   in the table read `blank`.
 */
export interface EepromRule {
  kind: 'eeprom';
  reset: string;
  mask: string;
  cs: number;
  sk: number;
  di: number;
  do: number;
  addrBits: number;
  readOp: number;
  lead: number;
  /** The clock edge that moves the output on: 'rise' (a 93C46 as its data sheet says) or 'fall'. */
  edge: 'rise' | 'fall';
  /**
   * cs low: 'idle' (the default) — the EEPROM goes idle at once (DO reads `idle`, a 93C46's data sheet);
   * 'hold' — it is frozen, DO still shows the current output bit, until cs rises (QEMU's e1000).
   */
  deselect?: 'idle' | 'hold';
  /** Past a word's 16th bit: on with the next word (true, the default) or the command ends (false). */
  sequential?: boolean;
  /** DO when not outputting: 0, 1, or 'last' (the last bit driven, held; 0 while cs is low). */
  idle: 0 | 1 | 'last';
  blank: string;
  /** [address, word] pairs, sorted by address. */
  words: [string, string][];
}

/**
 * The recorded reads, keyed by the write that precedes them: `after` is the device's last write
 * ("REGION:OFFSET:WIDTH=VALUE"; "" before any write). The k-th time that write happens (0-based,
 * counted in the device's writes) its reads are `runs[min(k, runs.length-1)]`, the i-th read since
 * the write answering `values[min(i, length-1)]`. A write with no entry: the register holds the
 * last value it answered (`initial` before any).
 */
export interface PlaybackRule {
  kind: 'playback';
  initial: string;
  sequences: { after: string; runs: string[][] }[];
}

export type Rule = ConstantRule | StorageRule | W1cRule | SelfClearingRule | CounterRule | PollRule | DataportRule | EepromRule | PlaybackRule;

export interface RegisterModel extends RegisterRef {
  rule: Rule;
  /** Reads and writes of the register in the traces learned from. */
  reads: number;
  writes: number;
  support: Support;
  /** What mmio-regs calls this register (its `kind`, from the same code), in the runs learned from. */
  regs?: string[];
  /**
   * The first run's reads of the register, in order (trailing repeats dropped, capped as playback):
   * the two baselines of `check` — first read (`recorded[0]`) and per-register playback.
   */
  recorded?: string[];
  /** Why a simpler rule did not fit, or what was capped. */
  note?: string;
}

export interface BarModel {
  index: number;
  /** Hex size in bytes (a power of two). */
  size: string;
  kind: 'mem32' | 'mem64' | 'io';
  prefetchable: boolean;
  /** sizing: the BAR's sizing write and read back; region: a region or device event; span: the accesses; given: --bar. */
  from: 'sizing' | 'region' | 'span' | 'given';
  /** The memory-region names seen for it (QEMU memory-ops traces). */
  names?: string[];
}

export interface IdentityModel {
  vendor?: string;
  device?: string;
  subvendor?: string;
  subdevice?: string;
  /** 24-bit class code, "0x020000". */
  class?: string;
  revision?: string;
  /** For each field above: "trace" (with file:line), "given" or "default". */
  from: Record<string, string>;
}

export interface ConfigModel {
  /** The config space as the traces read it: [offset, byte] pairs for every byte read, sorted. */
  bytes: [string, string][];
  /** Bytes whose bits the driver wrote and read back changed: [offset, mask]. */
  writable: [string, string][];
}

export interface Model {
  schema: typeof SCHEMA;
  generator: string;
  /** The inputs learned from: file, device, accesses. */
  sources: { file: string; dev?: string; names?: string[]; accesses: number }[];
  identity: IdentityModel;
  bars: BarModel[];
  config: ConfigModel;
  /** Sorted by region, offset, width. */
  registers: RegisterModel[];
  /** The write-only registers (nothing to answer; kept for the writes' count and a QEMU device's sake). */
  writeOnly: (RegisterRef & { writes: number })[];
  /** The caps in force when learning, so that a reader knows what was cut. */
  limits: { playbackValues: number; history: number };
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Answering: one state machine per register.

const bitsOf = (width: number): bigint => (width >= 8 ? (1n << 64n) - 1n : (1n << BigInt(width * 8)) - 1n);
const H = (s: string): bigint => BigInt(s);

/** The state of one register's rule. */
interface RegState {
  rule: Rule;
  key: string;
  all: bigint;
  /** Current value (bit rules, counter, eeprom's non-DO bits, playback's held value). */
  v: bigint;
  // self-clearing
  pending: bigint;
  left: number;
  // poll
  pollReads: number;
  // eeprom
  ee?: EepromState;
  // playback: reads since the device's write number seqAt
  seqIndex: number;
  seqAt: number;
  // parsed tables
  table?: Map<bigint, bigint>;
  words?: Map<number, bigint>;
  seqs?: Map<string, bigint[][]>;
}

export interface EepromState {
  cs: boolean;
  sk: boolean;
  started: boolean;
  nIn: number;
  shift: number;
  /** -1: not outputting. */
  index: number;
  addr: number;
  /** The last bit driven: its word's address and bit (lastAddr -1: a 0, the dummy bit or none yet). */
  lastAddr: number;
  lastBit: number;
}

function initState(r: RegState): void {
  const rule = r.rule;
  r.pending = 0n;
  r.left = 0;
  r.seqIndex = 0;
  r.seqAt = 0;
  switch (rule.kind) {
    case 'constant':
      r.v = H(rule.value);
      break;
    case 'storage':
    case 'w1c':
    case 'self-clearing':
    case 'eeprom':
      r.v = H(rule.reset);
      break;
    case 'counter':
      r.v = H(rule.start);
      break;
    case 'poll':
      r.v = H(rule.final);
      r.pollReads = rule.reads; // before any write: final
      break;
    case 'dataport':
      r.v = H(rule.default);
      break;
    case 'playback':
      r.v = H(rule.initial);
      break;
  }
  if (rule.kind === 'eeprom') r.ee = newEepromState();
}

function makeState(reg: RegisterModel): RegState {
  const rule = reg.rule;
  const r: RegState = { rule, key: regKey(reg.region, reg.offset, reg.width), all: bitsOf(reg.width), v: 0n, pending: 0n, left: 0, pollReads: 0, seqIndex: 0, seqAt: 0 };
  if (rule.kind === 'dataport') r.table = new Map(rule.table.map(([k, v]) => [H(k), H(v)]));
  if (rule.kind === 'eeprom') r.words = new Map(rule.words.map(([a, w]) => [Number(a), H(w)]));
  if (rule.kind === 'playback') r.seqs = new Map(rule.sequences.map((s) => [s.after, s.runs.map((run) => run.map(H))]));
  initState(r);
  return r;
}

/** The device's state: every register's rule, the last value written to each register, the last write. */
export class DeviceState {
  private regs = new Map<string, RegState>();
  /** Registers by region, for reads of bytes inside a register of another width. */
  private byRegion = new Map<number, { off: bigint; width: number; key: string }[]>();
  /** The last value written to each register key (any register, modelled or not). */
  private lastWritten = new Map<string, bigint>();
  /** Polls started by a write to a register: key → the registers whose poll it starts. */
  private pollers = new Map<string, RegState[]>();
  /** The device's last write, "KEY=VALUE", and how many times each write keyed by playback happened. */
  private lastWrite = '';
  private occurrences = new Map<string, number>();
  private playbackKeys = new Set<string>();
  /** The device's writes so far: a playback register starts its sequence afresh at any write. */
  writes = 0;

  constructor(readonly model: Pick<Model, 'registers'>) {
    for (const reg of model.registers) {
      const s = makeState(reg);
      this.regs.set(s.key, s);
      let list = this.byRegion.get(reg.region);
      if (!list) this.byRegion.set(reg.region, (list = []));
      list.push({ off: H(reg.offset), width: reg.width, key: s.key });
      if (reg.rule.kind === 'poll') {
        const l = this.pollers.get(reg.rule.after) ?? [];
        l.push(s);
        this.pollers.set(reg.rule.after, l);
      }
      if (reg.rule.kind === 'playback') for (const seq of reg.rule.sequences) this.playbackKeys.add(seq.after);
    }
  }

  /** Back to reset (a new run of the driver on a fresh device). */
  reset(): void {
    for (const s of this.regs.values()) initState(s);
    this.lastWritten.clear();
    this.lastWrite = '';
    this.occurrences.clear();
    this.writes = 0;
  }

  /** The rule of a register, if the model has one. */
  ruleOf(region: number, offset: bigint, width: number): Rule | undefined {
    return this.regs.get(regKey(region, offset, width))?.rule;
  }

  write(region: number, offset: bigint, width: number, value: bigint): void {
    const key = regKey(region, offset, width);
    value &= bitsOf(width);
    this.lastWritten.set(key, value);
    const wkey = `${key}=0x${value.toString(16)}`;
    this.lastWrite = wkey;
    if (this.playbackKeys.has(wkey)) this.occurrences.set(wkey, (this.occurrences.get(wkey) ?? 0) + 1);
    this.writes++;
    for (const p of this.pollers.get(key) ?? []) p.pollReads = 0;
    const s = this.regs.get(key);
    if (s) writeRule(s, value);
  }

  /** The value a read answers, and the rule that answered (undefined: no rule, 0 answered). */
  read(region: number, offset: bigint, width: number): { value: bigint; kind: RuleKind | undefined } {
    const key = regKey(region, offset, width);
    const s = this.regs.get(key);
    if (s) return { value: readRule(s, this), kind: s.rule.kind };
    // A read of bytes inside a register of another width: its current value's bytes, no side effect.
    for (const r of this.byRegion.get(region) ?? []) {
      if (offset >= r.off && offset + BigInt(width) <= r.off + BigInt(r.width)) {
        const t = this.regs.get(r.key)!;
        return { value: (peekRule(t, this) >> ((offset - r.off) * 8n)) & bitsOf(width), kind: t.rule.kind };
      }
    }
    return { value: 0n, kind: undefined };
  }

  /** @internal for rules: the last value written to a register. */
  written(key: string): bigint | undefined {
    return this.lastWritten.get(key);
  }
  /** @internal for playback: the device's last write and how many times it happened before. */
  lastWriteOccurrence(): { key: string; k: number } {
    return { key: this.lastWrite, k: Math.max(0, (this.occurrences.get(this.lastWrite) ?? 1) - 1) };
  }
}

function writeRule(s: RegState, w: bigint): void {
  const rule = s.rule;
  switch (rule.kind) {
    case 'storage': {
      const m = H(rule.mask);
      s.v = (w & m) | (s.v & ~m & s.all);
      return;
    }
    case 'w1c': {
      const m = H(rule.mask);
      s.v = ((w & m) | (s.v & ~m & s.all)) & ~(w & H(rule.w1c)) & s.all;
      return;
    }
    case 'self-clearing': {
      const m = H(rule.mask);
      const c = H(rule.clear);
      s.v = (w & m) | (s.v & ~m & s.all);
      s.pending = w & c;
      if (rule.after === 0 || s.pending === 0n) {
        s.v &= ~c & s.all;
        s.pending = 0n;
      } else s.left = rule.after;
      return;
    }
    case 'eeprom': {
      const m = H(rule.mask);
      s.v = (w & m) | (s.v & ~m & s.all);
      eepromWrite(rule, s.ee!, w);
      return;
    }
    default:
      return; // constant, counter, poll, dataport, playback: a write to the register itself changes nothing here
  }
}

function bit(w: bigint, n: number): boolean {
  return ((w >> BigInt(n)) & 1n) === 1n;
}

type EepromParams = Pick<EepromRule, 'cs' | 'sk' | 'di' | 'addrBits' | 'readOp' | 'lead' | 'edge' | 'deselect' | 'sequential' | 'idle'>;

function endCommand(e: EepromState): void {
  e.started = false;
  e.nIn = 0;
  e.shift = 0;
  e.index = -1;
}

/** Where output index `i` is: its word's address and bit. */
function position(rule: Pick<EepromRule, 'addrBits'>, e: EepromState, i: number): { addr: number; bit: number } {
  const k = Math.floor((i - 1) / 16);
  return { addr: (e.addr + k) % 2 ** rule.addrBits, bit: 15 - ((i - 1) % 16) };
}

function driven(rule: EepromParams, e: EepromState): void {
  if (e.index <= 0) e.lastAddr = -1;
  else {
    const p = position(rule, e, e.index);
    e.lastAddr = p.addr;
    e.lastBit = p.bit;
  }
}

export function eepromWrite(rule: EepromParams, e: EepromState, w: bigint): void {
  const cs = bit(w, rule.cs);
  const sk = bit(w, rule.sk);
  if (!cs) {
    e.cs = false;
    e.sk = sk;
    if (rule.deselect === 'hold') return; // frozen, its output held, until cs rises again
    endCommand(e);
    return;
  }
  if (!e.cs) endCommand(e); // cs rises: a new command
  const rising = sk && !e.sk;
  const falling = !sk && e.sk;
  e.cs = true;
  e.sk = sk;
  if (e.index >= 0) {
    if (!(rule.edge === 'fall' ? falling : rising)) return;
    if (rule.sequential !== false || e.index < 16) {
      e.index++;
      driven(rule, e);
      return;
    }
    endCommand(e); // the command ends; this edge is a command edge
  }
  if (!rising) return;
  const di = bit(w, rule.di) ? 1 : 0;
  if (!e.started) {
    if (di === 1) e.started = true;
    return;
  }
  if (e.nIn >= 2 + rule.addrBits) return; // a command other than read: ignored to the end
  e.shift = e.shift * 2 + di;
  e.nIn++;
  if (e.nIn === 2 + rule.addrBits) {
    const op = Math.floor(e.shift / 2 ** rule.addrBits);
    e.addr = e.shift % 2 ** rule.addrBits;
    if (op === rule.readOp) {
      e.index = rule.lead;
      driven(rule, e);
    }
  }
}

/** What the EEPROM drives on DO now: its idle level, a 0 (the dummy bit), or a bit of a word. */
export function eepromOutput(rule: EepromParams, e: EepromState): 'idle' | 'zero' | { addr: number; bit: number } {
  if (!e.cs && rule.deselect !== 'hold') return rule.idle === 'last' ? 'zero' : 'idle';
  if (e.index < 0) {
    if (rule.idle !== 'last') return 'idle';
    return e.lastAddr < 0 ? 'zero' : { addr: e.lastAddr, bit: e.lastBit };
  }
  if (e.index === 0) return 'zero';
  return position(rule, e, e.index);
}

export function newEepromState(): EepromState {
  return { cs: false, sk: false, started: false, nIn: 0, shift: 0, index: -1, addr: 0, lastAddr: -1, lastBit: 0 };
}

function eepromDo(rule: EepromRule, s: RegState): number {
  const out = eepromOutput(rule, s.ee!);
  if (out === 'idle') return rule.idle === 1 ? 1 : 0;
  if (out === 'zero') return 0;
  const word = s.words!.get(out.addr) ?? H(rule.blank);
  return Number((word >> BigInt(out.bit)) & 1n);
}

function peekRule(s: RegState, dev: DeviceState): bigint {
  const rule = s.rule;
  switch (rule.kind) {
    case 'poll':
      return s.pollReads < rule.reads ? H(rule.busy) : H(rule.final);
    case 'dataport': {
      const w = dev.written(rule.from);
      if (w === undefined) return H(rule.default);
      return s.table!.get(w & H(rule.keyMask)) ?? H(rule.default);
    }
    case 'eeprom': {
      const d = BigInt(eepromDo(rule, s)) << BigInt(rule.do);
      return (s.v & ~(1n << BigInt(rule.do)) & s.all) | d;
    }
    case 'playback': {
      if (s.seqAt !== dev.writes) {
        s.seqAt = dev.writes;
        s.seqIndex = 0;
      }
      const { key, k } = dev.lastWriteOccurrence();
      const runs = s.seqs!.get(key);
      if (!runs || runs.length === 0) return s.v;
      const run = runs[Math.min(k, runs.length - 1)]!;
      if (run.length === 0) return s.v;
      return run[Math.min(s.seqIndex, run.length - 1)]!;
    }
    default:
      return s.v;
  }
}

function readRule(s: RegState, dev: DeviceState): bigint {
  const rule = s.rule;
  const r = peekRule(s, dev);
  switch (rule.kind) {
    case 'self-clearing':
      if (s.left > 0 && --s.left === 0) {
        s.v &= ~s.pending & s.all;
        s.pending = 0n;
      }
      break;
    case 'counter':
      s.v = (s.v + H(rule.step)) & s.all;
      break;
    case 'poll':
      s.pollReads++;
      break;
    case 'playback':
      s.seqIndex++;
      s.v = r;
      break;
  }
  return r;
}

/** A hex string as the family writes them: 0x, lower case, no leading zeros. */
export function hex(n: bigint | number): string {
  return '0x' + n.toString(16);
}
