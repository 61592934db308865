/**
 * QEMU trace text: the `log` backend (and the old `stderr` backend) with any of
 * its prefixes, and the `ftrace` backend's lines as they appear in the kernel
 * trace buffer. Formats follow QEMU's hw/vfio/trace-events and
 * system/trace-events.
 */
import { accessProblem, decimalNumber, hexLiteral, numberText, scaledDecimal, type AccessEvent, type MmioEvent } from '@mmio-tools/core';
import { MalformedLine, SKIP, checkTime, checkWidth, excerpt, keepGuestBytes, normalizeDev, safeInt, seconds, type LineResult } from './common.js';
import { CONTEXT_HANDLERS, type ContextHandler } from './context.js';

interface Prefix {
  t?: number;
  tid?: number;
}

/** ISO-8601 UTC timestamp and a space — log backend with -msg timestamp=on in newer QEMU */
const ISO_PREFIX = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)? /;
/** optional `program(pid:thread): ` after the ISO timestamp */
const PROG_PREFIX = /^[\w.+-]+(?:\((\d+)(?::[^)]*)?\))?: /;
/** ftrace backend, as read from the kernel's trace or trace_pipe: `comm-pid [cpu] flags ts: tracing_mark_write: msg` */
const FTRACE = /^\s*.*?-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+(?:\S+\s+)?(\d+)\.(\d+):\s+tracing_mark_write:\s(.*)$/;
const EVENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Epoch seconds of an ISO-8601 prefix; a date or time that cannot be (month 13, 25:00) is malformed, not rolled over. */
function isoSeconds(m: RegExpExecArray): number {
  const [text, y, mo, d, h, mi, s, frac, zone] = m;
  const year = +y!, month = +mo!, day = +d!;
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap(year) ? 29 : DAYS[month - 1]!) || +h! > 23 || +mi! > 59 || +s! > 60) {
    throw new MalformedLine(`impossible date or time ${JSON.stringify(text.trim())}`);
  }
  let ms = Date.UTC(year, month - 1, day, +h!, +mi!, +s!);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const z = zone.slice(1).replace(':', '');
    if (+z.slice(0, 2) > 23 || +z.slice(2) > 59) throw new MalformedLine(`impossible time zone ${JSON.stringify(zone)}`);
    ms -= sign * (+z.slice(0, 2) * 60 + +z.slice(2)) * 60000;
  }
  const sec = ms / 1000;
  return frac ? seconds(String(sec), frac) : sec;
}

type Handler = (args: string, p: Prefix) => MmioEvent;

/** A `0x…` number, captured with its prefix (a canonical one is then used as it is). */
const HEX = '(0x[0-9a-fA-F]+)';

/** The pattern of each field in the arguments below, each a capturing group but `dev` and `name` (captured there). */
interface ArgFields {
  /** The CPU index and MemoryRegion pointer of memory_region_ops_*. */
  cpu: string;
  mr: string;
  dev: string;
  region: string;
  hex: string;
  /** The width of a VFIO access. */
  width: string;
  /** The size of a memory_region_ops access. */
  size: string;
  name: string;
}
/**
 * The arguments of the access events that both the general path and the fast
 * path (below) read, as QEMU's format strings print them (hw/vfio/trace-events,
 * system/trace-events); each path gives its own patterns of the fields.
 */
const vfioWriteArgs = (f: ArgFields) => `\\((${f.dev}):region${f.region}\\+${f.hex}, ${f.hex}, ${f.width}\\)`;
const vfioReadArgs = (f: ArgFields) => `\\((${f.dev}):region${f.region}\\+${f.hex}, ${f.width}\\) = ${f.hex}`;
const memOpsArgs = (f: ArgFields) => `cpu ${f.cpu} mr ${f.mr} addr ${f.hex} value ${f.hex} size ${f.size}(?: name '(${f.name})')?`;
/** The general path's fields: any text that can be read, checked after the match. */
const ANY: ArgFields = { cpu: '(-?\\d+)', mr: '(\\S+)', dev: '.+?', region: '(\\d+)', hex: HEX, width: '(-?\\d+)', size: '(\\d+)', name: '.*' };

