/**
 * Annotating with an rnndb domain: `reg` as envytools' rnndec names the address, `decoded` as it
 * prints the value, `fields` as an object. The chipset variant is one per device: given
 * (--variant), or taken, as demmio takes it, from the first access of the domain's offset 0 on
 * that device (PMC_BOOT_0, by nvhw/chipset.c's rules) when the database has a `chipset` enum.
 */
import { UsageError, membersText } from '@mmio-tools/core';
import { decodeFields, decodeFields32, decodeValue, decodeValue32, parsePmcId, type AddrInfo, type Domain, type Variants } from './rnndb.js';
import type { Annotator } from './regs.js';

const ANNOTATIONS = ['reg', 'fields', 'decoded'];

interface DevState {
  ctx: Variants;
  /** The chipset is known (or given): no more detection. */
  settled: boolean;
  /** Accesses named before the chipset was known. */
  early: number;
  chipset?: number;
  unknownChipset?: boolean;
  /** Per address: what is there, and the decodings of values seen lately (registers are read back with the same values over and over). */
  cache: Map<number, Slot | null>;
  /** The generation of remembered values: a slot's values of another generation are forgotten. */
  gen: number;
  remembered: number;
  hits: number;
  /** Accesses left before values are remembered again. */
  pause: number;
}

interface Slot {
  ai: AddrInfo;
  gen: number;
  values?: Map<number, Decoding>;
}

interface Decoding {
  reg: string;
  fields: Record<string, unknown> | undefined;
  decoded: string;
  /** membersText of the three, once asked for. */
  members?: string;
}

export class RnnAnnotator implements Annotator {
  private devs = new Map<string, DevState>();
  private readonly unit: number;
  private readonly chipsetEnum;

  constructor(
    readonly domain: Domain,
    readonly region: number,
    /** Given with --variant: the same for every device. */
    private readonly given?: Variants,
  ) {
    this.unit = domain.width / 8;
    this.chipsetEnum = domain.db.enums.get('chipset');
  }

  private lastDev?: string;
  private last?: DevState;

  private state(dev: string): DevState {
    if (dev === this.lastDev) return this.last!;
    let s = this.devs.get(dev);
    if (!s) {
      s = { ctx: this.given ?? new Map(), settled: this.given !== undefined || !this.chipsetEnum, early: 0, cache: new Map(), gen: 0, remembered: 0, hits: 0, pause: 0 };
      this.devs.set(dev, s);
    }
    this.lastDev = dev;
    this.last = s;
    return s;
  }

  /** The address (in domain units) of an access of the domain's region, -1 for other events; its device's state is then this.last. */
  private where(ev: Record<string, unknown>): number {
    if ((ev.type !== 'read' && ev.type !== 'write') || ev.region !== this.region || typeof ev.offset !== 'string') return -1;
    const byte = parseInt(ev.offset, 16);
    if (!Number.isSafeInteger(byte) || byte % this.unit !== 0) return -1;
    const s = this.state(typeof ev.dev === 'string' ? ev.dev : '');
    if (!s.settled && byte === 0) this.detect(s, Number(BigInt(ev.value as string) & 0xffffffffn));
    return byte / this.unit;
  }

  observe(ev: Record<string, unknown>): void {
    this.where(ev);
  }

  annotate(ev: Record<string, unknown>): boolean {
    const d = this.decode(ev);
    if (!d) return false;
    ev.reg = d.reg;
    if (d.fields) ev.fields = d.fields;
    ev.decoded = d.decoded;
    return true;
  }

  /** The JSON members annotate would add (`,"reg":…`), without touching the event; undefined when it adds none. */
  members(ev: Record<string, unknown>): string | undefined {
    const d = this.decode(ev);
    return d && (d.members ??= membersText(d as unknown as Record<string, unknown>, ANNOTATIONS));
  }

