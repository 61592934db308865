/**
 * A register map: which register an access at (region, byte offset) hits, and how its value
 * splits into bitfields, for a JSON/YAML map (map.ts); rnndb databases have their own (rnndb.ts).
 * Arrays stay arrays (they are not expanded), so big databases load quickly; lookups go
 * through buckets of 4 KiB and a cache of recent offsets.
 */
export interface Bitfield {
  name: string;
  low: number;
  high: number;
  /** Enum value → name, when the field has an enum type or inline values. */
  values?: Map<bigint, string>;
}

export interface RegisterDef {
  kind: 'reg';
  name: string;
  /** Byte offset inside the enclosing array element (or region). */
  offset: bigint;
  /** Width in bits. */
  width: number;
  fields: Bitfield[];
  /** Register arrays (`length`/`stride` on the register itself). */
  length?: number;
  stride?: bigint;
}

export interface ArrayDef {
  kind: 'array';
  /** undefined for an rnndb `stripe` without a name. */
  name?: string;
  offset: bigint;
  stride: bigint;
  length: number;
  children: Item[];
}

export type Item = RegisterDef | ArrayDef;

export interface Hit {
  reg: string;
  /** The register, when the access starts at its first byte. */
  def?: RegisterDef;
}

function span(it: Item): [bigint, bigint] {
  if (it.kind === 'reg') {
    const n = BigInt(it.length ?? 1);
    const size = BigInt(it.width / 8);
    return [it.offset, it.offset + (n > 1n ? it.stride! * (n - 1n) + size : size)];
  }
  return [it.offset, it.offset + it.stride * BigInt(it.length)];
}

const BUCKET = 12n;

/** Items of one region, looked up by byte offset. */
export class RegisterSpace {
  private buckets = new Map<bigint, Item[]>();
  private wide: Item[] = [];
  private cache = new Map<string, Hit | null>();

  constructor(readonly items: Item[]) {
    for (const it of items) {
      const [s, e] = span(it);
      if (e - s > 1n << 24n) {
        this.wide.push(it);
        continue;
      }
      for (let b = s >> BUCKET; b <= (e - 1n) >> BUCKET; b++) {
        let l = this.buckets.get(b);
        if (!l) this.buckets.set(b, (l = []));
        l.push(it);
      }
    }
  }

  /** The register an access at `offset` hits, first match in file order. */
  lookup(offset: bigint): Hit | undefined {
    const k = offset.toString(16);
    const c = this.cache.get(k);
    if (c !== undefined) return c ?? undefined;
    const cands = [...(this.buckets.get(offset >> BUCKET) ?? []), ...this.wide];
    const hit = findIn(cands, offset, '');
    if (this.cache.size > 65536) this.cache.clear();
    this.cache.set(k, hit ?? null);
    return hit;
  }
}

function findIn(items: Item[], offset: bigint, prefix: string): Hit | undefined {
  for (const it of items) {
    const [s, e] = span(it);
    if (offset < s || offset >= e) continue;
    const rel = offset - it.offset;
    if (it.kind === 'reg') {
      const size = BigInt(it.width / 8);
      let name = prefix + it.name;
      let inside = rel;
      if ((it.length ?? 1) > 1) {
        const i = rel / it.stride!;
        inside = rel - i * it.stride!;
        if (inside >= size) continue; // in the gap between elements
        name += `[${i}]`;
      }
      return inside === 0n ? { reg: name, def: it } : { reg: `${name}+0x${inside.toString(16)}` };
    }
    const i = rel / it.stride;
    const hit = findIn(it.children, rel - i * it.stride, it.name === undefined ? prefix : `${prefix}${it.name}[${i}].`);
    if (hit) return hit;
  }
  return undefined;
}

/** Bitfields of a value: number (or hex text past 2^53), or the enum name. */
export function mapFields(def: RegisterDef, value: bigint): Record<string, number | string> | undefined {
  if (def.fields.length === 0) return undefined;
  const out: Record<string, number | string> = {};
  for (const f of def.fields) {
    const v = (value >> BigInt(f.low)) & ((1n << BigInt(f.high - f.low + 1)) - 1n);
    const name = f.values?.get(v);
    // defineProperty: a field named __proto__ is a field like any other.
    Object.defineProperty(out, f.name, { value: name ?? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : '0x' + v.toString(16)), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** What mmio-annotate asks of a register database. */
export interface Annotator {
  /** Add `reg` (and `fields`, `decoded`) to an access event that hits a register. Returns whether it did. */
  annotate(ev: Record<string, unknown>): boolean;
  /** The JSON members annotate would add (`,"reg":…`), without touching the event (undefined: none); databases that can say it cheaply have it. */
  members?(ev: Record<string, unknown>): string | undefined;
  /** See an access that is not written (left out by the selectors): what it says about the device still counts. */
  observe?(ev: Record<string, unknown>): void;
  /** What the reader should know once the input is read (one line each). */
  notes(): string[];
}

/** A register map (JSON/YAML): one RegisterSpace per region it describes. */
export class RegisterMap implements Annotator {
  constructor(readonly regions: Map<number, RegisterSpace>) {}

  /** Add `reg` (and `fields`) to an access event that hits a register. Returns whether it did. */
  annotate(ev: Record<string, unknown>): boolean {
    if ((ev.type !== 'read' && ev.type !== 'write') || ev.offset === undefined || ev.region === undefined) return false;
    const space = this.regions.get(ev.region as number);
    if (!space) return false;
    const hit = space.lookup(BigInt(ev.offset as string));
    if (!hit) return false;
    ev.reg = hit.reg;
    if (hit.def) {
      const fields = mapFields(hit.def, BigInt(ev.value as string));
      if (fields) ev.fields = fields;
    }
    return true;
  }

  notes(): string[] {
    return [];
  }
}
