/**
 * Annotating with an rnndb domain: `reg` as envytools' rnndec names the address, `decoded` as it
 * prints the value, `fields` as an object. The chipset variant is one per device: given
 * (--variant), or taken, as demmio takes it, from the first access of the domain's offset 0 on
 * that device (PMC_BOOT_0, by nvhw/chipset.c's rules) when the database has a `chipset` enum.
 */
import { UsageError } from '@mmio-tools/core';
import { decodeFields, decodeFields32, decodeValue, decodeValue32, parsePmcId, type AddrInfo, type Domain, type Variants } from './rnndb.js';
import type { Annotator } from './regs.js';

interface DevState {
  ctx: Variants;
  /** The chipset is known (or given): no more detection. */
  settled: boolean;
  /** Accesses named before the chipset was known. */
  early: number;
  chipset?: number;
  unknownChipset?: boolean;
  cache: Map<number, AddrInfo | null>;
  /** Per register, the decoding of values seen lately (registers are read back with the same values over and over). */
  values: Map<AddrInfo, Map<number, { decoded: string; fields: Record<string, unknown> | undefined }>>;
  remembered: number;
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
      s = { ctx: this.given ?? new Map(), settled: this.given !== undefined || !this.chipsetEnum, early: 0, cache: new Map(), values: new Map(), remembered: 0 };
      this.devs.set(dev, s);
    }
    this.lastDev = dev;
    this.last = s;
    return s;
  }

  /** The device state and the address (in domain units) of an access of the domain's region. */
  private where(ev: Record<string, unknown>): [DevState, number] | undefined {
    if ((ev.type !== 'read' && ev.type !== 'write') || ev.region !== this.region || typeof ev.offset !== 'string') return undefined;
    const byte = parseInt(ev.offset, 16);
    if (!Number.isSafeInteger(byte) || byte % this.unit !== 0) return undefined;
    const s = this.state(typeof ev.dev === 'string' ? ev.dev : '');
    if (!s.settled && byte === 0) this.detect(s, Number(BigInt(ev.value as string) & 0xffffffffn));
    return [s, byte / this.unit];
  }

  private newValues(s: DevState, ai: AddrInfo) {
    const m = new Map<number, { decoded: string; fields: Record<string, unknown> | undefined }>();
    s.values.set(ai, m);
    return m;
  }

  observe(ev: Record<string, unknown>): void {
    this.where(ev);
  }

  annotate(ev: Record<string, unknown>): boolean {
    const w = this.where(ev);
    if (!w) return false;
    const [s, addr] = w;
    if (!s.settled) s.early++;
    let ai = s.cache.get(addr);
    if (ai === undefined) {
      ai = this.domain.decodeAddr(s.ctx, addr) ?? null;
      if (s.cache.size >= 1 << 16) {
        s.cache.clear();
        s.values.clear();
      }
      s.cache.set(addr, ai);
    }
    if (!ai) return false;
    ev.reg = ai.name;
    const text = ev.value as string;
    // demmio: a 32-bit access to an 8-bit register shows the register's own byte first.
    const byte = (ev.width as number) === 4 && ai.width === 8;
    if (text.length <= 10) {
      // Values of up to 32 bits (nearly all) decode in plain numbers; a register's recent values are remembered.
      const v = byte ? parseInt(text, 16) & 0xff : parseInt(text, 16);
      const seen = (s.values.get(ai) ?? this.newValues(s, ai)).get(v);
      if (seen) {
        if (seen.fields) ev.fields = seen.fields;
        ev.decoded = seen.decoded;
        return true;
      }
      const fields = decodeFields32(s.ctx, ai.type, v);
      if (fields) ev.fields = fields;
      ev.decoded = decodeValue32(s.ctx, ai.type, v, ai.width);
      const known = s.values.get(ai)!;
      if (known.size >= 64) known.clear();
      // At most about 256k values remembered in all: memory stays bounded whatever the trace.
      if (++s.remembered > 1 << 18) {
        s.values.clear();
        s.remembered = 0;
      }
      (s.values.get(ai) ?? this.newValues(s, ai)).set(v, { decoded: ev.decoded as string, fields });
    } else {
      const v = byte ? BigInt(text) & 0xffn : BigInt(text);
      const fields = decodeFields(s.ctx, ai.type, v);
      if (fields) ev.fields = fields;
      ev.decoded = decodeValue(s.ctx, ai.type, v, ai.width);
    }
    return true;
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
    s.values = new Map();
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
