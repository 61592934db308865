/**
 * Events to Linux mmiotrace text, in the kernel's format (kernel/trace/trace_mmiotrace.c):
 *   VERSION 20070824
 *   PCIDEV %02x%02x %04x%04x %x  7 × ` %llx` (start|flags)  7 × ` %llx` (size)  ` driver` or ` `
 *   MAP %u.%06lu %d 0x%llx 0x%lx 0x%lx 0x%lx %d       (time, id, phys, virt, len, 0, 0)
 *   UNMAP %u.%06lu %d 0x%lx %d                         (time, id, 0, 0)
 *   R|W %d %u.%06lu %d 0x%llx 0x%lx 0x%lx %d          (width, time, map id, phys, value, pc, 0)
 *   UNKNOWN %u.%06lu %d 0x%llx %02lx,%02lx,%02lx 0x%lx %d
 *   MARK %u.%06lu %s
 * mmiotrace knows physical addresses only; accesses given as (dev, region, offset) are placed
 * at a physical base per region: a `device` event's BAR, a --base, or the default layout.
 * Writing needs the whole layout first (PCIDEV lines come first), so it takes two passes:
 * `MmiotraceLayout.scan` on every event, then `MmiotraceWriter.write` on every event.
 */
import { InputError, toHex, type Bar } from '@mmio-tools/core';
import { secondsText } from './time.js';

type Ev = Record<string, unknown> & { type: string };

/** Regions mmiotrace can describe: BARs 0-5 and the expansion ROM (resource 6). */
const RESOURCES = 7;
/** The size the default layout gives an NVIDIA card's BAR1 when the trace has none (demmio needs one). */
const NVIDIA_BAR1 = 0x1000000n;
/** Where the default layout starts placing regions without a known base. */
export const DEFAULT_BASE = 0xf0000000n;
const MIN_SIZE = 0x1000n;
const PCI_ADDR = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;

interface RegionInfo {
  base?: bigint;
  size?: bigint;
  io?: boolean;
  flags?: bigint;
  /** One past the highest byte the trace touches. */
  end: bigint;
}

interface DeviceInfo {
  dev: string;
  vendor?: string;
  device?: string;
  irq: number;
  driver?: string;
  regions: Map<number, RegionInfo>;
  /** Config-space reads of the vendor and device IDs, when the trace has them. */
  cfgVendor?: bigint;
  cfgDevice?: bigint;
  /** The interrupt line (config 0x3c), when read. */
  cfgIrq?: number;
  /** The BAR registers as the trace shows them (config 0x10-0x24, ROM 0x30), by register index 0-6. */
  cfgBars: Map<number, CfgBar>;
}

/** One BAR register seen in config space: the base last read or written, and the mask its sizing read back. */
interface CfgBar {
  value?: bigint;
  mask?: bigint;
  /** A sizing write (all ones) came last: the next read is the mask. */
  sizing: boolean;
}