const VFIO_WRITE = new RegExp(`^\\s*${vfioWriteArgs(ANY)}\\s*$`);
const VFIO_READ = new RegExp(`^\\s*${vfioReadArgs(ANY)}\\s*$`);
const CFG_READ = new RegExp(`^\\s*\\((.+), @${HEX}, len=${HEX}\\) ${HEX}\\s*$`);
const CFG_WRITE = new RegExp(`^\\s*\\((.+), @${HEX}, ${HEX}, len=${HEX}\\)\\s*$`);
const ROM_READ = new RegExp(`^\\s*\\((.+), ${HEX}, ${HEX}\\) = ${HEX}\\s*$`);
const VGA_READ = new RegExp(`^\\s*\\(${HEX}, (-?\\d+)\\) = ${HEX}\\s*$`);
const VGA_WRITE = new RegExp(`^\\s*\\(${HEX}, ${HEX}, (-?\\d+)\\)\\s*$`);
const MEM_OPS = new RegExp(`^${memOpsArgs(ANY)}\\s*$`);

function match(re: RegExp, event: string, args: string): RegExpExecArray {
  const m = re.exec(args);
  if (!m) {
    throw new MalformedLine(`${event}: cannot read arguments ${JSON.stringify(excerpt(args).trim())}`);
  }
  return m;
}

/** Canonical `0x…` of a hex literal a format regex has already checked. */
function hex(literal: string): string {
  return hexLiteral(literal)!;
}

/**
 * An access event of a VFIO handler; one object shape for all of them (faster in V8).
 * `line` is a place for the caller's line number: set in the literal, it costs no new shape.
 */
function vfio(type: 'read' | 'write', src: string, dev: string | undefined, region: number, offset: string, width: number, value: string, p: Prefix): AccessEvent {
  const ev: AccessEvent = { type, src, dev, region, offset: hex(offset), width, value: hex(value), t: p.t, tid: p.tid, line: 0 };
  checkAccess(src, ev);
  return ev;
}

/** The trace event an access of `src` comes from, for messages. */
const SRC_EVENT: Record<string, (type: string) => string> = {
  vfio: (t) => `vfio_region_${t}`,
  'vfio-config': (t) => `vfio_pci_${t}_config`,
  'vfio-rom': () => 'vfio_rom_read',
  'vfio-vga': (t) => `vfio_vga_${t}`,
  memory: (t) => `memory_region_ops_${t}`,
};

/** Throw MalformedLine for a value that cannot be: wider than the access, or an access past 2^64. */
function checkAccess(src: string, ev: AccessEvent): void {
  const problem = accessProblem(ev.width, ev.value, ev.offset, ev.addr);
  if (problem !== undefined) throw new MalformedLine(`${SRC_EVENT[src]!(ev.type)}: ${problem}`);
}

/** A region index as printed: at most 2^53 - 1. */
const regionIndex = (event: string, text: string) => safeInt(text, `${event}: region`);

const HANDLERS = new Map<string, Handler>([
  ['vfio_region_write', (a, p) => {
    const m = match(VFIO_WRITE, 'vfio_region_write', a);
    return vfio('write', 'vfio', normalizeDev(m[1]!), regionIndex('vfio_region_write', m[2]!), m[3]!, checkWidth('vfio_region_write', +m[5]!), m[4]!, p);
  }],
  ['vfio_region_read', (a, p) => {
    const m = match(VFIO_READ, 'vfio_region_read', a);
    return vfio('read', 'vfio', normalizeDev(m[1]!), regionIndex('vfio_region_read', m[2]!), m[3]!, checkWidth('vfio_region_read', +m[4]!), m[5]!, p);
  }],
  ['vfio_pci_read_config', (a, p) => {
    const m = match(CFG_READ, 'vfio_pci_read_config', a);
    return vfio('read', 'vfio-config', normalizeDev(m[1]!), 7, m[2]!, checkWidth('vfio_pci_read_config', parseInt(m[3]!, 16)), m[4]!, p);
  }],
  ['vfio_pci_write_config', (a, p) => {
    const m = match(CFG_WRITE, 'vfio_pci_write_config', a);
    return vfio('write', 'vfio-config', normalizeDev(m[1]!), 7, m[2]!, checkWidth('vfio_pci_write_config', parseInt(m[4]!, 16)), m[3]!, p);
  }],
  ['vfio_rom_read', (a, p) => {
    const m = match(ROM_READ, 'vfio_rom_read', a);
    return vfio('read', 'vfio-rom', normalizeDev(m[1]!), 6, m[2]!, checkWidth('vfio_rom_read', parseInt(m[3]!, 16)), m[4]!, p);
  }],
  ['vfio_vga_read', (a, p) => {
    const m = match(VGA_READ, 'vfio_vga_read', a);
    return vfio('read', 'vfio-vga', undefined, 8, m[1]!, checkWidth('vfio_vga_read', +m[2]!), m[3]!, p);
  }],
  ['vfio_vga_write', (a, p) => {
    const m = match(VGA_WRITE, 'vfio_vga_write', a);
    return vfio('write', 'vfio-vga', undefined, 8, m[1]!, checkWidth('vfio_vga_write', +m[3]!), m[2]!, p);
  }],
  ['memory_region_ops_read', (a, p) => memOps('read', a, p)],
  ['memory_region_ops_write', (a, p) => memOps('write', a, p)],
]);

