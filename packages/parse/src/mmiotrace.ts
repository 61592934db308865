/**
 * Linux mmiotrace text, as printed by kernel/trace/trace_mmiotrace.c:
 *   VERSION 20070824
 *   PCIDEV %02x%02x %04x%04x %x  7 × ` %llx` (start|flags)  7 × ` %llx` (size)  [ driver]
 *   MAP %u.%06lu %d 0x%llx 0x%lx 0x%lx 0x%lx %d      (time, id, phys, virt, len, 0, 0)
 *   UNMAP %u.%06lu %d 0x%lx %d
 *   R|W %d %u.%06lu %d 0x%llx 0x%lx 0x%lx %d         (width, time, id, phys, value, pc, 0)
 *   UNKNOWN %u.%06lu %d 0x%llx %02x,%02x,%02x 0x%lx %d
 *   MARK %u.%06lu text                                 (MARK 0.000000 Lost N events. on overruns)
 * Accesses are resolved to a device, BAR and offset through the PCIDEV lines.
 */
import { accessProblem, hexDigits, hexLiteral, toHex, type Bar, type MmioEvent } from '@mmio-tools/core';
import { MalformedLine, SKIP, checkTime, checkWidth, safeInt, type LineResult } from './common.js';

interface BarRange {
  dev: string;
  index: number;
  start: bigint;
  end: bigint;
}

const TIME = /^(\d+)\.(\d+)$/;
const KEYWORDS = new Set(['VERSION', 'PCIDEV', 'MAP', 'UNMAP', 'R', 'W', 'MARK', 'UNKNOWN']);

/** True when the line starts with one of mmiotrace's keywords. */
export function looksLikeMmiotrace(line: string): boolean {
  const c = line.charCodeAt(0);
  if (c < 77 /* M */ || c > 87 /* W */) return false;
  let sp = line.indexOf(' ');
  const tab = line.indexOf('\t');
  if (tab !== -1 && (sp === -1 || tab < sp)) sp = tab;
  return KEYWORDS.has(sp === -1 ? line : line.slice(0, sp));
}

function time(tok: string | undefined, what: string): number {
  const m = tok === undefined ? null : TIME.exec(tok);
  if (!m) throw new MalformedLine(`${what}: bad timestamp ${JSON.stringify(tok ?? '')}`);
  return checkTime(Number(tok), tok!);
}

function hex(tok: string | undefined, what: string, field: string): string {
  const h = tok === undefined ? undefined : hexLiteral(tok);
  if (h === undefined) throw new MalformedLine(`${what}: ${field} ${JSON.stringify(tok ?? '')} is not a 0x hex number`);
  if (h.length > 18) throw new MalformedLine(`${what}: ${field} ${h} is wider than 64 bits`);
  return h;
}

function int(tok: string | undefined, what: string, field: string): number {
  if (tok === undefined || !/^-?\d+$/.test(tok)) throw new MalformedLine(`${what}: ${field} ${JSON.stringify(tok ?? '')} is not a number`);
  return safeInt(tok, `${what}: ${field}`);
}

/** The fields of each line after its keyword, as trace_mmiotrace.c prints them: a missing one is named. */
const ACCESS_FIELDS = ['width', 'timestamp', 'map id', 'address', 'value', 'pc', 'last field (0)'];
const MAP_FIELDS = ['timestamp', 'id', 'address', 'virtual address', 'length', 'fifth field (0)', 'last field (0)'];
const UNMAP_FIELDS = ['timestamp', 'id'];
const MARK_FIELDS = ['timestamp'];
const UNKNOWN_FIELDS = ['timestamp', 'map id', 'address', 'opcode bytes', 'pc'];
const PCIDEV_FIELDS = ['bus/devfn', 'vendor/device', 'irq', ...[0, 1, 2, 3, 4, 5, 6].map((i) => `resource ${i} start`), ...[0, 1, 2, 3, 4, 5, 6].map((i) => `resource ${i} size`)];