  /** What an access is: its register, fields and decoded value. */
  private decode(ev: Record<string, unknown>): Decoding | undefined {
    const addr = this.where(ev);
    if (addr < 0) return undefined;
    const s = this.last!;
    if (!s.settled) s.early++;
    let slot = s.cache.get(addr);
    if (slot === undefined) {
      const found = this.domain.decodeAddr(s.ctx, addr);
      slot = found ? { ai: found, gen: s.gen } : null;
      if (s.cache.size >= 1 << 16) {
        s.cache.clear();
        s.gen++;
        s.remembered = 0;
      }
      s.cache.set(addr, slot);
    }
    if (!slot) return undefined;
    const ai = slot.ai;
    const text = ev.value as string;
    // demmio: a 32-bit access to an 8-bit register shows the register's own byte first.
    const byte = (ev.width as number) === 4 && ai.width === 8;
    if (text.length > 10) {
      const v = byte ? BigInt(text) & 0xffn : BigInt(text);
      return { reg: ai.name, fields: decodeFields(s.ctx, ai.type, v), decoded: decodeValue(s.ctx, ai.type, v, ai.width) };
    }
    // Values of up to 32 bits (nearly all) decode in plain numbers; a register's recent values are remembered.
    const v = byte ? parseInt(text, 16) & 0xff : parseInt(text, 16);
    if (slot.gen !== s.gen) {
      slot.gen = s.gen;
      slot.values = undefined;
    }
    let known = slot.values;
    const seen = known?.get(v);
    if (seen) {
      s.hits++;
      return seen;
    }
    const d: Decoding = { reg: ai.name, fields: decodeFields32(s.ctx, ai.type, v), decoded: decodeValue32(s.ctx, ai.type, v, ai.width) };
    if (s.pause > 0) {
      s.pause--;
      return d;
    }
    // At most 64k values remembered in all, so memory stays bounded; where values do not come
    // back (under 1 in 4 found), remembering stops for a while.
    if (++s.remembered > 1 << 16) {
      if (s.hits < s.remembered / 4) s.pause = 1 << 20;
      s.gen++;
      slot.gen = s.gen;
      s.remembered = 0;
      s.hits = 0;
      known = undefined;
    }
    if (!known) slot.values = known = new Map();
    else if (known.size >= 64) known.clear();
    known.set(v, d);
    return d;
  }

  private detect(s: DevState, id: number): void {
    const { chipset } = parsePmcId(id);
    if (!chipset) return;
    s.settled = true;
    s.chipset = chipset;
    const en = this.chipsetEnum!;
    const i = en.vals.findIndex((v) => v.value === BigInt(chipset));
    if (i === -1) s.unknownChipset = true;
    else s.ctx = new Map([[en, i]]);
    s.cache = new Map();
    s.remembered = 0;
  }

  notes(): string[] {
    const out: string[] = [];
    for (const [dev, s] of this.devs) {
      const who = dev ? `dev ${dev}` : 'the device';
      const hex = (n: number) => '0x' + n.toString(16);
      if (s.unknownChipset) out.push(`${who}: chipset ${hex(s.chipset!)} from PMC_BOOT_0 is no variant of the database's chipset enum: named without a variant; give --variant`);
      else if (!s.settled) out.push(`${who}: no access at offset 0 (PMC_BOOT_0) tells the chipset: ${s.early} accesses named without a chipset variant; give --variant (e.g. --variant GK104)`);
      else if (s.early > 0) out.push(`${who}: ${s.early} accesses before the first at offset 0 (PMC_BOOT_0) named without a chipset variant; give --variant to name them for the chip`);
    }
    return out;
  }
}

/** The variants --variant names: `NAME` (a value of a varset enum, `chipset` first; case as you like), `ENUM=NAME`, or a chipset id in hex (as demmio -a). */
export function variantsOf(domain: Domain, spec: string): Variants {
  const db = domain.db;
  const m = /^([^=]+)=(.+)$/.exec(spec);
  const enums = m ? [db.enums.get(m[1]!)] : [db.enums.get('chipset'), ...db.varsetEnums];
  const name = (m ? m[2]! : spec).toLowerCase();
  for (const en of enums) {
    if (!en) continue;
    const i = en.vals.findIndex((v) => v.name.toLowerCase() === name);
    if (i !== -1) return new Map([[en, i]]);
  }
  const chip = db.enums.get('chipset');
  if (!m && chip && /^(0x)?[0-9a-f]+$/i.test(spec)) {
    const i = chip.vals.findIndex((v) => v.value === BigInt('0x' + spec.replace(/^0x/i, '')));
    if (i !== -1) return new Map([[chip, i]]);
  }
  const known = (m ? db.enums.get(m[1]!) : chip ?? [...db.varsetEnums][0]);
  const list = known ? ` (${known.name}: ${known.vals.slice(0, 6).map((v) => v.name).join(', ')}${known.vals.length > 6 ? ', …' : ''})` : ' (the database has no variants)';
  throw new UsageError(`--variant ${JSON.stringify(spec)}: no such variant in the database${list}`);
}