function memOps(type: 'read' | 'write', args: string, p: Prefix): AccessEvent {
  const event = type === 'read' ? 'memory_region_ops_read' : 'memory_region_ops_write';
  const m = match(MEM_OPS, event, args.trimStart());
  const width = checkWidth(event, +m[5]!);
  const cpu = safeInt(m[1]!, `${event}: cpu`);
  // %p prints a null pointer as (nil) with glibc.
  const mr = m[2] === '(nil)' ? '0x0' : hexLiteral(m[2]!);
  if (mr === undefined || mr.length > 18) throw new MalformedLine(`${event}: mr ${JSON.stringify(m[2])} is not a pointer`);
  const ev: AccessEvent = { type, src: 'memory', name: m[6], addr: hex(m[3]!), width, value: hex(m[4]!), cpu, mr, t: p.t, tid: p.tid, line: 0 };
  if (type === 'read') keepGuestBytes(ev);
  checkAccess('memory', ev);
  return ev;
}

/** The prefix of the line being parsed; one object, reused (this runs on every line). */
const prefix: Prefix = { t: undefined, tid: undefined };

/**
 * Read a `TID@SEC.USEC:` prefix (the log backend with -msg timestamp=on before
 * QEMU 7.1) into `prefix`; returns the index of its `:`, or -1. Scanned by hand;
 * the time is read exactly, from the digits as they are scanned (see scaledDecimal).
 */
function readTidPrefix(line: string): number {
  const n = line.length;
  let i = 0;
  let c = 0;
  let tid = 0;
  while (i < n && (c = line.charCodeAt(i)) >= 48 && c <= 57) {
    tid = tid * 10 + (c - 48);
    i++;
  }
  if (i === 0 || c !== 64 /* @ */) return -1;
  const sec = ++i;
  let digits = 0; // SEC and USEC read as one integer
  while (i < n && (c = line.charCodeAt(i)) >= 48 && c <= 57) {
    digits = digits * 10 + (c - 48);
    i++;
  }
  if (i === sec || c !== 46 /* . */) return -1;
  const frac = ++i;
  while (i < n && (c = line.charCodeAt(i)) >= 48 && c <= 57) {
    digits = digits * 10 + (c - 48);
    i++;
  }
  if (i === frac || c !== 58 /* : */) return -1;
  prefix.tid = sec - 1 > 15 ? safeInt(line.slice(0, sec - 1), 'thread id') : tid;
  prefix.t = checkTime(scaledDecimal(digits, i - frac) ?? decimalNumber(line, sec, i), line.slice(sec, i));
  return i;
}

/** The last event name and its handler: traces come in long runs of one event. */
let lastName = '';
let lastHandler: Handler | undefined;

/**
 * The handler of the event name at line[start, end), if it is one we read.
 */
function handlerAt(line: string, start: number, end: number): Handler | undefined {
  if (end - start === lastName.length && line.startsWith(lastName, start)) return lastHandler;
  const name = line.slice(start, end);
  const h = HANDLERS.get(name);
  if (h) {
    lastName = name;
    lastHandler = h;
  }
  return h;
}

/**
 * What the last parseQemuLine call has to say of the line, besides its event:
 * a warning (without file:line) and its `once` key (see ParseSink.warn).
 */
export let lineNote: { message: string; once: string } | undefined;

