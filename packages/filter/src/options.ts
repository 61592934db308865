import { EVENT_TYPES, UsageError, canonicalDev, parseNumber, parseRange, type Range } from '@mmio-tools/core';

/** What mmio-filter selects on; every list matches any of its items. */
export interface FilterOptions {
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
  collapsePolls: boolean;
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

/** Turn raw option values into FilterOptions; bad values are UsageErrors with the reason. */
export function parseFilterOptions(o: RawOptions): FilterOptions {
  const opts: FilterOptions = { invert: Boolean(o.invert), collapsePolls: Boolean(o.collapsePolls) };
  const types = items(o.type);
  if (types.length) {
    for (const t of types) {
      if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type ${JSON.stringify(t)}: not an event type (${EVENT_TYPES.join(', ')})`);
    }
    opts.types = new Set(types);
  }
  const devs = items(o.dev);
  if (devs.length) opts.devs = new Set(devs.map(canonicalDev));
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
