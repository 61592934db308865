/**
 * What a trace tells of a device, read event by event: its config space (VFIO config reads, or the
 * `pci-conf-idx`/`pci-conf-data` and `pcie-mmcfg-mmio` accesses of a QEMU memory-ops trace), its
 * BARs (sizing writes, region and device events) and, per register, its accesses in order. Memory
 * is per register and per config byte, each register's history capped: never the trace's length.
 */
import { UsageError } from '@mmio-tools/core';
import { hex, regKey } from './model.js';

type Ev = Record<string, unknown>;

/** One access of a register, in a run. `pk` is the device's last write before it ("KEY=VALUE"), `pkn` how many times that write had happened. */
export interface Entry {
  seq: number;
  w: boolean;
  v: bigint;
  line: number;
  pk: string;
  pkn: number;
}

export interface BarInfo {
  base?: bigint;
  size?: bigint;
  io?: boolean;
  mem64?: boolean;
  pref?: boolean;
  from?: 'sizing' | 'region' | 'span';
  sizing?: boolean;
  names?: Set<string>;
}

/** A PCI function's config space as the trace read and wrote it. */
export class PciFunction {
  /** Byte offset → [its first value read, file:line of that read, its last value read]. */
  bytes = new Map<number, [number, string, number]>();
  /** Byte offset → bits seen to change to the written value. */
  writable = new Map<number, number>();
  private lastWrite = new Map<number, number>();
  bars: BarInfo[] = [0, 1, 2, 3, 4, 5].map(() => ({}));
  vendorFrom?: string;

  access(off: number, width: number, value: bigint, write: boolean, place: string): void {
    for (let i = 0; i < width; i++) {
      const b = off + i;
      const v = Number((value >> BigInt(8 * i)) & 0xffn);
      if (write) this.lastWrite.set(b, v);
      else {
        const prev = this.bytes.get(b);
        const w = this.lastWrite.get(b);
        if (prev && w !== undefined) {
          const changed = (prev[2] ^ v) & ~(v ^ w) & 0xff;
          if (changed) this.writable.set(b, (this.writable.get(b) ?? 0) | changed);
        }
        this.lastWrite.delete(b);
        if (!prev) this.bytes.set(b, [v, place, v]);
        else prev[2] = v;
      }
    }
    // BARs: 4-byte accesses of 0x10-0x27
    if (width === 4 && off >= 0x10 && off < 0x28 && (off & 3) === 0) {
      const i = (off - 0x10) >> 2;
      const bar = this.bars[i]!;
      const v = value & 0xffffffffn;
      if (this.isHighHalf(i)) {
        // the upper half of a 64-bit BAR: the upper bits of its base
        const lo = this.bars[i - 1]!;
        if (write) bar.sizing = v === 0xffffffffn;
        else if (!bar.sizing) lo.base = ((lo.base ?? 0n) & 0xffffffffn) | (v << 32n);
        else bar.sizing = false;
        return;
      }
      if (write) {
        bar.sizing = v === 0xffffffffn || v === 0xfffffffen || v === 0xfffffff0n || v === 0xfffffffcn;
        if (!bar.sizing) bar.base = v & (bar.io ? ~3n : ~0xfn) & 0xffffffffn;
      } else {
        bar.io = (v & 1n) === 1n;
        if (!bar.io) {
          bar.mem64 = ((v >> 1n) & 3n) === 2n;
          bar.pref = (v & 8n) === 8n;
        }
        const addr = v & (bar.io ? ~3n : ~0xfn) & 0xffffffffn;
        if (bar.sizing) {
          if (addr !== 0n) {
            let size = (~addr + 1n) & 0xffffffffn;
            if (bar.io) size &= 0xffffn;
            bar.size = size;
            bar.from = 'sizing';
          }
          bar.sizing = false;
        } else if (addr !== 0n || bar.base === undefined) bar.base = addr;
      }
    }
  }

  private isHighHalf(i: number): boolean {
    // BAR i is the upper half of BAR i-1 when i-1 is a 64-bit memory BAR not itself an upper half
    let j = 0;
    while (j < i) {
      if (this.bars[j]!.mem64) {
        if (j + 1 === i) return true;
        j += 2;
      } else j++;
    }
    return false;
  }

  /** Does any BAR have a base and a size (so that an address can be in it)? */
  hasBars(): boolean {
    return this.bars.some((b) => b.base !== undefined && b.base !== 0n && b.size !== undefined);
  }