/**
 * Parse one line of QEMU trace text. Returns an access event for the events
 * above; with `all`, an `event` for any other QEMU event, else SKIP; SKIP for
 * an indented continuation line; undefined for a line that is not QEMU trace
 * output. Throws MalformedLine for a known event with bad arguments.
 */
export function parseQemuLine(line: string, all: boolean): LineResult {
  const p = prefix;
  p.t = undefined;
  p.tid = undefined;
  lineNote = undefined;
  let start: number; // where the event name starts
  let text = line; // the text that holds it (differs for ftrace)
  let prefixed = true;
  let m: RegExpExecArray | null;
  const c0 = line.charCodeAt(0);
  let end: number;
  if (c0 >= 48 && c0 <= 57 && (end = readTidPrefix(line)) > 0) {
    start = end + 1;
  } else if (c0 >= 48 && c0 <= 57 && (m = ISO_PREFIX.exec(line))) {
    p.t = isoSeconds(m);
    start = m[0].length;
    const prog = PROG_PREFIX.exec(line.slice(start));
    if (prog) start += prog[0].length;
  } else if (line.includes('tracing_mark_write:') && (m = FTRACE.exec(line))) {
    p.tid = safeInt(m[1]!, 'ftrace task pid');
    p.t = checkTime(seconds(m[2]!, m[3]!), `${m[2]}.${m[3]}`);
    text = m[4]!;
    start = 0;
  } else {
    start = 0;
    prefixed = false;
  }
  let sp = text.indexOf(' ', start);
  if (sp === -1) sp = text.length;
  const handler = handlerAt(text, start, sp);
  if (handler) return handler(text.slice(sp + 1), p);
  const name = text.slice(start, sp);
  if (!EVENT_NAME.test(name)) return undefined;
  // Without a prefix, only a name shaped like QEMU's (with an underscore) counts as an event.
  if (!prefixed && !name.includes('_')) return undefined;
  const context: ContextHandler | undefined = CONTEXT_HANDLERS.get(name);
  if (context) {
    const ev = context(text.slice(sp + 1).trim());
    if (ev) {
      const timed = ev as { t?: number; tid?: number };
      timed.t = p.t;
      timed.tid = p.tid;
      return ev;
    }
    lineNote = { message: `${name}: cannot read its arguments ${JSON.stringify(excerpt(text.slice(sp + 1).trim()))}; kept as another QEMU event`, once: `context ${name}` };
  }
  if (!all) return SKIP;
  return { type: 'event', src: 'qemu', name, args: text.slice(sp + 1).trim(), t: p.t, tid: p.tid, line: 0 };
}

/*
 * The fast path. Nearly every line of a large trace is a vfio_region_read or
 * _write, or a memory_region_ops_read or _write, with the log backend's
 * `TID@SEC.USEC:` prefix or none, written by QEMU's own format strings:
 * lowercase hex without leading zeros, a width of 1, 2, 4 or 8. `accessLine`
 * turns exactly such a line into its NDJSON text with one regular expression
 * and one template, with no event object in between: that halves the cost of
 * such a line. The texts it copies are the canonical ones (the expression only
 * accepts those), so the result is the same line as stringifyEvent of what
 * parseQemuLine reads (a test holds them to it). Any other line, and any line
 * that breaks the format, is left to parseQemuLine, which decides and words
 * the error.
 */
/** A canonical hex number, an integer of at most 15 digits, a string that JSON prints without escapes. */
const C_HEX = '(0x(?:0|[1-9a-f][0-9a-f]{0,15}))';
const C_INT = '(0|[1-9]\\d{0,14})';
const C_TEXT = '[^"\\\\\\u0000-\\u001f\\ud800-\\udfff]';
/**
 * A time that JSON prints as it is written: under 4·10^9 seconds, 1 to 6
 * decimals, the last not 0. Such a decimal D reads as the double x nearest it,
 * and String(x) is D again: doubles below 2^32 are less than 10^-6 apart, so
 * no decimal with fewer digits (at least 10^-6 from D) reads as x, and none
 * with as many is nearer to x than D; and 10^-6 ≤ x < 10^21 prints in plain
 * notation. (Any other time is read and printed as the general path does.)
 */
