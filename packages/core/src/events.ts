/**
 * The v1 event schema shared by every mmio-tools program. One JSON object per
 * line, `type` first. A field always has the same JSON type, or is absent.
 * See docs/events.md for the contract and an example of every type.
 */
import { numberText } from './number.js';

export type AccessType = 'read' | 'write';

export interface AccessEvent {
  type: AccessType;
  /** Which trace event it came from: vfio, vfio-config, vfio-rom, vfio-vga, memory, mmiotrace. */
  src?: string;
  /** PCI address DDDD:BB:DD.F (or the VFIO device name as printed). */
  dev?: string;
  /** VFIO region index: 0-5 BARs, 6 ROM, 7 config space, 8 VGA. */
  region?: number;
  /** Memory-region name of memory_region_ops_* events. */
  name?: string;
  /** Offset inside the region, `0x…`. */
  offset?: string;
  /** Absolute physical address, `0x…`. */
  addr?: string;
  width: number;
  /** Value, `0x…` lowercase without leading zeros. */
  value: string;
  /** Instruction pointer of the access (mmiotrace). */
  pc?: string;
  /** The id of the mmiotrace MAP (ioremap) the access went through. */
  map?: number;
  /** Number of identical consecutive reads this event stands for (mmio-filter --collapse-polls). */
  repeat?: number;
  /** The CPU index of a memory_region_ops access (-1: not a vCPU). */
  cpu?: number;
  /** The MemoryRegion pointer of a memory_region_ops access: tells regions apart where QEMU prints no name. */
  mr?: string;
  /** The input it came from, when mmio-parse read more than one. */
  file?: string;
  /**
   * A memory_region_ops read whose device returned more than the access: the value as
   * QEMU printed it (`value` holds the low `width` bytes, which the guest saw).
   */
  raw?: string;
  t?: number;
  tid?: number;
  line?: number;
}

export interface Bar {
  index: number;
  addr: string;
  size: string;
  io?: boolean;
  /** The PCI region flag bits the kernel printed in the low nibble of the start (mmiotrace), when not 0. */
  flags?: string;
}

export interface DeviceEvent {
  type: 'device';
  src?: string;
  dev: string;
  vendor: string;
  device: string;
  irq: number;
  bars: Bar[];
  driver?: string;
  t?: number;
  line?: number;
}

export interface MapEvent {
  type: 'map' | 'unmap';
  src?: string;
  id: number;
  dev?: string;
  region?: number;
  offset?: string;
  addr?: string;
  len?: string;
  virt?: string;
  t?: number;
  line?: number;
}

export interface MarkEvent { type: 'mark'; src?: string; text: string; t?: number; tid?: number; line?: number }
export interface LostEvent { type: 'lost'; src?: string; count: number; t?: number; tid?: number; line?: number }
export interface UnknownOpEvent {
  type: 'unknown-op';
  src?: string;
  dev?: string;
  region?: number;
  offset?: string;
  addr: string;
  opcode: string;
  pc?: string;
  t?: number;
  line?: number;
}
export interface OtherEvent { type: 'event'; src?: string; name: string; args: string; t?: number; tid?: number; line?: number }

/** A VFIO region as QEMU set it up (vfio_region_setup): its real size and flags. */
export interface RegionEvent {
  type: 'region';
  src?: string;
  dev: string;
  region: number;
  /** QEMU's name of the region (`0000:03:00.0 BAR 2`). */
  label?: string;
  size: string;
  flags: string;
  /** Where the region lies in the VFIO device file (QEMU prints it; of no use for the device). */
  fd_offset?: string;
  t?: number;
  tid?: number;
  line?: number;
}

/**
 * A region's mmap turned on or off (vfio_region_mmap, vfio_region_mmaps_set_enabled,
 * vfio_region_unmap): while `enabled`, the guest's accesses to [start, end) of the
 * region (the whole region when absent) go around QEMU and are NOT in the trace.
 */
export interface MmapEvent {
  type: 'mmap';
  src?: string;
  dev?: string;
  region?: number;
  label?: string;
  start?: string;
  end?: string;
  enabled: boolean;
  t?: number;
  tid?: number;
  line?: number;
}

/** A device reset (vfio_pci_reset, _flr, _pm, vfio_pci_hot_reset, _result). */
export interface ResetEvent { type: 'reset'; src?: string; dev: string; how: string; result?: string; t?: number; tid?: number; line?: number }

/** An interrupt, or a change of the device's interrupt set-up (vfio_intx_*, vfio_msi_*, vfio_msix_*). */
export interface IrqEvent {
  type: 'irq';
  src?: string;
  dev: string;
  /** `intx`, `msi` or `msix`. */
  mode: string;
  /** `interrupt` (it fired), `enable`, `disable`, `eoi`, `use`, `release`. */
  action: string;
  vector?: number;
  pin?: string;
  vectors?: number;
  msg_addr?: string;
  msg_data?: string;
  t?: number;
  tid?: number;
  line?: number;
}