/** `--id 10de:0641` or `--id 0000:01:00.0=10de:0641`: vendor and device, for one device or every one. */
export function parseIdOption(text: string): { dev?: string; vendor: bigint; device: bigint } | undefined {
  const m = /^(?:((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])=)?([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  const dev = m[1] === undefined ? undefined : m[1].length === 7 ? `0000:${m[1].toLowerCase()}` : m[1].toLowerCase();
  return { dev, vendor: BigInt('0x' + m[2]), device: BigInt('0x' + m[3]) };
}

/** `0000:03:00.0:2=0xf0000000` → key and base. */
export function parseBaseOption(text: string): { dev: string; region: number; base: bigint } | undefined {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]):(\d+)=(0x[0-9a-fA-F]+|\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return { dev: `${(m[1] ?? '0000').toLowerCase()}:${m[2]!.toLowerCase()}`, region: +m[3]!, base: BigInt(m[4]!) };
}

function pow2AtLeast(n: bigint): bigint {
  let s = MIN_SIZE;
  while (s < n) s <<= 1n;
  return s;
}

/** Pass one: which devices and regions the events use, and how far. */
export class MmiotraceLayout {
  readonly devices = new Map<string, DeviceInfo>();
  /** Accesses mmiotrace cannot show (config space, VGA, non-PCI names), by reason. */
  readonly unplaceable = new Map<string, number>();
  private placed = false;

  constructor(
    private readonly bases: { dev: string; region: number; base: bigint }[] = [],
    /** --id: vendor and device IDs for a device (or, without dev, every device) the trace gives none for. */
    private readonly ids: { dev?: string; vendor: bigint; device: bigint }[] = [],
  ) {}

  private deviceOf(dev: string): DeviceInfo {
    let d = this.devices.get(dev);
    if (!d) {
      d = { dev, irq: 0, regions: new Map(), cfgBars: new Map() };
      this.devices.set(dev, d);
    }
    return d;
  }

  scan(ev: Ev): void {
    if (ev.type === 'device') {
      const d = this.deviceOf(ev.dev as string);
      d.vendor = ev.vendor as string;
      d.device = ev.device as string;
      d.irq = (ev.irq as number) ?? 0;
      d.driver = ev.driver as string | undefined;
      for (const b of (ev.bars as Bar[]) ?? []) {
        const r = d.regions.get(b.index) ?? { end: 0n };
        r.base = BigInt(b.addr);
        r.size = BigInt(b.size);
        r.io = b.io;
        r.flags = b.flags === undefined ? undefined : BigInt(b.flags);
        d.regions.set(b.index, r);
      }
      return;
    }
    if (ev.type !== 'read' && ev.type !== 'write') return;
    if (ev.dev === undefined || ev.region === undefined || ev.offset === undefined) {
      if (ev.addr === undefined) this.count('no address');
      return; // an absolute address needs no layout
    }
    const dev = ev.dev as string;
    const region = ev.region as number;
    if (region === 7 && PCI_ADDR.test(dev)) this.config(dev, ev);
    if (region >= RESOURCES) return this.count(region === 7 ? 'config space' : `region ${region}`);
    if (!PCI_ADDR.test(dev)) return this.count(`device ${dev} is not a PCI address`);
    const d = this.deviceOf(dev);
    const r = d.regions.get(region) ?? { end: 0n };
    const end = BigInt(ev.offset as string) + BigInt(ev.width as number);
    if (end > r.end) r.end = end;
    d.regions.set(region, r);
  }

  /**
   * Config space as the guest saw it: the IDs (0x0, 0x2), the BAR registers (0x10-0x24, the ROM at
   * 0x30: a write of all ones, then the read of the mask that sizes it; the base as last read or
   * written) and the interrupt line (0x3c), for the PCIDEV line.
   */
  private config(dev: string, ev: Ev): void {
    const d = this.deviceOf(dev);
    const off = Number(BigInt(ev.offset as string));
    const v = BigInt(ev.value as string);
    const w = ev.width as number;
    if (ev.type === 'read') {
      if (off === 0 && w === 4) [d.cfgVendor, d.cfgDevice] = [v & 0xffffn, (v >> 16n) & 0xffffn];
      else if (off === 0 && w === 2) d.cfgVendor = v;
      else if (off === 2 && w === 2) d.cfgDevice = v;
      else if (off === 0x3c && (w === 1 || w === 2 || w === 4)) d.cfgIrq = Number(v & 0xffn);
    }
    const index = off >= 0x10 && off <= 0x24 && off % 4 === 0 ? (off - 0x10) / 4 : off === 0x30 ? 6 : -1;
    if (index === -1 || w !== 4) return;
    const b = d.cfgBars.get(index) ?? { sizing: false };
    d.cfgBars.set(index, b);
    const ones = index === 6 ? 0xfffff800n : 0xffffffffn;
    if (ev.type === 'write') {
      if ((v & ones) === ones) b.sizing = true;
      else {
        b.value = v;
        b.sizing = false;
      }
    } else if (b.sizing) {
      b.mask = v;
      b.sizing = false;
    } else b.value = v;
  }

  /**
   * The BARs config space gives (base, size, flags), as the kernel's resource table holds them: a
   * 64-bit BAR takes its register and the next, which is no resource of its own.
   */
  private configRegions(d: DeviceInfo, taken: [bigint, bigint][]): void {
    for (let i = 0; i < RESOURCES; i++) {
      const b = d.cfgBars.get(i);
      if (!b || b.mask === undefined || b.value === undefined) continue;
      if (i === 6) {
        const size = (~(b.mask & 0xfffff800n) + 1n) & 0xffffffffn;
        if (b.mask === 0n || size === 0n) continue;
        const r = d.regions.get(6) ?? { end: 0n };
        Object.assign(r, { base: b.value & 0xfffff800n, size, io: false, flags: undefined });
        d.regions.set(6, r);
        continue;
      }
      const io = (b.mask & 1n) === 1n;
      if (b.mask === 0n) continue;
      let base: bigint;
      let size: bigint;
      let flags: bigint;
      if (io) {
        base = b.value & ~3n & 0xffffffffn;
        size = (~(b.mask & ~3n) + 1n) & 0xffffn;
        flags = 1n;
      } else {
        flags = b.mask & 0xfn;
        const wide = ((b.mask >> 1n) & 3n) === 2n && i < 5;
        const hi = wide ? d.cfgBars.get(i + 1) : undefined;
        const maskHi = wide ? (hi?.mask ?? 0xffffffffn) : 0xffffffffn;
        const full = wide ? (maskHi << 32n) | (b.mask & ~0xfn) : 0xffffffff00000000n | (b.mask & ~0xfn);
        size = (~full + 1n) & 0xffffffffffffffffn;
        base = (wide ? ((hi?.value ?? 0n) << 32n) : 0n) | (b.value & ~0xfn & 0xffffffffn);
        if (wide) i++; // the upper half is not a resource of its own
      }
      if (size === 0n) continue;
      const index = io ? i : wide64Index(i, flags);
      const r = d.regions.get(index) ?? { end: 0n };
      // A base another device's BAR already has (a made-up trace) is not kept: the default layout places it.
      const clash = !io && taken.some(([s0, e0]) => base < e0 && s0 < base + size);
      Object.assign(r, { base: clash ? undefined : base, size, io, flags });
      if (!clash && !io) taken.push([base, base + size]);
      d.regions.set(index, r);
    }
    if (d.cfgIrq !== undefined && d.irq === 0) d.irq = d.cfgIrq;
  }

  private count(reason: string): void {
    this.unplaceable.set(reason, (this.unplaceable.get(reason) ?? 0) + 1);
  }

  /**
   * Give every region a base and size: its BAR from a device event, else --base, else the
   * next free, size-aligned address from DEFAULT_BASE, clear of every known region.
   */
  place(): void {
    if (this.placed) return;
    this.placed = true;
    // The trace's own config space first; then device events (already in); --base where neither gave a base.
    const fromConfig: [bigint, bigint][] = [];
    for (const d of [...this.devices.values()].sort((a, b) => (a.dev < b.dev ? -1 : 1))) this.configRegions(d, fromConfig);
    // IDs: config space, then device events, then --id.
    for (const d of this.devices.values()) {
      if (d.cfgVendor !== undefined || d.vendor !== undefined) continue;
      const id = this.ids.find((i) => i.dev === d.dev) ?? this.ids.find((i) => i.dev === undefined);
      if (id) [d.cfgVendor, d.cfgDevice] = [id.vendor, id.device];
    }
    // envytools demmio registers an NVIDIA card only when BAR0 and BAR1 are memory BARs: give BAR1 a place
    // (not to a device an mmiotrace PCIDEV line described: that line is written back as it was).
    for (const d of this.devices.values()) {
      const vendor = d.cfgVendor ?? (d.vendor === undefined ? undefined : BigInt(d.vendor));
      if (vendor === 0x10den && d.vendor === undefined && d.regions.has(0) && !d.regions.has(1)) d.regions.set(1, { end: 0n, size: NVIDIA_BAR1 });
    }
    for (const b of this.bases) {
      const d = this.deviceOf(b.dev);
      const r = d.regions.get(b.region) ?? { end: 0n };
      r.base ??= b.base;
      d.regions.set(b.region, r);
    }
    const taken: [bigint, bigint][] = [];
    const all = [...this.devices.values()].sort((a, b) => (a.dev < b.dev ? -1 : 1));
    for (const d of all) for (const r of d.regions.values()) {
      r.size ??= pow2AtLeast(r.end);
      if (r.size < r.end) r.size = pow2AtLeast(r.end);
      if (r.base !== undefined) taken.push([r.base, r.base + r.size]);
    }
    for (const d of all) {
      for (const idx of [...d.regions.keys()].sort((a, b) => a - b)) {
        const r = d.regions.get(idx)!;
        if (r.base !== undefined) continue;
        let at = DEFAULT_BASE;
        for (;;) {
          at = ((at + r.size! - 1n) / r.size!) * r.size!;
          const clash = taken.find(([s, e]) => at < e && s < at + r.size!);
          if (!clash) break;
          at = clash[1];
        }
        r.base = at;
        taken.push([at, at + r.size!]);
      }
    }
  }

  /** Physical base of a region, after place(). */
  baseOf(dev: string, region: number): bigint | undefined {
    return this.devices.get(dev)?.regions.get(region)?.base;
  }
}

/** The resource index of a memory BAR whose register is `i` (a 64-bit BAR's index is its first register's). */
const wide64Index = (i: number, flags: bigint) => (((flags >> 1n) & 3n) === 2n ? i - 1 : i);

/** `%u.%06lu` of a time in seconds (0.000000 when the event has none). */
export function mmiotraceTime(t: unknown): string {
  return typeof t === 'number' ? secondsText(t) : '0.000000';
}

const hex = (v: bigint) => v.toString(16);

/** One PCIDEV line. */
export function pcidevLine(d: DeviceInfo): string {
  const m = PCI_ADDR.exec(d.dev)!;
  const bus = parseInt(m[2]!, 16);
  const devfn = (parseInt(m[3]!, 16) << 3) | +m[4]!;
  // The trace's config space first, then a device event (and --id, put with the config IDs by place()).
  const vendor = d.cfgVendor ?? (d.vendor ? BigInt(d.vendor) : 0n);
  const device = d.cfgDevice ?? (d.device ? BigInt(d.device) : 0n);
  let s = `PCIDEV ${bus.toString(16).padStart(2, '0')}${devfn.toString(16).padStart(2, '0')} ${hex(vendor).padStart(4, '0')}${hex(device).padStart(4, '0')} ${d.irq.toString(16)}`;
  const starts: string[] = [];
  const sizes: string[] = [];
  for (let i = 0; i < RESOURCES; i++) {
    const r = d.regions.get(i);
    starts.push(r?.base !== undefined ? hex(r.base | (r.flags ?? (r.io ? 1n : 0n))) : '0');
    sizes.push(r?.base !== undefined ? hex(r.size!) : '0');
  }
  s += ' ' + starts.join(' ') + ' ' + sizes.join(' ');
  return s + (d.driver ? ` ${d.driver}` : ' ');
}

interface Mapping {
  id: number;
  start: bigint;
  end: bigint;
}

/** Pass two: the lines, in order. Call `header()` first. */
export class MmiotraceWriter {
  private maps: Mapping[] = [];
  private nextId = 1;
  private nextVirt = 0xffffc90000000000n;
  private lastMap: Mapping | undefined;
  /** Events mmiotrace has no line for (other QEMU events), by type. */
  readonly left = new Map<string, number>();

  constructor(private readonly layout: MmiotraceLayout) {}

  header(): string[] {
    this.layout.place();
    const out = ['VERSION 20070824'];
    for (const d of [...this.layout.devices.values()].sort((a, b) => (a.dev < b.dev ? -1 : 1))) {
      if (PCI_ADDR.test(d.dev) && d.dev.startsWith('0000:') && (d.vendor !== undefined || d.regions.size > 0)) out.push(pcidevLine(d));
    }
    return out;
  }

  /** The lines for one event (none for events mmiotrace cannot show). */
  write(ev: Ev, file: string, line: number): string[] {
    const t = mmiotraceTime(ev.t);
    switch (ev.type) {
      case 'read':
      case 'write': {
        const phys = this.physOf(ev);
        if (phys === undefined) return [];
        const out: string[] = [];
        // The MAP the access went through, when it still covers it (overlapping MAPs), else the latest that does.
        let m = (typeof ev.map === 'number' ? this.mapById(ev.map, phys) : undefined) ?? this.mapFor(phys);
        if (!m) {
          // No MAP covers it: map the whole region (or the page, for a bare address) now.
          const [start, len] = this.regionSpan(ev, phys);
          m = { id: this.nextId++, start, end: start + len };
          this.maps.push(m);
          out.push(`MAP ${t} ${m.id} 0x${hex(start)} 0x${hex(this.nextVirt)} 0x${hex(len)} 0x0 0`);
          this.nextVirt += len;
        }
        const pc = ev.pc === undefined ? '0x0' : (ev.pc as string);
        out.push(`${ev.type === 'read' ? 'R' : 'W'} ${ev.width} ${t} ${m.id} 0x${hex(phys)} ${ev.value} ${pc} 0`);
        return out;
      }
      case 'map': {
        const start = ev.addr !== undefined ? BigInt(ev.addr as string) : undefined;
        if (start === undefined || ev.len === undefined) throw new InputError('map event without "addr" and "len"', file, line);
        const m = { id: ev.id as number, start, end: start + BigInt(ev.len as string) };
        this.maps.push(m);
        if (m.id >= this.nextId) this.nextId = m.id + 1;
        return [`MAP ${t} ${m.id} ${toHex(start)} ${(ev.virt as string) ?? '0x0'} ${ev.len} 0x0 0`];
      }
      case 'unmap': {
        this.maps = this.maps.filter((m) => m.id !== ev.id);
        this.lastMap = undefined;
        return [`UNMAP ${t} ${ev.id} 0x0 0`];
      }
      case 'mark':
        return [`MARK ${t} ${ev.text}`];
      case 'lost':
        return [`MARK 0.000000 Lost ${ev.count} events.`];
      case 'unknown-op': {
        const phys = this.physOf(ev);
        if (phys === undefined) return [];
        const m = this.mapFor(phys);
        return [`UNKNOWN ${t} ${m?.id ?? 0} 0x${hex(phys)} ${ev.opcode} ${(ev.pc as string) ?? '0x0'} 0`];
      }
      case 'device':
        return []; // in the header
      default:
        this.left.set(ev.type, (this.left.get(ev.type) ?? 0) + 1);
        return [];
    }
  }

  private physOf(ev: Ev): bigint | undefined {
    if (ev.addr !== undefined) return BigInt(ev.addr as string);
    if (ev.dev === undefined || ev.region === undefined || ev.offset === undefined) return undefined;
    if (this.layout.devices.get(ev.dev as string)?.regions.get(ev.region as number)?.io) {
      this.layout.unplaceable.set('I/O BAR: mmiotrace traces memory only', (this.layout.unplaceable.get('I/O BAR: mmiotrace traces memory only') ?? 0) + 1);
      return undefined;
    }
    const base = this.layout.baseOf(ev.dev as string, ev.region as number);
    if (base === undefined || (ev.region as number) >= RESOURCES || !(ev.dev as string).startsWith('0000:')) return undefined;
    return base + BigInt(ev.offset as string);
  }

  private regionSpan(ev: Ev, phys: bigint): [bigint, bigint] {
    if (ev.addr === undefined) {
      const r = this.layout.devices.get(ev.dev as string)!.regions.get(ev.region as number)!;
      return [r.base!, r.size!];
    }
    return [phys & ~0xfffn, 0x1000n];
  }

  private mapById(id: number, phys: bigint): Mapping | undefined {
    for (let i = this.maps.length - 1; i >= 0; i--) {
      const m = this.maps[i]!;
      if (m.id === id) return phys >= m.start && phys < m.end ? m : undefined;
    }
    return undefined;
  }

  private mapFor(phys: bigint): Mapping | undefined {
    const l = this.lastMap;
    if (l && phys >= l.start && phys < l.end) return l;
    for (let i = this.maps.length - 1; i >= 0; i--) {
      const m = this.maps[i]!;
      if (phys >= m.start && phys < m.end) return (this.lastMap = m);
    }
    return undefined;
  }
}
