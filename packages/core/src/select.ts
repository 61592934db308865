/**
 * The selectors of the whole family, in one place: mmio-filter's options, which
 * every tool that reads events accepts (mmio-replay --dev 03:00.0 --region 2
 * trace.log is the main job in one process). Parsing of the options and the
 * selection itself, as a streaming state machine.
 */
import type { Argv } from 'yargs';
import { CONTEXT_TYPES, EVENT_TYPES } from './events.js';
import { UsageError } from './errors.js';
import { parseNumber } from './hex.js';
import { DEV_FORMS, devOption } from './pci.js';
import { overlaps, parseRange, type Range } from './range.js';

/** What the selectors select on; every list matches any of its items. */
export interface SelectOptions {
  types?: Set<string>;
  devs?: Set<string>;
  regions?: Set<number>;
  names?: RegExp[];
  /** MemoryRegion pointers (canonical hex): tell regions apart where QEMU prints no name. */
  mrs?: Set<string>;
  offsets?: Range[];
  addrs?: Range[];
  widths?: Set<number>;
  values?: Set<bigint>;
  since?: TimeBound;
  until?: TimeBound;
  fromMark?: string;
  toMark?: string;
  lines?: { from: number; to: number }[];
  invert: boolean;
  /** The option values as given, for messages. */
  raw?: Record<string, string[]>;
}

/** An absolute time, or one relative to the first event's time (`+0.5`). */
export interface TimeBound {
  seconds: number;
  relative: boolean;
}

/** Raw option values as yargs gives them: strings, possibly repeated. */
export type RawOptions = Record<string, unknown>;

/** Flatten repeated options and comma lists into one list of trimmed items. */
export function items(v: unknown): string[] {
  if (v === undefined || v === null || v === false) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A shell-style glob (`*`, `?`, `[…]`) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}

function time(v: unknown, option: string): TimeBound | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const m = /^(\+)?(\d+(?:\.\d*)?|\.\d+)$/.exec(s);
  if (!m) throw new UsageError(`${option} ${JSON.stringify(s)}: expected seconds, absolute (1581830832.15) or relative to the first event (+0.5)`);
  return { seconds: Number(m[2]), relative: m[1] === '+' };
}

function lineRange(s: string): { from: number; to: number } {
  const m = /^(\d*)-(\d*)$/.exec(s) ?? /^(\d+)()$/.exec(s);
  if (!m || (m[1] === '' && m[2] === '')) throw new UsageError(`--lines ${JSON.stringify(s)}: expected A-B, A- or -B (line numbers, inclusive)`);
  const from = m[1] === '' ? 1 : +m[1]!;
  const to = m[2] === '' ? (s.includes('-') ? Infinity : from) : +m[2]!;
  if (to < from) throw new UsageError(`--lines ${JSON.stringify(s)}: the range is empty`);
  return { from, to };
}