const C_TIME = '((?:0|[1-9]\\d{0,8}|[1-3]\\d{9})\\.\\d{0,5}[1-9])';
/** The fast path's fields: canonical only. */
const CANONICAL: ArgFields = {
  cpu: '(0|-?[1-9]\\d{0,8})',
  mr: '(0x(?:0|[1-9a-f][0-9a-f]{0,15}))',
  dev: `${C_TEXT}+?`,
  region: C_INT,
  hex: C_HEX,
  width: '([1248])',
  size: '([1248])',
  name: `${C_TEXT}*`,
};
const FAST = new RegExp(
  `^(?:${C_INT}@(?:${C_TIME}|((?:0|[1-9]\\d{0,14})\\.\\d+)):)?` +
    `(?:vfio_region_write  ${vfioWriteArgs(CANONICAL)}` +
    `|vfio_region_read  ${vfioReadArgs(CANONICAL)}` +
    `|memory_region_ops_(read|write) ${memOpsArgs(CANONICAL)}` +
    ')$',
);

/** The `,"t":…,"tid":…` of a fast-path line, or nothing when it has no prefix; `plain` is a time JSON prints as it is (C_TIME). */
function fastTime(tid: string | undefined, plain: string | undefined, t: string | undefined): string {
  if (tid === undefined) return '';
  return `,"t":${plain ?? numberText(decimalNumber(t!, 0, t!.length))},"tid":${tid}`;
}

/**
 * The fast path's match of a line of the common shape above, or null for any
 * other line, and for a value or place that cannot be (parseQemuLine words the
 * error). Groups: 1 tid, 2 or 3 time; write 4 dev, 5 region, 6 offset, 7 value,
 * 8 width; read 9 dev, 10 region, 11 offset, 12 width, 13 value; memory 14 type,
 * 15 cpu, 16 mr, 17 addr, 18 value, 19 width, 20 name.
 */
function fastMatch(line: string): RegExpExecArray | null {
  const m = FAST.exec(line);
  if (m === null) return null;
  if (m[4] !== undefined) return accessProblem(+m[8]!, m[7]!, m[6], undefined) === undefined ? m : null;
  if (m[9] !== undefined) return accessProblem(+m[12]!, m[13]!, m[11], undefined) === undefined ? m : null;
  return accessProblem(+m[19]!, m[18]!, undefined, m[17]) === undefined ? m : null;
}

/**
 * The NDJSON line of one QEMU access line of the common shape above (with
 * `line` set to `lineNo`, and `file`, the `,"file":…` member or ''), exactly as
 * stringifyEvent writes the event that parseQemuLine reads; undefined for any
 * other line. One template per event: caching the text of fields that repeat
 * made it slower.
 */
export function accessLine(line: string, lineNo: number, file = ''): string | undefined {
  const v = vfioMatch(line);
  if (v !== null) {
    // Groups as in vfioMatch.
    const write = v[3] !== undefined;
    const time = v[1] === undefined ? '' : `,"t":${plainTime(v[2]!) ? v[2] : numberText(decimalNumber(v[2]!, 0, v[2]!.length))},"tid":${v[1]}`;
    return write
      ? `{"type":"write","src":"vfio","dev":"${normalizeDev(v[3]!)}","region":${v[4]},"offset":"${v[5]}","width":${v[7]},"value":"${v[6]}"${file}${time},"line":${lineNo}}`
      : `{"type":"read","src":"vfio","dev":"${normalizeDev(v[8]!)}","region":${v[9]},"offset":"${v[10]}","width":${v[11]},"value":"${v[12]}"${file}${time},"line":${lineNo}}`;
  }
  const m = fastMatch(line);
  if (m === null) return undefined;
  const time = fastTime(m[1], m[2], m[3]);
  if (m[4] !== undefined) {
    return `{"type":"write","src":"vfio","dev":"${normalizeDev(m[4])}","region":${m[5]},"offset":"${m[6]}","width":${m[8]},"value":"${m[7]}"${file}${time},"line":${lineNo}}`;
  }
  if (m[9] !== undefined) {
    return `{"type":"read","src":"vfio","dev":"${normalizeDev(m[9])}","region":${m[10]},"offset":"${m[11]}","width":${m[12]},"value":"${m[13]}"${file}${time},"line":${lineNo}}`;
  }
  const name = m[20] === undefined ? '' : `,"name":"${m[20]}"`;
  return `{"type":"${m[14]}","src":"memory"${name},"addr":"${m[17]}","width":${m[19]},"value":"${m[18]}","cpu":${m[15]},"mr":"${m[16]}"${file}${time},"line":${lineNo}}`;
}

