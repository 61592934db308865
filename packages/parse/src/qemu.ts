/**
 * QEMU trace text: the `log` backend (and the old `stderr` backend) with any of
 * its prefixes, and the `ftrace` backend's lines as they appear in the kernel
 * trace buffer. Formats follow QEMU's hw/vfio/trace-events and
 * system/trace-events.
 */
import { hexDigits, type AccessEvent, type MmioEvent } from '@mmio-tools/core';
import { MalformedLine, SKIP, checkWidth, normalizeDev, seconds, type LineResult } from './common.js';

interface Prefix {
  t?: number;
  tid?: number;
}

/** `TID@SEC.USEC:` — log backend with -msg timestamp=on (QEMU before 7.1/8.x) */
const TID_PREFIX = /^(\d+)@(\d+)\.(\d+):/;
/** ISO-8601 UTC timestamp and a space — log backend with -msg timestamp=on in newer QEMU */
const ISO_PREFIX = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)? /;
/** optional `program(pid:thread): ` after the ISO timestamp */
const PROG_PREFIX = /^[\w.+-]+(?:\((\d+)(?::[^)]*)?\))?: /;
/** ftrace backend, as read from the kernel's trace or trace_pipe: `comm-pid [cpu] flags ts: tracing_mark_write: msg` */
const FTRACE = /^\s*.*?-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+(?:\S+\s+)?(\d+)\.(\d+):\s+tracing_mark_write:\s(.*)$/;
const EVENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isoSeconds(m: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const z = zone.slice(1).replace(':', '');
    ms -= sign * (+z.slice(0, 2) * 60 + +z.slice(2)) * 60000;
  }
  const sec = ms / 1000;
  return frac ? seconds(String(sec), frac) : sec;
}

type Handler = (args: string, p: Prefix) => MmioEvent;

const HEX = '([0-9a-fA-F]+)';
const VFIO_WRITE = new RegExp(`^\\s*\\((.+):region(\\d+)\\+0x${HEX}, 0x${HEX}, (-?\\d+)\\)\\s*$`);
const VFIO_READ = new RegExp(`^\\s*\\((.+):region(\\d+)\\+0x${HEX}, (-?\\d+)\\) = 0x${HEX}\\s*$`);
const CFG_READ = new RegExp(`^\\s*\\((.+), @0x${HEX}, len=0x${HEX}\\) 0x${HEX}\\s*$`);
const CFG_WRITE = new RegExp(`^\\s*\\((.+), @0x${HEX}, 0x${HEX}, len=0x${HEX}\\)\\s*$`);
const ROM_READ = new RegExp(`^\\s*\\((.+), 0x${HEX}, 0x${HEX}\\) = 0x${HEX}\\s*$`);
const VGA_READ = new RegExp(`^\\s*\\(0x${HEX}, (-?\\d+)\\) = 0x${HEX}\\s*$`);
const VGA_WRITE = new RegExp(`^\\s*\\(0x${HEX}, 0x${HEX}, (-?\\d+)\\)\\s*$`);
const MEM_OPS = new RegExp(`^cpu (-?\\d+) mr (\\S+) addr 0x${HEX} value 0x${HEX} size (\\d+)(?: name '(.*)')?\\s*$`);

function match(re: RegExp, event: string, args: string): RegExpExecArray {
  const m = re.exec(args);
  if (!m) {
    const shown = args.length > 80 ? args.slice(0, 77) + '...' : args;
    throw new MalformedLine(`${event}: cannot read arguments ${JSON.stringify(shown.trim())}`);
  }
  return m;
}

function access(
  type: 'read' | 'write',
  src: string,
  fields: Omit<AccessEvent, 'type' | 'src' | 'width' | 'value' | 't' | 'tid'>,
  width: number,
  value: string,
  p: Prefix,
): AccessEvent {
  return { type, src, ...fields, width, value: hexDigits(value)!, t: p.t, tid: p.tid };
}