/** Throw MalformedLine, naming the first missing field, unless `toks` (the keyword and its fields) holds all of `names`. */
function need(toks: string[], names: string[], what: string): void {
  if (toks.length <= names.length) {
    throw new MalformedLine(`${what}: ${names[toks.length - 1]} is missing (expected ${names.length} fields, found ${toks.length - 1})`);
  }
}

/**
 * The keyword and fields of a line. The kernel writes one space between
 * fields; its own readers (sscanf) take any run of spaces and tabs, and so
 * does this: such a line is split again, without empty fields.
 */
function fieldsOf(line: string): string[] {
  const toks = line.split(' ');
  if (toks.indexOf('') === -1 && line.indexOf('\t') === -1) return toks;
  const t = line.trim();
  return t.length === 0 ? [''] : t.split(/[ \t]+/);
}

/** MARK's timestamp and text: the text is everything after the one space that follows the timestamp, as the kernel wrote it. */
const MARK_LINE = /^MARK[ \t]+(\S+)(?:[ \t](.*))?$/;

/** Parser state for one mmiotrace log: the PCI devices and their BARs. */
export class MmiotraceParser {
  private bars: BarRange[] = [];
  private last: BarRange | undefined;

  /** Parse one line; see LineResult. */
  parseLine(line: string): LineResult {
    if (line.startsWith('MARK')) return this.mark(line);
    const toks = fieldsOf(line);
    const kw = toks[0]!;
    switch (kw) {
      case 'R':
      case 'W': {
        const what = kw === 'R' ? 'mmiotrace read' : 'mmiotrace write';
        need(toks, ACCESS_FIELDS, what);
        const width = checkWidth(what, int(toks[1], what, 'width'));
        const t = time(toks[2], what);
        const map = int(toks[3], what, 'map id');
        const addr = hex(toks[4], what, 'address');
        const value = hex(toks[5], what, 'value');
        const pc = hex(toks[6], what, 'pc');
        const problem = accessProblem(width, value, undefined, addr);
        if (problem !== undefined) throw new MalformedLine(`${what}: ${problem}`);
        const at = this.resolve(addr);
        return { type: kw === 'R' ? 'read' : 'write', src: 'mmiotrace', dev: at?.dev, region: at?.region, offset: at?.offset, addr, width, value, pc, map, t };
      }
      case 'MAP': {
        need(toks, MAP_FIELDS, 'MAP');
        const t = time(toks[1], 'MAP');
        const id = int(toks[2], 'MAP', 'id');
        const addr = hex(toks[3], 'MAP', 'address');
        const virt = hex(toks[4], 'MAP', 'virtual address');
        const len = hex(toks[5], 'MAP', 'length');
        const at = this.resolve(addr);
        return { type: 'map', src: 'mmiotrace', id, dev: at?.dev, region: at?.region, offset: at?.offset, addr, len, virt, t };
      }
      case 'UNMAP': {
        need(toks, UNMAP_FIELDS, 'UNMAP');
        return { type: 'unmap', src: 'mmiotrace', id: int(toks[2], 'UNMAP', 'id'), t: time(toks[1], 'UNMAP') };
      }
      case 'UNKNOWN': {
        need(toks, UNKNOWN_FIELDS, 'UNKNOWN');
        const t = time(toks[1], 'UNKNOWN');
        const addr = hex(toks[3], 'UNKNOWN', 'address');
        const opcode = toks[4]!;
        if (!/^[0-9a-fA-F]{2}(,[0-9a-fA-F]{2})*$/.test(opcode)) throw new MalformedLine(`UNKNOWN: bad opcode bytes ${JSON.stringify(opcode)}`);
        const pc = hex(toks[5], 'UNKNOWN', 'pc');
        const at = this.resolve(addr);
        return { type: 'unknown-op', src: 'mmiotrace', dev: at?.dev, region: at?.region, offset: at?.offset, addr, opcode: opcode.toLowerCase(), pc, t };
      }
      case 'PCIDEV':
        return this.pcidev(toks);
      case 'VERSION':
        return SKIP;
      default:
        return undefined;
    }
  }