  /** The function's BAR that holds an absolute address. */
  barOf(addr: bigint): { index: number; offset: bigint } | undefined {
    for (let i = 0; i < 6; i++) {
      const b = this.bars[i]!;
      if (b.base === undefined || b.size === undefined || b.base === 0n) continue;
      if (addr >= b.base && addr < b.base + b.size) return { index: i, offset: addr - b.base };
    }
    return undefined;
  }

  byte(off: number): [number, string, number] | undefined {
    return this.bytes.get(off);
  }
}

/** A register's accesses, per run. */
export interface RegHist {
  key: string;
  region: number;
  offset: bigint;
  width: number;
  runs: Entry[][];
  reads: number;
  writes: number;
  /** Accesses past the history cap, not kept. */
  dropped: number;
  names: Set<string>;
}

/** The accesses of one device in one input file. */
export class DevRun {
  regs = new Map<string, RegHist>();
  seq = 0;
  lastWrite = '';
  writeCounts = new Map<string, number>();
  accesses = 0;
  names = new Set<string>();
  /** Unattributed memory regions: name → region index given here; offsets absolute until rebased. */
  absolute = false;
  constructor(readonly key: string, readonly historyCap: number) {}

  access(region: number, offset: bigint, width: number, write: boolean, value: bigint, line: number, name?: string): void {
    const key = regKey(region, offset, width);
    let h = this.regs.get(key);
    if (!h) this.regs.set(key, (h = { key, region, offset, width, runs: [[]], reads: 0, writes: 0, dropped: 0, names: new Set() }));
    if (name !== undefined) {
      h.names.add(name);
      this.names.add(name);
    }
    this.accesses++;
    const seq = ++this.seq;
    const e: Entry = { seq, w: write, v: value, line, pk: this.lastWrite, pkn: this.writeCounts.get(this.lastWrite) ?? 0 };
    if (write) {
      h.writes++;
      const wk = `${key}=${hex(value)}`;
      this.lastWrite = wk;
      this.writeCounts.set(wk, (this.writeCounts.get(wk) ?? 0) + 1);
    } else h.reads++;
    const run = h.runs[0]!;
    if (run.length >= this.historyCap) h.dropped++;
    else run.push(e);
  }
}

/** Where the PCI config address port (0xcf8) points: bus, device, function and register, or undefined when disabled. */
function cf8Target(v: number): { bdf: string; reg: number } | undefined {
  if ((v & 0x80000000) === 0) return undefined;
  const bus = (v >>> 16) & 0xff;
  const dev = (v >>> 11) & 0x1f;
  const fn = (v >>> 8) & 7;
  return { bdf: bdfName(bus, dev, fn), reg: v & 0xfc };
}