/** The time of a fast-path match as parseQemuLine reads it (undefined without a prefix). */
function fastSeconds(m: RegExpExecArray): number | undefined {
  if (m[1] === undefined) return undefined;
  const t = m[2] ?? m[3]!;
  return decimalNumber(t, 0, t.length);
}

/*
 * The fastest path, for the line nearly every VFIO trace is made of:
 * `[TID@SEC.USEC:]vfio_region_write  (DEV:regionN+0xOFF, 0xVAL, W)` and its
 * read: one expression for the two, with fewer captures than FAST (whose
 * captures cost more than its match). It accepts what FAST accepts or less;
 * anything else goes to fastMatch (a test holds the two to each other).
 */
const VFIO_FAST = new RegExp(
  `^(?:${C_INT}@((?:0|[1-9]\\d{0,14})\\.\\d+):)?vfio_region_(?:write  \\((${C_TEXT}+?):region${C_INT}\\+${C_HEX}, ${C_HEX}, ([1248])\\)|read  \\((${C_TEXT}+?):region${C_INT}\\+${C_HEX}, ([1248])\\) = ${C_HEX})$`,
);

/** Is a time (canonical digits `SEC.FRAC`) one that JSON prints as it is written (see C_TIME)? */
function plainTime(t: string): boolean {
  const p = t.indexOf('.');
  const frac = t.length - p - 1;
  return frac >= 1 && frac <= 6 && t.charCodeAt(t.length - 1) !== 48 && (p <= 9 || (p === 10 && t.charCodeAt(0) <= 51));
}

/**
 * The VFIO expression's match of a line, or null for any other line and for a
 * value or place that cannot be (parseQemuLine words the error). Groups: 1 tid,
 * 2 time; write 3 dev, 4 region, 5 offset, 6 value, 7 width; read 8 dev,
 * 9 region, 10 offset, 11 width, 12 value.
 */
function vfioMatch(line: string): RegExpExecArray | null {
  const m = VFIO_FAST.exec(line);
  if (m === null) return null;
  const write = m[3] !== undefined;
  const offset = write ? m[5]! : m[10]!;
  const value = write ? m[6]! : m[12]!;
  const width = (write ? m[7]! : m[11]!).charCodeAt(0) - 48;
  return accessProblem(width, value, offset, undefined) === undefined ? m : null;
}

/**
 * The event of one QEMU access line of the common shape above, the same object
 * parseQemuLine reads from it (fields in the same order), built straight from
 * the fast path's match: for tools that parse a trace in-process and need
 * objects, not text. Undefined for any other line.
 */
export function accessEvent(line: string, lineNo: number): AccessEvent | undefined {
  const v = vfioMatch(line);
  if (v !== null) {
    const t = v[2] === undefined ? undefined : decimalNumber(v[2], 0, v[2].length);
    const tid = v[1] === undefined ? undefined : +v[1];
    return v[3] !== undefined
      ? { type: 'write', src: 'vfio', dev: normalizeDev(v[3]), region: +v[4]!, offset: v[5]!, width: +v[7]!, value: v[6]!, t, tid, line: lineNo }
      : { type: 'read', src: 'vfio', dev: normalizeDev(v[8]!), region: +v[9]!, offset: v[10]!, width: +v[11]!, value: v[12]!, t, tid, line: lineNo };
  }
  const m = fastMatch(line);
  if (m === null) return undefined;
  const t = fastSeconds(m);
  const tid = m[1] === undefined ? undefined : +m[1];
  if (m[4] !== undefined) return { type: 'write', src: 'vfio', dev: normalizeDev(m[4]), region: +m[5]!, offset: m[6]!, width: +m[8]!, value: m[7]!, t, tid, line: lineNo };
  if (m[9] !== undefined) return { type: 'read', src: 'vfio', dev: normalizeDev(m[9]), region: +m[10]!, offset: m[11]!, width: +m[12]!, value: m[13]!, t, tid, line: lineNo };
  return { type: m[14] as 'read' | 'write', src: 'memory', name: m[20], addr: m[17]!, width: +m[19]!, value: m[18]!, cpu: +m[15]!, mr: m[16]!, t, tid, line: lineNo };
}