  private mark(line: string): LineResult {
    const m = MARK_LINE.exec(line);
    if (m === null) {
      if (line === 'MARK' || /^MARK[ \t]*$/.test(line)) need(['MARK'], MARK_FIELDS, 'MARK');
      return undefined; // MARKS..., not a keyword
    }
    const t = time(m[1], 'MARK');
    const text = m[2] ?? '';
    const lost = /^Lost (\d+) events\.?$/.exec(text);
    if (lost) return { type: 'lost', src: 'mmiotrace', count: safeInt(lost[1]!, 'MARK: lost count'), t };
    return { type: 'mark', src: 'mmiotrace', text, t };
  }

  private pcidev(toks: string[]): MmioEvent {
    // A line without a driver ends with a space: its empty last field is gone (fieldsOf).
    need(toks, PCIDEV_FIELDS, 'PCIDEV');
    const bdf = toks[1]!;
    const vd = toks[2]!;
    if (!/^[0-9a-fA-F]{4}$/.test(bdf)) throw new MalformedLine(`PCIDEV: bus/devfn ${JSON.stringify(bdf)} is not 4 hex digits`);
    if (!/^[0-9a-fA-F]{8}$/.test(vd)) throw new MalformedLine(`PCIDEV: vendor/device ${JSON.stringify(vd)} is not 8 hex digits`);
    const bus = parseInt(bdf.slice(0, 2), 16);
    const devfn = parseInt(bdf.slice(2), 16);
    const dev = `0000:${bus.toString(16).padStart(2, '0')}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
    const irqTok = toks[3]!;
    if (!/^[0-9a-fA-F]+$/.test(irqTok)) throw new MalformedLine(`PCIDEV: irq ${JSON.stringify(irqTok)} is not hex`);
    const bars: Bar[] = [];
    for (let i = 0; i < 7; i++) {
      const startTok = toks[4 + i]!;
      const sizeTok = toks[11 + i]!;
      if (!/^[0-9a-fA-F]+$/.test(startTok)) throw new MalformedLine(`PCIDEV: resource ${i} start ${JSON.stringify(startTok)} is not hex`);
      if (!/^[0-9a-fA-F]+$/.test(sizeTok)) throw new MalformedLine(`PCIDEV: resource ${i} size ${JSON.stringify(sizeTok)} is not hex`);
      const raw = BigInt('0x' + startTok);
      const size = BigInt('0x' + sizeTok);
      if (size === 0n) continue;
      // The low bits carry the PCI region flags (bit 0: I/O space).
      const io = i < 6 && (raw & 1n) === 1n;
      const start = io ? raw & ~3n : raw & ~0xfn;
      const bar: Bar = { index: i, addr: toHex(start), size: toHex(size) };
      if (io) bar.io = true;
      if ((raw & 0xfn) !== 0n) bar.flags = toHex(raw & 0xfn);
      bars.push(bar);
      if (!io) this.bars.push({ dev, index: i, start, end: start + size });
    }
    const driver = toks.slice(18).join(' ').trim();
    return {
      type: 'device',
      src: 'mmiotrace',
      dev,
      vendor: hexDigits(vd.slice(0, 4))!,
      device: hexDigits(vd.slice(4))!,
      irq: parseInt(irqTok, 16),
      bars,
      driver: driver.length ? driver : undefined,
    };
  }

  /** dev, region and offset of an absolute address, from the PCIDEV BARs; undefined outside them. */
  private resolve(addr: string): { dev: string; region: number; offset: string } | undefined {
    if (this.bars.length === 0) return undefined;
    const a = BigInt(addr);
    let b = this.last;
    if (!b || a < b.start || a >= b.end) {
      b = this.bars.find((r) => a >= r.start && a < r.end);
      if (!b) return undefined;
      this.last = b;
    }
    return { dev: b.dev, region: b.index, offset: toHex(a - b.start) };
  }
}