export type MmioEvent = AccessEvent | DeviceEvent | MapEvent | MarkEvent | LostEvent | UnknownOpEvent | OtherEvent | RegionEvent | MmapEvent | ResetEvent | IrqEvent;

/** Every event type of schema v1. */
export const EVENT_TYPES = ['read', 'write', 'device', 'map', 'unmap', 'mark', 'lost', 'unknown-op', 'event', 'region', 'mmap', 'reset', 'irq'] as const;

/** Events that say something about the trace or the device rather than being accesses: selectors pass them. */
export const CONTEXT_TYPES: ReadonlySet<string> = new Set(['device', 'map', 'unmap', 'mark', 'lost', 'region', 'mmap', 'reset', 'irq']);

/** Fields first in this order (after `type`), then any other field, then the trailing ones. */
export const LEADING_FIELDS = ['src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value'] as const;
export const TRAILING_FIELDS = ['t', 'tid', 'line'] as const;
const PLACED = new Set<string>(['type', ...LEADING_FIELDS, ...TRAILING_FIELDS]);

/** Characters a JSON string must escape (and lone surrogates, which JSON.stringify escapes). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** One JSON value; strings without escapes and numbers are built directly (the hot path). */
function value(v: unknown): string {
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : '"' + v + '"';
  if (typeof v === 'number') return numberText(v);
  return JSON.stringify(v);
}

/**
 * The JSON member text of a field whose value repeats from one event to the
 * next (type, src, dev, name): the last value and its text are kept, which
 * saves the escape check and the string building for most events.
 */
class Member {
  private last: unknown;
  private text = '';

  constructor(private readonly prefix: string) {}

  of(v: unknown): string {
    if (typeof v !== 'string') return this.prefix + value(v);
    if (v !== this.last) {
      this.last = v;
      this.text = this.prefix + value(v);
    }
    return this.text;
  }
}
const TYPE = new Member('{"type":');
const SRC = new Member(',"src":');
const DEV = new Member(',"dev":');
const NAME = new Member(',"name":');

/** `,"key":` and a string field's JSON: the quotes go with the key, unless the value needs escapes (or is not a string). */
function quoted(keyQuote: string, key: string, v: unknown): string {
  return typeof v === 'string' && !NEEDS_ESCAPE.test(v) ? keyQuote + v + '"' : key + value(v);
}

/** The first fields (type to name) of the last event written, their text and how many there were: they repeat from one event to the next. */
let hType: unknown = Symbol('none'), hSrc: unknown, hDev: unknown, hRegion: unknown, hName: unknown;
let headText = '';
let headKnown = 0;

/** The text of an event's first fields, type to name (sets headKnown to how many it has). */
function head(o: Record<string, unknown>): string {
  if (o.type === hType && o.src === hSrc && o.dev === hDev && o.region === hRegion && o.name === hName) return headText;
  let v: unknown;
  let s = TYPE.of((hType = o.type));
  let known = hType !== undefined ? 1 : 0;
  if ((v = hSrc = o.src) !== undefined) {
    s += SRC.of(v);
    known++;
  }
  if ((v = hDev = o.dev) !== undefined) {
    s += DEV.of(v);
    known++;
  }
  if ((v = hRegion = o.region) !== undefined) {
    s += ',"region":' + value(v);
    known++;
  }
  if ((v = hName = o.name) !== undefined) {
    s += NAME.of(v);
    known++;
  }
  headKnown = known;
  return (headText = s);
}

/**
 * One event as one line of JSON, fields in the canonical order. Unrolled, with
 * the known fields' keys as literals: this runs once per event in every tool
 * that writes events. Other fields are looked for only when the object has
 * more keys than the known fields it has.
 */
export function stringifyEvent(ev: object): string {
  const o = ev as Record<string, unknown>;
  let s = head(o);
  let known = headKnown;
  let v: unknown;
  if ((v = o.offset) !== undefined) {
    s += quoted(',"offset":"', ',"offset":', v);
    known++;
  }
  if ((v = o.addr) !== undefined) {
    s += quoted(',"addr":"', ',"addr":', v);
    known++;
  }
  if ((v = o.width) !== undefined) {
    s += ',"width":' + value(v);
    known++;
  }
  if ((v = o.value) !== undefined) {
    s += quoted(',"value":"', ',"value":', v);
    known++;
  }
  let tail = '';
  if ((v = o.t) !== undefined) {
    tail += ',"t":' + value(v);
    known++;
  }
  if ((v = o.tid) !== undefined) {
    tail += ',"tid":' + value(v);
    known++;
  }
  if ((v = o.line) !== undefined) {
    tail += ',"line":' + value(v);
    known++;
  }
  let keys = 0;
  for (const _ in o) keys++;
  if (keys !== known) {
    for (const k in o) {
      if (PLACED.has(k)) continue;
      if ((v = o[k]) !== undefined) s += ',' + value(k) + ':' + value(v);
    }
  }
  return s + tail + '}';
}