function bdfName(bus: number, dev: number, fn: number): string {
  return `0000:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

/** Everything one input file says, for the learner to take its one device from. */
export class FileRun {
  pci = new Map<string, PciFunction>();
  devs = new Map<string, DevRun>();
  /** mmiotrace device events: dev → the event. */
  deviceEvents = new Map<string, Ev>();
  /** VFIO region events: dev → region → event. */
  regionEvents = new Map<string, Map<number, Ev>>();
  private cf8: number | undefined;
  private nameCache = new Map<string, { bdf: string; fn: PciFunction }>();
  /** Accesses of regions other than BARs (ROM, VGA), not modelled. */
  otherRegions = 0;
  constructor(readonly file: string, readonly historyCap: number) {}

  /** The functions with a BAR placed (a base and a size): the ones an address can be in. */
  private withBars = new Set<string>();

  fn(bdf: string): PciFunction {
    let f = this.pci.get(bdf);
    if (!f) this.pci.set(bdf, (f = new PciFunction()));
    return f;
  }

  private configAccess(bdf: string, off: number, width: number, value: bigint, write: boolean, place: string): void {
    const f = this.fn(bdf);
    f.access(off, width, value, write, place);
    if (off < 0x28 && off + width > 0x10 && !this.withBars.has(bdf) && f.hasBars()) this.withBars.add(bdf);
  }

  /** A config-space access (of any device, selected or not): true when it was one. */
  config(ev: Ev): boolean {
    const t = ev.type;
    if (t !== 'read' && t !== 'write') {
      if (t === 'device' && typeof ev.dev === 'string') this.deviceEvents.set(ev.dev, ev);
      if (t === 'region' && typeof ev.dev === 'string' && typeof ev.region === 'number') {
        let m = this.regionEvents.get(ev.dev);
        if (!m) this.regionEvents.set(ev.dev, (m = new Map()));
        m.set(ev.region, ev);
      }
      return false;
    }
    const write = t === 'write';
    const place = `${this.file}:${ev.line ?? '?'}`;
    const width = ev.width as number;
    if (ev.region === 7 && typeof ev.dev === 'string' && typeof ev.offset === 'string') {
      this.configAccess(ev.dev, Number(BigInt(ev.offset)), width, BigInt(ev.value as string), write, place);
      return true;
    }
    const name = ev.name;
    if (name === 'pci-conf-idx') {
      if (write && width === 4) this.cf8 = Number(BigInt(ev.value as string));
      return true;
    }
    if (name === 'pci-conf-data') {
      const target = this.cf8 === undefined ? undefined : cf8Target(this.cf8);
      if (target && typeof ev.addr === 'string') this.configAccess(target.bdf, target.reg + (Number(BigInt(ev.addr)) & 3), width, BigInt(ev.value as string), write, place);
      return true;
    }
    if (name === 'pcie-mmcfg-mmio' && typeof ev.addr === 'string') {
      const a = Number(BigInt(ev.addr) & 0xfffffffn);
      this.configAccess(bdfName(a >>> 20, (a >>> 15) & 0x1f, (a >>> 12) & 7), a & 0xfff, width, BigInt(ev.value as string), write, place);
      return true;
    }
    return false;
  }

  /**
   * Which device, BAR and offset an access is: its own dev/region/offset (VFIO, mmiotrace), or for a
   * memory-region access the PCI function whose BAR holds its address (from the config space the
   * trace wrote); `abs` when no BAR is known (the offset is then the absolute address). Undefined:
   * not a BAR access (a ROM or VGA region: counted in otherRegions).
   */
  where(ev: Ev): { dev: string; region: number; offset: bigint; name?: string; abs?: true } | undefined {
    if (typeof ev.offset === 'string' && typeof ev.region === 'number') {
      if (ev.region > 5) {
        this.otherRegions++;
        return undefined;
      }
      return { dev: (ev.dev as string | undefined) ?? '', region: ev.region, offset: BigInt(ev.offset), ...(typeof ev.name === 'string' ? { name: ev.name } : {}) };
    }
    if (typeof ev.addr !== 'string') return undefined;
    const addr = BigInt(ev.addr);
    const name = (ev.name as string | undefined) ?? (ev.mr as string | undefined) ?? (ev.dev as string | undefined) ?? '';
    // Which PCI function's BAR holds it: the one that held this region's last access, else a search.
    const cached = this.nameCache.get(name);
    const inCached = cached?.fn.barOf(addr);
    if (cached && inCached) return this.hit(cached.bdf, cached.fn, inCached, name);
    for (const bdf of this.withBars) {
      const fn = this.pci.get(bdf)!;
      const bar = fn.barOf(addr);
      if (bar) {
        this.nameCache.set(name, { bdf, fn });
        return this.hit(bdf, fn, bar, name);
      }
    }
    return { dev: 'name:' + name, region: 0, offset: addr, name, abs: true };
  }

  private hit(bdf: string, fn: PciFunction, bar: { index: number; offset: bigint }, name: string) {
    (fn.bars[bar.index]!.names ??= new Set()).add(name);
    return { dev: bdf, region: bar.index, offset: bar.offset, name };
  }

  /** A register access the selectors chose. */
  access(ev: Ev): void {
    const at = this.where(ev);
    if (!at) return;
    const d = this.dev(at.dev);
    if (at.abs) d.absolute = true;
    d.access(at.region, at.offset, ev.width as number, ev.type === 'write', BigInt(ev.value as string), typeof ev.line === 'number' ? ev.line : 0, at.name);
  }

  private dev(key: string): DevRun {
    let d = this.devs.get(key);
    if (!d) this.devs.set(key, (d = new DevRun(key, this.historyCap)));
    return d;
  }

  /** The one device of this file (several: a usage error naming them; none: undefined). */
  device(): DevRun | undefined {
    const withAccesses = [...this.devs.values()].filter((d) => d.accesses > 0);
    if (withAccesses.length <= 1) return withAccesses[0];
    const named = withAccesses
      .sort((a, b) => b.accesses - a.accesses)
      .map((d) => (d.key.startsWith('name:') ? `'${d.key.slice(5)}'` : `${d.key}${d.names.size ? ` (${[...d.names].map((n) => `'${n}'`).join(', ')})` : ''}`) + ` ${d.accesses} accesses`);
    const list = named.slice(0, 8).join(', ') + (named.length > 8 ? `, … (${named.length} in all)` : '');
    throw new UsageError(`${this.file}: ${withAccesses.length} devices in the input: ${list}; learn one at a time: --dev DEV (VFIO, mmiotrace) or --name 'REGION*' (QEMU memory-ops)`);
  }
}