const HANDLERS = new Map<string, Handler>([
  ['vfio_region_write', (a, p) => {
    const m = match(VFIO_WRITE, 'vfio_region_write', a);
    const w = checkWidth('vfio_region_write', +m[5]!);
    return access('write', 'vfio', { dev: normalizeDev(m[1]!), region: +m[2]!, offset: hexDigits(m[3]!) }, w, m[4]!, p);
  }],
  ['vfio_region_read', (a, p) => {
    const m = match(VFIO_READ, 'vfio_region_read', a);
    const w = checkWidth('vfio_region_read', +m[4]!);
    return access('read', 'vfio', { dev: normalizeDev(m[1]!), region: +m[2]!, offset: hexDigits(m[3]!) }, w, m[5]!, p);
  }],
  ['vfio_pci_read_config', (a, p) => {
    const m = match(CFG_READ, 'vfio_pci_read_config', a);
    const w = checkWidth('vfio_pci_read_config', parseInt(m[3]!, 16));
    return access('read', 'vfio-config', { dev: normalizeDev(m[1]!), region: 7, offset: hexDigits(m[2]!) }, w, m[4]!, p);
  }],
  ['vfio_pci_write_config', (a, p) => {
    const m = match(CFG_WRITE, 'vfio_pci_write_config', a);
    const w = checkWidth('vfio_pci_write_config', parseInt(m[4]!, 16));
    return access('write', 'vfio-config', { dev: normalizeDev(m[1]!), region: 7, offset: hexDigits(m[2]!) }, w, m[3]!, p);
  }],
  ['vfio_rom_read', (a, p) => {
    const m = match(ROM_READ, 'vfio_rom_read', a);
    const w = checkWidth('vfio_rom_read', parseInt(m[3]!, 16));
    return access('read', 'vfio-rom', { dev: normalizeDev(m[1]!), region: 6, offset: hexDigits(m[2]!) }, w, m[4]!, p);
  }],
  ['vfio_vga_read', (a, p) => {
    const m = match(VGA_READ, 'vfio_vga_read', a);
    const w = checkWidth('vfio_vga_read', +m[2]!);
    return access('read', 'vfio-vga', { region: 8, offset: hexDigits(m[1]!) }, w, m[3]!, p);
  }],
  ['vfio_vga_write', (a, p) => {
    const m = match(VGA_WRITE, 'vfio_vga_write', a);
    const w = checkWidth('vfio_vga_write', +m[3]!);
    return access('write', 'vfio-vga', { region: 8, offset: hexDigits(m[1]!) }, w, m[2]!, p);
  }],
  ['memory_region_ops_read', (a, p) => memOps('read', a, p)],
  ['memory_region_ops_write', (a, p) => memOps('write', a, p)],
]);

function memOps(type: 'read' | 'write', args: string, p: Prefix): AccessEvent {
  const event = `memory_region_ops_${type}`;
  const m = match(MEM_OPS, event, args.trimStart());
  const w = checkWidth(event, +m[5]!);
  return access(type, 'memory', { name: m[6], addr: hexDigits(m[3]!) }, w, m[4]!, p);
}

/**
 * Parse one line of QEMU trace text. Returns an access event for the events
 * above; with `all`, an `event` for any other QEMU event, else SKIP; SKIP for
 * an indented continuation line; undefined for a line that is not QEMU trace
 * output. Throws MalformedLine for a known event with bad arguments.
 */
export function parseQemuLine(line: string, all: boolean): LineResult {
  const p: Prefix = {};
  let rest: string;
  let prefixed = true;
  let m: RegExpExecArray | null;
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && (m = TID_PREFIX.exec(line))) {
    p.tid = +m[1]!;
    p.t = seconds(m[2]!, m[3]!);
    rest = line.slice(m[0].length);
  } else if (c0 >= 48 && c0 <= 57 && (m = ISO_PREFIX.exec(line))) {
    p.t = isoSeconds(m);
    rest = line.slice(m[0].length);
    const prog = PROG_PREFIX.exec(rest);
    if (prog) rest = rest.slice(prog[0].length);
  } else if (line.includes('tracing_mark_write:') && (m = FTRACE.exec(line))) {
    p.tid = +m[1]!;
    p.t = seconds(m[2]!, m[3]!);
    rest = m[4]!;
  } else {
    if (c0 === 32 || c0 === 9) return line.trim().length ? SKIP : undefined; // continuation line of a multi-line event
    rest = line;
    prefixed = false;
  }
  const sp = rest.indexOf(' ');
  const name = sp === -1 ? rest : rest.slice(0, sp);
  const handler = HANDLERS.get(name);
  if (handler) return handler(sp === -1 ? '' : rest.slice(sp + 1), p);
  if (!EVENT_NAME.test(name)) return undefined;
  // Without a prefix, only a name shaped like QEMU's (with an underscore) counts as an event.
  if (!prefixed && !name.includes('_')) return undefined;
  if (!all) return SKIP;
  return { type: 'event', src: 'qemu', name, args: sp === -1 ? '' : rest.slice(sp + 1).trim(), t: p.t, tid: p.tid };
}