/** `A=0x1 B=ON C={D=0x2}` of a `fields` object (mmio-annotate's; a bitfield typed by a bitset is an object itself). */
export function fieldsText(f: Record<string, unknown>): string {
  if (f === null || typeof f !== 'object') return String(f);
  return Object.entries(f)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? '0x' + v.toString(16) : v !== null && typeof v === 'object' ? `{${fieldsText(v as Record<string, unknown>)}}` : String(v)}`)
    .join(' ');
}

/** The JSON members `,"k":v` of an event's `keys` that it has, as stringifyEvent writes them. */
export function membersText(ev: Record<string, unknown>, keys: readonly string[]): string {
  let add = '';
  for (const k of keys) {
    const v = ev[k];
    if (v !== undefined) add += ',"' + k + '":' + value(v);
  }
  return add;
}

/**
 * A canonical event line (as stringifyEvent writes it, with no fields beyond the schema's
 * access fields) with more members (membersText) added: what stringifyEvent would write for
 * the event with them set, without writing the rest again. They go before the trailing t, tid, line.
 */
export function insertMembers(line: string, members: string): string {
  // No string of a canonical line holds a quote, so the first `,"t":` is the field.
  let at = line.indexOf(',"t":');
  if (at === -1) at = line.indexOf(',"tid":');
  if (at === -1) at = line.indexOf(',"line":');
  if (at === -1) at = line.length - 1;
  return line.slice(0, at) + members + line.slice(at);
}

/** A canonical hex number of at most 64 bits: lowercase, no leading zeros. */
const HEX = /^0x(?:0|[1-9a-f][0-9a-f]{0,15})$/;
/** A hex number as people and jq write it: either case, leading zeros (at most 64 bits once they are dropped). */
const LOOSE_HEX = /^0[xX]0*([0-9a-fA-F]{1,16})$/;
const WIDTHS = new Set([1, 2, 4, 8]);
/** Times: finite, and whole seconds that are exact integers. */
const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** What a field's value must be; every field has one kind in every event type. */
export type FieldKind = 'string' | 'hex' | 'uint' | 'int' | 'positive' | 'width' | 'number' | 'array' | 'boolean' | 'object';

/** The kind of every field schema v1 defines (other fields are free). */
export const FIELD_KINDS: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ['src', 'string'],
  ['dev', 'string'],
  ['region', 'uint'],
  ['name', 'string'],
  ['offset', 'hex'],
  ['addr', 'hex'],
  ['value', 'hex'],
  ['pc', 'hex'],
  ['len', 'hex'],
  ['virt', 'hex'],
  ['width', 'width'],
  ['repeat', 'positive'],
  ['t', 'number'],
  ['tid', 'int'],
  ['line', 'uint'],
  ['id', 'int'],
  ['count', 'uint'],
  ['text', 'string'],
  ['args', 'string'],
  ['opcode', 'string'],
  ['vendor', 'hex'],
  ['device', 'hex'],
  ['irq', 'int'],
  ['driver', 'string'],
  ['bars', 'array'],
  ['cpu', 'int'],
  ['mr', 'hex'],
  ['file', 'string'],
  ['raw', 'hex'],
  ['map', 'int'],
  ['label', 'string'],
  ['size', 'hex'],
  ['flags', 'hex'],
  ['fd_offset', 'hex'],
  ['start', 'hex'],
  ['end', 'hex'],
  ['enabled', 'boolean'],
  ['how', 'string'],
  ['result', 'string'],
  ['mode', 'string'],
  ['action', 'string'],
  ['vector', 'int'],
  ['vectors', 'uint'],
  ['pin', 'string'],
  ['msg_addr', 'hex'],
  ['msg_data', 'hex'],
  ['reg', 'string'],
  ['fields', 'object'],
  ['decoded', 'string'],
]);

const KIND_RULES: Record<FieldKind, [(v: unknown) => boolean, string]> = {
  string: [(v) => typeof v === 'string', 'a string'],
  hex: [(v) => typeof v === 'string' && HEX.test(v), 'a hex string of at most 64 bits like "0x1f"'],
  uint: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  int: [(v) => Number.isSafeInteger(v), 'an integer'],
  positive: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  width: [(v) => WIDTHS.has(v as number), '1, 2, 4 or 8'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_TIME, 'a number of seconds (finite, below 2^53)'],
  array: [Array.isArray, 'an array'],
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  object: [(v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object'],
};

/** What is wrong with a device event's `bars`, or undefined: each one `{index, addr, size}` with hex strings, index 0-6. */
function barsProblem(bars: unknown[]): string | undefined {
  for (const [i, b] of bars.entries()) {
    const o = b as Record<string, unknown>;
    const ok =
      typeof b === 'object' && b !== null && !Array.isArray(b) &&
      Number.isSafeInteger(o.index) && (o.index as number) >= 0 && (o.index as number) <= 6 &&
      typeof o.addr === 'string' && HEX.test(o.addr) && typeof o.size === 'string' && HEX.test(o.size) &&
      (o.io === undefined || typeof o.io === 'boolean') && (o.flags === undefined || (typeof o.flags === 'string' && HEX.test(o.flags)));
    if (!ok) return `"bars"[${i}] must be {"index": 0-6, "addr": hex, "size": hex}, not ${JSON.stringify(b)}`;
  }
  return undefined;
}

/**
 * The canonical form of a hex field as people write it (`"0xFF"`, `"0x00a5"`)
 * or as jq leaves it (a JSON integer up to 2^53 - 1); undefined when it is
 * neither (a fraction, a negative number, one past 2^53, more than 64 bits).
 */
export function looseHex(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const m = LOOSE_HEX.exec(v);
    return m ? '0x' + m[1]!.toLowerCase() : undefined;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return '0x' + v.toString(16);
  return undefined;
}

/** What is wrong with an access's value, offset or address for its width (all canonical hex), or undefined. */
export function accessProblem(width: number, value: string, offset: string | undefined, addr: string | undefined): string | undefined {
  if (value.length - 2 > width * 2) return `value ${value} does not fit in ${width} byte${width === 1 ? '' : 's'}`;
  for (const [k, at] of [['offset', offset], ['addr', addr]] as const) {
    if (at !== undefined && at.length > 18) return `${k} ${at} is wider than 64 bits`;
    // Only a 16-digit number can end past 2^64.
    if (at !== undefined && at.length === 18 && BigInt(at) + BigInt(width) > 1n << 64n) return `${k} ${at} + width ${width} ends past 2^64`;
  }
  return undefined;
}

/**
 * Bring the hex fields of an event read from JSON to their canonical form
 * (see looseHex), in place. Returns whether anything changed; fields that are
 * not hex at all are left for checkEvent to reject.
 */
export function normalizeEvent(o: Record<string, unknown>): boolean {
  let changed = false;
  for (const k in o) {
    if (FIELD_KINDS.get(k) !== 'hex') continue;
    const v = o[k];
    if (typeof v === 'string' && HEX.test(v)) continue;
    const h = looseHex(v);
    if (h !== undefined) {
      o[k] = h;
      changed = true;
    }
  }
  return changed;
}

/**
 * Check a parsed JSON value against schema v1. Returns undefined when it is a
 * valid event, else what is wrong, in words.
 */
export function checkEvent(ev: unknown): string | undefined {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return 'not a JSON object';
  const o = ev as Record<string, unknown>;
  if (typeof o.type !== 'string') return 'no "type" string';
  for (const k in o) {
    const kind = FIELD_KINDS.get(k);
    if (kind === undefined || o[k] === undefined) continue; // an absent field (scanEvent's objects have them as undefined)
    const [ok, what] = KIND_RULES[kind];
    if (!ok(o[k])) {
      // JSON.parse reads a number past the largest double (1e309) as Infinity, which JSON.stringify shows as null.
      if (typeof o[k] === 'number' && !Number.isFinite(o[k])) return `"${k}" is out of range (a number past ±1.8e308); it must be ${what}`;
      return `"${k}" must be ${what}, not ${JSON.stringify(o[k])}`;
    }
  }
  if (o.type === 'read' || o.type === 'write') {
    if (o.width === undefined) return `${o.type} event without "width"`;
    if (o.value === undefined) return `${o.type} event without "value"`;
    if (o.offset === undefined && o.addr === undefined) return `${o.type} event with neither "offset" nor "addr"`;
    return accessProblem(o.width as number, o.value as string, o.offset as string | undefined, o.addr as string | undefined);
  } else if (o.type === 'device') {
    if (typeof o.dev !== 'string') return 'device event without "dev"';
    if (o.bars !== undefined) return barsProblem(o.bars as unknown[]);
  } else if (o.type === 'mark' && o.text === undefined) return 'mark event without "text"';
  else if (o.type === 'lost' && o.count === undefined) return 'lost event without "count"';
  return undefined;
}

export function isAccess(ev: { type: string }): ev is AccessEvent {
  return ev.type === 'read' || ev.type === 'write';
}