/** Turn raw option values into SelectOptions; bad values are UsageErrors with the reason. */
export function parseSelectOptions(o: RawOptions): SelectOptions {
  const opts: SelectOptions = { invert: Boolean(o.invert), raw: {} };
  for (const k of ['dev', 'region', 'name', 'mr']) opts.raw![k] = items(o[k]);
  const types = items(o.type);
  if (types.length) {
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type ${JSON.stringify(t)}: not an event type (${EVENT_TYPES.join(', ')})`);
    }
    opts.types = new Set(types);
  }
  const devs = items(o.dev);
  if (devs.length) {
    opts.devs = new Set(
      devs.map((d) => {
        const dev = devOption(d);
        if (dev === undefined) throw new UsageError(`--dev ${JSON.stringify(d)}: not a PCI address, so it can never match; give ${DEV_FORMS}`);
        return dev;
      }),
    );
  }
  const regions = items(o.region);
  if (regions.length) {
    opts.regions = new Set(
      regions.map((r) => {
        if (!/^\d+$/.test(r)) throw new UsageError(`--region ${JSON.stringify(r)}: not a region index (0-5 BARs, 6 ROM, 7 config, 8 VGA)`);
        return +r;
      }),
    );
  }
  const names = Array.isArray(o.name) ? o.name.map(String) : o.name !== undefined ? [String(o.name)] : [];
  if (names.length) {
    opts.names = names.flatMap((n) => n.split(',')).map((g) => {
      try {
        return globToRegExp(g);
      } catch {
        throw new UsageError(`--name ${JSON.stringify(g)}: not a glob (a [...] class out of order?)`);
      }
    });
  }
  const mrs = items(o.mr);
  if (mrs.length) {
    opts.mrs = new Set(
      mrs.map((m) => {
        const n = parseNumber(m);
        if (n === undefined || !/^0[xX]/.test(m)) throw new UsageError(`--mr ${JSON.stringify(m)}: expected a MemoryRegion pointer as the trace prints it (0x55ce237eb4a0)`);
        return '0x' + n.toString(16);
      }),
    );
  }
  const offsets = items(o.offset);
  if (offsets.length) opts.offsets = offsets.map((r) => parseRange(r, '--offset'));
  const addrs = items(o.addr);
  if (addrs.length) opts.addrs = addrs.map((r) => parseRange(r, '--addr'));
  const widths = items(o.width);
  if (widths.length) {
    opts.widths = new Set(
      widths.map((w) => {
        if (!['1', '2', '4', '8'].includes(w)) throw new UsageError(`--width ${JSON.stringify(w)}: must be 1, 2, 4 or 8`);
        return +w;
      }),
    );
  }
  const values = items(o.value);
  if (values.length) {
    opts.values = new Set(
      values.map((v) => {
        const n = parseNumber(v);
        if (n === undefined) throw new UsageError(`--value ${JSON.stringify(v)}: not a number (hex 0x… or decimal)`);
        return n;
      }),
    );
  }
  opts.since = time(o.since, '--since');
  opts.until = time(o.until, '--until');
  if (o.fromMark !== undefined) opts.fromMark = String(o.fromMark);
  if (o.toMark !== undefined) opts.toMark = String(o.toMark);
  const lines = items(o.lines);
  if (lines.length) opts.lines = lines.map(lineRange);
  return opts;
}

/** Does any selector select (so that events must be looked at)? */
export function selects(o: SelectOptions): boolean {
  return Boolean(
    o.types || o.devs || o.regions || o.names || o.mrs || o.offsets || o.addrs || o.widths || o.values || o.since || o.until || o.fromMark !== undefined || o.lines || o.invert,
  );
}

type Ev = Record<string, unknown> & { type: string };

/**
 * The selection as a streaming state machine: `pass` each event in order; it
 * says whether the event is selected (`'select'`), passes as context
 * (`'context'`), or is left out (false). Context events (device, map, mark,
 * region, irq, ...) pass unless --type leaves them out or they name a device or
 * region that --dev or --region do not select.
 */
export class Selection {
  private firstT: number | undefined;
  private windowOpen: boolean;
  private windowDone = false;
  /** Events selected, and what the input had, for the word on a selector that matched nothing. */
  selected = 0;
  private readonly seen = { devs: new Set<string>(), regions: new Set<number>(), names: new Set<string>(), mrs: new Set<string>(), offsets: 0, addrs: 0, marks: 0, accesses: 0 };
  private readonly hit = { devs: 0, regions: 0, names: 0, mrs: 0, marks: 0 };

  constructor(readonly o: SelectOptions) {
    this.windowOpen = o.fromMark === undefined;
  }

  /** Note what an event has (at most 1,000 values of each kind are kept, for the message). */
  private lastDev: unknown;
  private lastRegion: unknown;
  private note(ev: Ev): void {
    const s = this.seen;
    // Runs of one device and region are the rule: only a change is looked up.
    if (ev.dev !== this.lastDev) {
      this.lastDev = ev.dev;
      if (typeof ev.dev === 'string' && s.devs.size < 1000) s.devs.add(ev.dev);
    }
    if (ev.region !== this.lastRegion) {
      this.lastRegion = ev.region;
      if (typeof ev.region === 'number' && s.regions.size < 1000) s.regions.add(ev.region);
    }
    if (typeof ev.name === 'string' && s.names.size < 1000) s.names.add(ev.name);
    if (typeof ev.mr === 'string' && s.mrs.size < 1000) s.mrs.add(ev.mr);
    if (ev.type === 'read' || ev.type === 'write') {
      s.accesses++;
      if (ev.offset !== undefined) s.offsets++;
      if (ev.addr !== undefined) s.addrs++;
    }
  }

  /**
   * When nothing was selected: one line per selector that matched no event, naming
   * what the input does have (`--dev 0:4.0 matched no event (devices in the input:
   * 0000:00:03.0)`). Empty when something was selected or no selector was given.
   */
  report(): string[] {
    if (this.selected > 0 || !selects(this.o)) return [];
    const o = this.o;
    const list = <T>(xs: Set<T>) => (xs.size === 0 ? 'none' : [...xs].slice(0, 8).map(String).join(', ') + (xs.size > 8 ? `, … (${xs.size} in all)` : ''));
    const out: string[] = [];
    const raw = (k: string) => (o.raw?.[k] ?? []).join(',');
    if (o.devs && this.hit.devs === 0) out.push(`--dev ${raw('dev')} matched no event (devices in the input: ${list(this.seen.devs)})`);
    if (o.regions && this.hit.regions === 0) out.push(`--region ${raw('region')} matched no event (regions in the input: ${list(this.seen.regions)})`);
    if (o.names && this.hit.names === 0) out.push(`--name ${raw('name')} matched no event (memory-region names in the input: ${list(this.seen.names)})`);
    if (o.mrs && this.hit.mrs === 0) out.push(`--mr ${raw('mr')} matched no event (MemoryRegion pointers in the input: ${list(this.seen.mrs)})`);
    if (o.offsets && this.seen.offsets === 0 && this.seen.accesses > 0) out.push('--offset matched no event: the accesses in the input have no region offset, only an absolute address (try --addr)');
    if (o.addrs && this.seen.addrs === 0 && this.seen.accesses > 0) out.push('--addr matched no event: the accesses in the input have no absolute address, only a region offset (try --offset)');
    if (o.fromMark !== undefined && this.hit.marks === 0) out.push(`--from-mark ${JSON.stringify(o.fromMark)} matched no mark (${this.seen.marks} mark${this.seen.marks === 1 ? '' : 's'} in the input)`);
    if (out.length === 0) out.push(`the selectors matched no event (${this.seen.accesses} access${this.seen.accesses === 1 ? '' : 'es'} in the input)`);
    return out;
  }

  /** Does an event that is not context match every selector given? */
  matches(ev: Ev, line: number | undefined): boolean {
    const o = this.o;
    if (o.devs && !(typeof ev.dev === 'string' && o.devs.has(ev.dev))) return false;
    if (o.devs) this.hit.devs++;
    if (o.regions && !(typeof ev.region === 'number' && o.regions.has(ev.region))) return false;
    if (o.regions) this.hit.regions++;
    if (o.names && !(typeof ev.name === 'string' && o.names.some((r) => r.test(ev.name as string)))) return false;
    if (o.names) this.hit.names++;
    if (o.mrs && !(typeof ev.mr === 'string' && o.mrs.has(ev.mr))) return false;
    if (o.mrs) this.hit.mrs++;
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

  private bound(b: TimeBound): number {
    return b.relative ? (this.firstT ?? 0) + b.seconds : b.seconds;
  }

  /** The next event, in input order: selected, context, or left out. */
  pass(ev: Ev): 'select' | 'context' | false {
    const o = this.o;
    if (this.firstT === undefined && typeof ev.t === 'number') this.firstT = ev.t;
    // What the input has is only told when nothing was selected: once something is, no need to note it.
    if (this.selected === 0) this.note(ev);
    if (ev.type === 'mark') {
      this.seen.marks++;
      this.moveWindow(String(ev.text ?? ''));
    }
    if (o.types && !o.types.has(ev.type)) return false;
    if (CONTEXT_TYPES.has(ev.type)) {
      if (o.devs && typeof ev.dev === 'string' && !o.devs.has(ev.dev)) return false;
      if (o.regions && typeof ev.region === 'number' && !o.regions.has(ev.region)) return false;
      return 'context';
    }
    if (!this.windowOpen) return false;
    const line = typeof ev.line === 'number' ? ev.line : undefined;
    if (this.matches(ev, line) === o.invert) return false;
    this.selected++;
    return 'select';
  }

  private moveWindow(text: string): void {
    const o = this.o;
    if (!this.windowOpen && !this.windowDone && o.fromMark !== undefined && text.includes(o.fromMark)) {
      this.windowOpen = true;
      this.hit.marks++;
    }
    else if (this.windowOpen && o.toMark !== undefined && text.includes(o.toMark)) {
      this.windowOpen = false;
      this.windowDone = true;
    }
  }
}

/**
 * Declare the selector options on a yargs parser, with one meaning and one
 * description for the whole family.
 */
export function selectorOptions<T>(y: Argv<T>): Argv<T> {
  const str = (describe: string) => ({ type: 'string' as const, describe, requiresArg: true, group: 'Selectors (as mmio-filter):' });
  return y
    .option('type', { alias: 't', ...str(`event types: ${EVENT_TYPES.join(',')}`) })
    .option('dev', { alias: 'd', ...str('PCI device, 0000:03:00.0 or 03:00.0 (or a VFIO name as printed)') })
    .option('region', { alias: 'r', ...str('VFIO region index: 0-5 BARs, 6 ROM, 7 config space, 8 VGA') })
    .option('name', { alias: 'n', ...str("memory-region name, a glob: 'e1000-*'") })
    .option('mr', { ...str('MemoryRegion pointer of memory_region_ops events (0x55ce237eb4a0): tells regions apart where QEMU prints no name') })
    .option('offset', { ...str('region offset range START-END (END exclusive) or START+LENGTH; an access matches when any of its bytes is inside') })
    .option('addr', { ...str('absolute address range, as --offset') })
    .option('width', { alias: 'w', ...str('access widths in bytes: 1,2,4,8') })
    .option('value', { ...str('values, compared as numbers (0x00a5 equals 0xa5)') })
    .option('since', { ...str('keep events at or after this time: seconds, or +S after the first event') })
    .option('until', { ...str('keep events before this time: seconds, or +S after the first event') })
    .option('from-mark', { ...str('start at the first mark whose text contains this') })
    .option('to-mark', { ...str('stop at the next mark whose text contains this') })
    .option('lines', { alias: 'l', ...str('source line numbers A-B (inclusive), A- or -B') })
    .option('invert', { alias: 'v', type: 'boolean', default: false, describe: 'keep the events that do not match', group: 'Selectors (as mmio-filter):' }) as unknown as Argv<T>;
}
