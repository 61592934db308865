/**
 * envytools' register database language ("rules-ng-ng", rnndb/rules-ng-ng.txt), read with the
 * rules of envytools' own reader (rnn/rnn.c) and named and decoded as its decoder (rnn/rnndec.c)
 * prints it, which is what demmio and lookup show. Written from those rules, not from that code.
 *
 * - One namespace for the whole database: <enum>, <bitset>, <group>, <domain> and <spectype> may
 *   be defined at any depth and in any file; a second definition of the same name continues the
 *   first. <import file> is looked up in each database root in order (RNN_PATH); a file is read once.
 * - Elements: reg8/16/32/64 (length, stride), <array> (named or not), <stripe>, <use-group> (a
 *   nameless stripe of length 1 holding the group's elements). Offsets are in units of the
 *   domain's width. Numbers are hex when they hold an x, decimal otherwise.
 * - Variants: `varset`, `variants` and `prefix` on every element, value and bitfield, inherited
 *   and narrowed down the tree. A decoding context chooses one variant per varset enum; an element
 *   whose varset has no chosen variant matches (as envytools, which says it does not know which).
 * - Types: a bitset, an enum (inline or not), a spectype, or hex, int, uint, boolean, float,
 *   fixed, ufixed; `shr` and `add`; with no type: bitfields make a bitset, values an enum, one bit
 *   a boolean, else hex.
 * XML is read with saxes (a conforming, maintained parser); every error names file and line.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SaxesParser } from 'saxes';
import { InputError, readTextFileSync } from '@mmio-tools/core';

interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: Node[];
  file: string;
  line: number;
}

/** Elements nest at most this deep in a file; use-groups and imports at most this deep too. */
export const MAX_NESTING = 64;
/** A domain holds at most this many elements once its use-groups are expanded (envytools' NV_MMIO: 8,732). */
export const MAX_ELEMENTS = 1 << 18;
/** The files of one database hold at most this many bytes in all. */
export const MAX_DATABASE_BYTES = 64 << 20;

/** Parse one XML file into a tree of elements with their lines. */
export function readXml(file: string, text: string): Node {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let error: InputError | undefined;
  parser.on('error', (e) => {
    error ??= new InputError(`XML: ${e.message.replace(/^\d+:\d+: /, '')}`, file, parser.line);
  });
  parser.on('opentag', (t) => {
    // saxes' own attribute object (no prototype), as it stands: the attributes read have no namespace prefix.
    const attrs = t.attributes as Record<string, string>;
    const colon = t.name.indexOf(':');
    const node: Node = { tag: colon === -1 ? t.name : t.name.slice(colon + 1), attrs, children: [], file, line: parser.line };
    // The tree is walked by recursion: a bound, as the event readers have one.
    if (stack.length >= MAX_NESTING) throw new InputError(`rnndb: elements nest deeper than ${MAX_NESTING} levels`, file, parser.line);
    if (stack.length) stack[stack.length - 1]!.children.push(node);
    else root ??= node;
    if (!t.isSelfClosing) stack.push(node);
  });
  parser.on('closetag', (t) => {
    if (!t.isSelfClosing) stack.pop();
  });
  parser.write(text).close();
  if (error) throw error;
  if (!root) throw new InputError('XML: no root element', file, 1);
  return root;
}

const fail = (n: Node, msg: string) => new InputError(`rnndb: <${n.tag}> ${msg}`, n.file, n.line);

/** A number as envytools reads one: hex when the text holds an x (0x optional), else decimal; 64 bits, wrapping. */
function num(n: Node, attr: string): bigint | undefined {
  const text = n.attrs[attr];
  if (text === undefined) return undefined;
  const m = (/[xX]/.test(text) ? /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/ : /^\s*([+-]?)([0-9]+)$/).exec(text);
  if (!m) throw fail(n, `${attr}="${text}" is not a number`);
  const v = BigInt((/[xX]/.test(text) ? '0x' : '') + m[2]!);
  return BigInt.asUintN(64, m[1] === '-' ? -v : v);
}

/** A number that must be a JavaScript number (offsets, lengths, strides, bit positions). */
function small(n: Node, attr: string, dflt: number): number {
  const text = n.attrs[attr];
  if (text === undefined) return dflt;
  // The common forms, without a BigInt: 0x1f00 and 12.
  if (/^0[xX][0-9a-fA-F]{1,12}$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[0-9]{1,15}$/.test(text)) return parseInt(text, 10);
  const v = num(n, attr);
  if (v === undefined) return dflt;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(n, `${attr}="${n.attrs[attr]}" is too large`);
  return Number(v);
}

// ---- The database as read: raw definitions, before variants and types are worked out ----

interface RawVi {
  prefix?: string;
  varset?: string;
  variants?: string;
}
interface RawValue {
  name: string;
  value?: bigint;
  vi: RawVi;
}
interface RawType {
  name?: string;
  shr: bigint;
  add: bigint;
  radix: number;
  vals: RawValue[];
  fields: RawField[];
}
interface RawField {
  name: string;
  low: number;
  high: number;
  vi: RawVi;
  type: RawType;
}
interface EnumDef {
  name: string;
  inline: boolean;
  vi: RawVi;
  vals: RawValue[];
  prepared?: Value[];
}
interface BitsetDef {
  name: string;
  inline: boolean;
  vi: RawVi;
  fields: RawField[];
  prepared?: Field[];
}
interface RawElem {
  tag: 'reg' | 'array' | 'stripe' | 'use-group';
  name?: string;
  offset: number;
  length: number;
  stride: number;
  width: number;
  vi: RawVi;
  type: RawType;
  children: RawElem[];
  node: Node;
}
interface DomainDef {
  name: string;
  width: number;
  bare: boolean;
  vi: RawVi;
  elems: RawElem[];
  node: Node;
}

// ---- Prepared: variants resolved, types looked up ----

interface VarSet {
  en: EnumDef;
  /** Per value of the enum, in its order: whether the element exists in that variant. */
  ok: boolean[];
}
interface VarInfo {
  dead: boolean;
  varsets: VarSet[];
  prefenum?: EnumDef;
  varsetstr?: string;
}
interface Value {
  name: string;
  value?: bigint;
  /** The value as a number, when it is below 2^32. */
  num?: number;
  vi: VarInfo;
}
interface Field {
  name: string;
  low: number;
  high: number;
  mask: bigint;
  /** The mask as a number when the field lies in the low 32 bits. */
  mask32?: number;
  vi: VarInfo;
  type: Type;
}
type Kind = 'enum' | 'bitset' | 'spectype' | 'hex' | 'float' | 'uint' | 'int' | 'boolean' | 'fixed' | 'ufixed';
export interface Type {
  kind: Kind;
  shr: bigint;
  add: bigint;
  radix: number;
  vals?: Value[];
  fields?: Field[];
  spec?: Type;
  /** Cached: decoding a 32-bit value stays in 32 bits. */
  fits32?: boolean;
}
interface Elem {
  kind: 'reg' | 'array' | 'stripe';
  name?: string;
  offset: number;
  length: number;
  stride: number;
  width: number;
  vi: VarInfo;
  raw: RawElem;
  /** Came through a use-group: envytools' copy of a group's elements keeps no `radix`. */
  copied: boolean;
  children: Elem[];
  /** Where the element can match, relative to its parent, in domain units (end may be Infinity). */
  end: number;
  /** The end of its children's extents, relative to one of its elements (arrays and stripes). */
  inner: number;
  type?: Type;
}

/** A decoding context: the chosen variant (index into the enum's values) of each varset enum. */
export type Variants = Map<EnumDef, number>;

// Maps, not objects: an element or type named `constructor` is no register width or basic type.
const REG_WIDTH = new Map<string, number>([['reg8', 8], ['reg16', 16], ['reg32', 32], ['reg64', 64]]);
const M64 = (1n << 64n) - 1n;

export interface RnnOptions {
  /** Database roots, searched in order for `<import file>` and a --regs name without a `/`. */
  roots: string[];
  domain?: string;
}

/** The whole database: every definition of every file it imports. */
export class RnnDb {
  readonly enums = new Map<string, EnumDef>();
  readonly bitsets = new Map<string, BitsetDef>();
  readonly groups = new Map<string, RawElem[]>();
  readonly domains = new Map<string, DomainDef>();
  readonly spectypes = new Map<string, { type: RawType; prepared?: Type }>();
  readonly files = new Set<string>();
  /** Enums used as varsets or prefixes, in the order met: where a bare --variant name is looked for. */
  readonly varsetEnums = new Set<EnumDef>();

  private readonly absRoots: string[];
  /** Per varset enum, per `variants` text: which of its values the text lists. */
  private readonly listed = new Map<EnumDef, Map<string, boolean[]>>();
  /** The files read, by identity (device and inode): one file under several names is read once. */
  private readonly ids = new Set<string>();
  /** Bytes read in all files. */
  private bytes = 0;
  /** Imports being read, outermost first. */
  private importDepth = 0;
  /** Elements of the domain being prepared. */
  private elements = 0;
  /** The use-groups being expanded, outermost first. */
  private readonly using: string[] = [];

  constructor(readonly roots: string[]) {
    this.absRoots = roots.filter((r) => r !== '').map((r) => resolve(r));
  }

  /** Read `file` (found in the roots unless it has a `/`) and everything it imports. */
  readFile(file: string, from?: Node): void {
    const path = this.find(file, from);
    if (this.files.has(path)) return;
    this.files.add(path);
    let text: string;
    try {
      const st = statSync(path);
      if (st.isFile()) {
        const id = `${st.dev}:${st.ino}`;
        if (this.ids.has(id)) return;
        this.ids.add(id);
        if (this.bytes + st.size > MAX_DATABASE_BYTES) {
          const msg = `the database's files hold more than ${MAX_DATABASE_BYTES} bytes (64 MiB) in all: ${this.bytes} in ${this.ids.size - 1} files read, and ${path} has ${st.size}`;
          throw from ? fail(from, msg) : new InputError(`rnndb: ${msg}`, file);
        }
        this.bytes += st.size;
      }
      text = readTextFileSync(path, MAX_DATABASE_BYTES);
    } catch (e) {
      if (e instanceof InputError && e.message.startsWith('rnndb: ')) throw e;
      if (!from) {
        (e as NodeJS.ErrnoException).path ??= file;
        throw e;
      }
      throw fail(from, `cannot read ${path}: ${e instanceof InputError ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
    }
    const root = readXml(path, text);
    if (root.tag === 'domain') this.top(root);
    else if (root.tag === 'database') for (const c of root.children) this.top(c);
  }

  private find(file: string, from?: Node): string {
    // --regs with a `/` is a path as given; so is an absolute <import> (no root could hold it).
    if ((!from && file.includes('/')) || file.startsWith('/')) return resolve(file);
    const roots = this.roots.filter((r) => r !== '');
    const plain = !/(^|\/)\.\.?(\/|$)|\/\/|^\//.test(file);
    for (const r of this.absRoots) {
      const p = plain ? r + '/' + file : resolve(join(r, file));
      if (existsSync(p) && !statSync(p).isDirectory()) return p;
    }
    const where = roots.length ? roots.join(':') : '.';
    const hint = 'give the database roots with --rnn-path DIR:DIR or RNN_PATH (envytools builds nvchipsets.xml into a root of its own)';
    if (from) throw fail(from, `file="${file}": not in any database root (${where}); ${hint}`);
    throw new InputError(`rnndb: ${file}: not in any database root (${where}); ${hint}`);
  }

  /** A top-level definition, wherever it stands. Returns whether the node was one. */
  private top(n: Node): boolean {
    switch (n.tag) {
      case 'enum':
      case 'bitset': {
        const name = n.attrs.name;
        if (!name) throw fail(n, 'needs a "name" attribute');
        const inline = bool(n, 'inline');
        const vi = rawVi(n);
        if (n.tag === 'enum') {
          let en = this.enums.get(name);
          if (!en) this.enums.set(name, (en = { name, inline, vi, vals: [] }));
          for (const c of n.children) {
            if (c.tag === 'value') en.vals.push(this.value(c));
            else this.top(c);
          }
        } else {
          let bs = this.bitsets.get(name);
          if (!bs) this.bitsets.set(name, (bs = { name, inline, vi, fields: [] }));
          for (const c of n.children) {
            if (c.tag === 'bitfield') bs.fields.push(this.field(c));
            else this.top(c);
          }
        }
        return true;
      }
      case 'group': {
        const name = n.attrs.name;
        if (!name) throw fail(n, 'needs a "name" attribute');
        let g = this.groups.get(name);
        if (!g) this.groups.set(name, (g = []));
        this.elems(n, g);
        return true;
      }
      case 'domain': {
        const name = n.attrs.name;
        if (!name) throw fail(n, 'needs a "name" attribute');
        let d = this.domains.get(name);
        if (!d) {
          const width = small(n, 'width', 8);
          if (width <= 0) throw fail(n, `width="${n.attrs.width}" is not a width in bits`);
          this.domains.set(name, (d = { name, width, bare: bool(n, 'bare'), vi: rawVi(n), elems: [], node: n }));
        }
        this.elems(n, d.elems);
        return true;
      }
      case 'spectype': {
        const name = n.attrs.name;
        if (!name) throw fail(n, 'needs a "name" attribute');
        if (!this.spectypes.has(name)) this.spectypes.set(name, { type: this.type(n) });
        return true;
      }
      case 'import': {
        const file = n.attrs.file;
        if (!file) throw fail(n, 'needs a "file" attribute');
        if (this.importDepth >= MAX_NESTING) throw fail(n, `imports nest deeper than ${MAX_NESTING} files`);
        this.importDepth++;
        try {
          this.readFile(file, n);
        } finally {
          this.importDepth--;
        }
        return true;
      }
    }
    return false;
  }

  private value(n: Node): RawValue {
    const name = n.attrs.name;
    if (!name) throw fail(n, 'needs a "name" attribute');
    for (const c of n.children) this.top(c);
    return { name, value: num(n, 'value'), vi: rawVi(n) };
  }

  private field(n: Node): RawField {
    const name = n.attrs.name;
    if (!name) throw fail(n, 'needs a "name" attribute');
    const pos = n.attrs.pos !== undefined ? small(n, 'pos', 0) : undefined;
    const low = pos ?? (n.attrs.low !== undefined ? small(n, 'low', 0) : undefined);
    const high = pos ?? (n.attrs.high !== undefined ? small(n, 'high', 0) : undefined);
    if (low === undefined || high === undefined || high < low || high > 63) throw fail(n, `"${name}" has no place in 64 bits (give pos, or low and high)`);
    return { name, low, high, vi: rawVi(n), type: this.type(n) };
  }

  /** The type of an element, bitfield or spectype: its attributes and inline <value>/<bitfield>s. */
  private type(n: Node): RawType {
    const t: RawType = { name: n.attrs.type, shr: num(n, 'shr') ?? 0n, add: num(n, 'add') ?? 0n, radix: small(n, 'radix', 0), vals: [], fields: [] };
    if (t.shr > 64n) throw fail(n, `shr="${n.attrs.shr}" shifts past 64 bits`);
    for (const c of n.children) {
      if (c.tag === 'value') t.vals.push(this.value(c));
      else if (c.tag === 'bitfield') t.fields.push(this.field(c));
      else if (!REG_WIDTH.has(c.tag) && c.tag !== 'array' && c.tag !== 'stripe' && c.tag !== 'use-group') this.top(c);
    }
    return t;
  }

  /** The elements (registers, arrays, stripes, use-groups) among a node's children, and its definitions. */
  private elems(n: Node, out: RawElem[]): void {
    for (const c of n.children) {
      const e = this.elem(c);
      if (e) out.push(e);
      else this.top(c);
    }
  }

  private elem(n: Node): RawElem | undefined {
    const empty: RawType = { shr: 0n, add: 0n, radix: 0, vals: [], fields: [] };
    if (n.tag === 'use-group') {
      const name = n.attrs.name;
      if (!name) throw fail(n, 'needs a "name" attribute');
      return { tag: 'use-group', name, offset: 0, length: 1, stride: 0, width: 0, vi: {}, type: empty, children: [], node: n };
    }
    if (n.tag === 'array' || n.tag === 'stripe') {
      const e: RawElem = { tag: n.tag, name: n.attrs.name, offset: small(n, 'offset', 0), length: small(n, 'length', 1), stride: small(n, 'stride', 0), width: 0, vi: rawVi(n), type: empty, children: [], node: n };
      if (e.tag === 'array' && e.stride === 0) throw fail(n, `${e.name ?? '(nameless)'} has no stride`);
      this.elems(n, e.children);
      return e;
    }
    const width = REG_WIDTH.get(n.tag);
    if (width === undefined) return undefined;
    const name = n.attrs.name;
    if (!name) throw fail(n, 'needs a "name" attribute');
    return { tag: 'reg', name, offset: small(n, 'offset', 0), length: small(n, 'length', 1), stride: small(n, 'stride', 0), width, vi: rawVi(n), type: this.type(n), children: [], node: n };
  }

  // ---- Variants ----

  /** An element's variants, from its own attributes and its parent's (envytools' rules, narrowing). */
  varinfo(raw: RawVi, parent: VarInfo | undefined): VarInfo {
    // Most elements say nothing of variants: they are their parent's (unless the parent has a
    // prefix and a varset of its own, whose child looks its variants up by the prefix).
    if (raw === NO_VI && parent && !(parent.prefenum && parent.varsetstr !== undefined)) return parent;
    const vi: VarInfo = { dead: false, varsets: parent ? parent.varsets : [], prefenum: parent?.prefenum, varsetstr: raw.varset };
    if (raw.prefix !== undefined) {
      vi.prefenum = raw.prefix === 'none' ? undefined : this.enums.get(raw.prefix);
      if (vi.prefenum) this.varsetEnums.add(vi.prefenum);
    }
    let varset = vi.prefenum;
    if (!varset && vi.varsetstr === undefined && parent) vi.varsetstr = parent.varsetstr;
    if (vi.varsetstr !== undefined) varset = this.enums.get(vi.varsetstr);
    if (raw.variants !== undefined && varset) {
      this.varsetEnums.add(varset);
      const old = vi.varsets.find((v) => v.en === varset);
      const listed = this.listedBy(varset, raw.variants);
      const ok = old ? listed.map((b, i) => b && old.ok[i]!) : listed;
      vi.varsets = vi.varsets.filter((v) => v !== old);
      vi.varsets.push({ en: varset, ok });
      vi.dead = !ok.includes(true);
    }
    return vi;
  }

  /** The values of a varset enum a `variants` text lists: names, A:B (B not included), A-B (B included), open ends. */
  private listedBy(varset: EnumDef, text: string): boolean[] {
    let byText = this.listed.get(varset);
    if (!byText) this.listed.set(varset, (byText = new Map()));
    const known = byText.get(text);
    if (known) return known;
    const n = varset.vals.length;
    const listed = new Array<boolean>(n).fill(false);
    const idx = (name: string) => varset.vals.findIndex((v) => v.name === name);
    for (const tok of text.split(' ')) {
      if (tok === '') continue;
      const m = /^([^:-]*)(?:([:-])(.*))?$/.exec(tok)!;
      if (m[2] === undefined) {
        const i = idx(m[1]!);
        if (i !== -1) listed[i] = true;
        continue;
      }
      const i1 = m[1] ? idx(m[1]) : 0;
      let i2 = n;
      if (m[3]) {
        i2 = idx(m[3]);
        if (m[2] === '-') i2++;
      }
      if (i1 !== -1 && i2 !== -1) for (let i = i1; i < i2; i++) listed[i] = true;
    }
    byText.set(text, listed);
    return listed;
  }

  // ---- Types ----

  private values(vals: RawValue[], vi: VarInfo | undefined): Value[] {
    return vals.map((v) => ({ name: v.name, value: v.value, num: v.value !== undefined && v.value < 1n << 32n ? Number(v.value) : undefined, vi: this.varinfo(v.vi, vi) }));
  }

  private fields(fields: RawField[], vi: VarInfo | undefined, copied: boolean): Field[] {
    const out: Field[] = [];
    for (const f of fields) {
      const fvi = this.varinfo(f.vi, vi);
      if (fvi.dead) continue;
      const mask = ((1n << BigInt(f.high + 1)) - 1n) ^ ((1n << BigInt(f.low)) - 1n);
      const field: Field = { name: f.name, low: f.low, high: f.high, mask, vi: fvi, type: this.prepType(f.type, fvi, f.high - f.low + 1, copied) };
      if (f.high < 32) field.mask32 = Number(mask);
      out.push(field);
    }
    return out;
  }

  /** A type worked out for its place (envytools' preptypeinfo): what its name names, else what it holds. */
  prepType(raw: RawType, vi: VarInfo | undefined, width: number, copied = false): Type {
    const t: Type = { kind: 'hex', shr: raw.shr, add: raw.add, radix: copied ? 0 : raw.radix };
    const own = () => {
      if (raw.vals.length) t.vals = this.values(raw.vals, vi);
      if (raw.fields.length) t.fields = this.fields(raw.fields, vi, copied);
    };
    const name = raw.name;
    if (name !== undefined) {
      const en = this.enums.get(name);
      const bs = en ? undefined : this.bitsets.get(name);
      const st = en || bs ? undefined : this.spectypes.get(name);
      if (en) {
        t.kind = 'enum';
        if (en.inline) t.vals = [...(raw.vals.length ? this.values(raw.vals, vi) : []), ...this.values(en.vals, vi)];
        else t.vals = this.enumValues(en);
      } else if (bs) {
        t.kind = 'bitset';
        if (bs.inline) t.fields = [...(raw.fields.length ? this.fields(raw.fields, vi, copied) : []), ...this.fields(bs.fields, vi, true)];
        else t.fields = this.bitsetFields(bs);
      } else if (st) {
        t.kind = 'spectype';
        t.spec = st.prepared ??= this.prepType(st.type, undefined, 32);
      } else {
        t.kind = BASIC.get(name) ?? 'hex';
        if (name === 'bitfield' || name === 'enum') own();
      }
    } else if (raw.fields.length) {
      t.kind = 'bitset';
      own();
    } else if (raw.vals.length) {
      t.kind = 'enum';
      own();
    } else if (width === 1) t.kind = 'boolean';
    return t;
  }

  private enumValues(en: EnumDef): Value[] {
    if (!en.prepared) {
      const vi = this.varinfo(en.vi, undefined);
      en.prepared = this.values(en.vals, vi);
    }
    return en.prepared;
  }

  private bitsetFields(bs: BitsetDef): Field[] {
    if (!bs.prepared) {
      bs.prepared = []; // a bitset typed by itself ends here
      bs.prepared = this.fields(bs.fields, this.varinfo(bs.vi, undefined), false);
    }
    return bs.prepared;
  }

  // ---- Elements ----

  /** A domain's elements with their variants (envytools' prepdomain/prepdelem). */
  prepDomain(d: DomainDef): Domain {
    const vi = this.varinfo(d.vi, undefined);
    this.elements = 0;
    this.using.length = 0;
    const elems = this.prepElems(d.elems, vi, d.width, false, 0);
    return new Domain(this, d.name, d.width, elems);
  }

  private prepElems(raws: RawElem[], parent: VarInfo, dwidth: number, copied: boolean, depth: number): Elem[] {
    const out: Elem[] = [];
    for (const r of raws) {
      // The file's own nesting is bounded when it is read: deeper than that is use-groups inside use-groups.
      if (depth > MAX_NESTING) throw fail(r.node, `nests deeper than ${MAX_NESTING} levels through use-group (${chainText(this.using)})`);
      // Every use-group is a copy of its group: groups that use groups many times each multiply.
      if (++this.elements > MAX_ELEMENTS) throw fail(r.node, `the domain holds more than ${MAX_ELEMENTS} elements once its use-groups are expanded${this.using.length ? ` (here through ${chainText(this.using)})` : ''}`);
      let kind: Elem['kind'];
      let children = r.children;
      let name = r.name;
      let length = r.length;
      let copiedHere = copied;
      if (r.tag === 'use-group') {
        const g = this.groups.get(r.name!);
        if (!g) throw fail(r.node, `uses an unknown group "${r.name}"`);
        if (this.using.includes(r.name!)) throw fail(r.node, `group "${r.name}" uses itself (${[...this.using.slice(this.using.indexOf(r.name!)), r.name].join(' → ')})`);
        children = g;
        kind = 'stripe';
        name = undefined;
        length = 1;
        copiedHere = true;
      } else kind = r.tag;
      const vi = this.varinfo(r.vi, parent);
      if (vi.dead) continue;
      let stride = r.stride;
      if (length !== 1 && stride === 0 && kind === 'reg') stride = Math.trunc(r.width / dwidth);
      const e: Elem = { kind, name, offset: r.offset, length, stride, width: r.width, vi, raw: r, copied: copiedHere, children: [], end: Infinity, inner: 0 };
      if (r.tag === 'use-group') this.using.push(r.name!);
      try {
        e.children = this.prepElems(children, vi, dwidth, copiedHere, depth + 1);
      } finally {
        if (r.tag === 'use-group') this.using.pop();
      }
      for (const c of e.children) e.inner = Math.max(e.inner, c.end);
      e.end = extent(e, dwidth);
      out.push(e);
    }
    return out;
  }
}

/** A chain of use-groups, its middle left out when long. */
function chainText(names: string[]): string {
  return names.length <= 8 ? names.join(' → ') : [...names.slice(0, 3), `… ${names.length - 6} more …`, ...names.slice(-3)].join(' → ');
}

const BASIC = new Map<string, Kind>([['hex', 'hex'], ['float', 'float'], ['uint', 'uint'], ['int', 'int'], ['boolean', 'boolean'], ['bitfield', 'bitset'], ['enum', 'enum'], ['fixed', 'fixed'], ['ufixed', 'ufixed']]);

function bool(n: Node, attr: string): boolean {
  const v = n.attrs[attr];
  if (v === undefined) return false;
  if (v === 'yes' || v === '1') return true;
  if (v === 'no' || v === '0') return false;
  throw fail(n, `${attr}="${v}" is not yes or no`);
}

const NO_VI: RawVi = Object.freeze({});

function rawVi(n: Node): RawVi {
  if (n.attrs.prefix === undefined && n.attrs.varset === undefined && n.attrs.variants === undefined) return NO_VI;
  const vi: RawVi = {};
  if (n.attrs.prefix !== undefined) vi.prefix = n.attrs.prefix;
  if (n.attrs.varset !== undefined) vi.varset = n.attrs.varset;
  if (n.attrs.variants !== undefined) vi.variants = n.attrs.variants;
  return vi;
}

/** The end (exclusive, relative to the parent) of the addresses an element can match; Infinity when unbounded. */
function extent(e: Elem, dwidth: number): number {
  if (e.kind === 'reg') {
    const size = Math.max(1, Math.trunc(e.width / dwidth));
    if (e.stride === 0) return e.offset + size;
    return e.length === 0 ? Infinity : e.offset + e.stride * (e.length - 1) + Math.max(size, e.stride);
  }
  if (e.kind === 'array') return e.length === 0 ? Infinity : e.offset + e.stride * e.length;
  if (e.stride === 0) return e.offset + e.inner;
  return e.length === 0 ? Infinity : e.offset + e.stride * (e.length - 1) + e.inner;
}

/** Whether an element exists in the chosen variants (rnndec_varmatch). */
function varmatch(ctx: Variants, vi: VarInfo): boolean {
  if (vi.dead) return false;
  for (const vs of vi.varsets) {
    const i = ctx.get(vs.en);
    if (i !== undefined && !vs.ok[i]) return false;
  }
  return true;
}

export interface AddrInfo {
  name: string;
  type?: Type;
  /** The register's width in bits (0 when no register). */
  width: number;
}

const BUCKET = 4096;

/** One domain, looked up by address (in units of its width) in a decoding context. */
export class Domain {
  private buckets = new Map<number, number[]>();
  private wide: number[] = [];

  constructor(
    readonly db: RnnDb,
    readonly name: string,
    /** Width of one address unit in bits. */
    readonly width: number,
    readonly elems: Elem[],
  ) {
    elems.forEach((e, i) => {
      const start = Math.min(e.offset, e.end);
      if (!Number.isFinite(e.end) || e.end - start > 1 << 26) return this.wide.push(i);
      for (let b = Math.floor(start / BUCKET); b <= Math.floor((e.end - 1) / BUCKET); b++) {
        let l = this.buckets.get(b);
        if (!l) this.buckets.set(b, (l = []));
        l.push(i);
      }
    });
  }

  /** The name rnndec gives an address, and the register's type (rnndec_decodeaddr); undefined outside every element. */
  decodeAddr(ctx: Variants, addr: number): AddrInfo | undefined {
    const b = this.buckets.get(Math.floor(addr / BUCKET));
    let cands: Elem[];
    if (!this.wide.length) cands = b ? b.map((i) => this.elems[i]!) : [];
    else cands = [...(b ?? []), ...this.wide].sort((x, y) => x - y).map((i) => this.elems[i]!);
    return this.trymatch(ctx, cands, addr, []);
  }

  private trymatch(ctx: Variants, elems: Elem[], addr: number, indices: number[]): AddrInfo | undefined {
    const dwidth = this.width;
    for (const e of elems) {
      if (!varmatch(ctx, e.vi)) continue;
      if (e.kind === 'reg') {
        if (addr < e.offset) continue;
        let idx = 0;
        let off = addr - e.offset;
        if (e.stride) {
          idx = Math.floor(off / e.stride);
          off -= idx * e.stride;
        }
        if (off >= Math.trunc(e.width / dwidth)) continue;
        if (e.length && idx >= e.length) continue;
        let name = e.name!;
        for (const i of indices) name += idxText(i);
        if (e.length !== 1) name += idxText(idx);
        if (off) name += '+' + hexText(BigInt(off));
        return { name, type: this.typeOf(e), width: e.width };
      }
      if (e.kind === 'stripe') {
        if (addr < e.offset) continue;
        // Elements below this index end before addr: start at the first that can reach it.
        let idx = e.stride && Number.isFinite(e.inner) ? Math.max(0, Math.floor((addr - e.offset - e.inner) / e.stride) + 1) : 0;
        const last = e.stride === 0 ? 0 : e.length === 0 ? Infinity : e.length - 1;
        for (; idx <= last; idx++) {
          const base = e.offset + e.stride * idx;
          if (addr < base) break;
          const extra = e.length !== 1;
          const nind = e.name === undefined ? (extra ? [...indices, idx] : indices) : [];
          const res = this.trymatch(ctx, e.children, addr - base, nind);
          if (!res) continue;
          if (e.name === undefined) return res;
          let name = e.name;
          for (const i of indices) name += idxText(i);
          if (extra) name += idxText(idx);
          res.name = name + '.' + res.name;
          return res;
        }
        continue;
      }
      // array
      if (addr < e.offset) continue;
      const idx = Math.floor((addr - e.offset) / e.stride);
      const off = addr - e.offset - idx * e.stride;
      if (e.length && idx >= e.length) continue;
      // envytools prints a nameless array's name as (null)
      let name = e.name ?? '(null)';
      for (const i of indices) name += idxText(i);
      if (e.length !== 1) name += idxText(idx);
      const res = this.trymatch(ctx, e.children, off, []);
      if (res) {
        res.name = name + '.' + res.name;
        return res;
      }
      return { name: name + '+' + hexText(BigInt(off)), width: 0 };
    }
    return undefined;
  }

  private typeOf(e: Elem): Type {
    return (e.type ??= this.db.prepType(e.raw.type, e.vi, e.width, e.copied));
  }
}

/** C's `%#"PRIx64`: 0 alone, else 0x and lowercase hex. */
export function hexText(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

function idxText(i: number): string {
  return '[' + (i === 0 ? '0' : '0x' + i.toString(16)) + ']';
}

/** Whether a type's decoding of a 32-bit value stays in 32 bits (no shr or add; bitfields in bits 0-31). */
function fits32(t: Type): boolean {
  return (t.fits32 ??= t.shr === 0n && t.add === 0n && (t.kind !== 'bitset' || (t.fields ?? []).every((f) => f.mask32 !== undefined)));
}

/**
 * decodeValue for a value below 2^32, in plain numbers: the common case (32-bit registers),
 * without a BigInt per field. Same output as decodeValue.
 */
export function decodeValue32(ctx: Variants, t: Type | undefined, value: number, width: number): string {
  if (!t) return value === 0 ? '0' : '0x' + value.toString(16);
  if (!fits32(t)) return decodeValue(ctx, t, BigInt(value), width);
  switch (t.kind) {
    case 'hex':
      return value === 0 ? '0' : '0x' + value.toString(16);
    case 'enum':
      for (const v of t.vals ?? []) if (v.num === value && varmatch(ctx, v.vi)) return v.name;
      return value === 0 ? '0' : '0x' + value.toString(16);
    case 'bitset': {
      let s = '';
      let mask = 0;
      for (const f of t.fields ?? []) {
        if (f.vi.dead || (f.vi.varsets.length && !varmatch(ctx, f.vi))) continue;
        const sval = (value & f.mask32!) >>> f.low;
        mask |= f.mask32!;
        if (f.type.kind === 'boolean' && sval <= 1) {
          if (sval === 1) s += (s ? ' | ' : '') + f.name;
          continue;
        }
        s += (s ? ' | ' : '') + f.name + ' = ' + decodeValue32(ctx, f.type, sval, f.high - f.low + 1);
      }
      const rest = (value & ~mask) >>> 0;
      if (rest) s += (s ? ' | 0x' : '0x') + rest.toString(16);
      return `{ ${s || '0'} }`;
    }
    default:
      return decodeValue(ctx, t, BigInt(value), width);
  }
}

/** A value as rnndec prints it for a type (rnndec_decodeval). */
export function decodeValue(ctx: Variants, t: Type | undefined, value: bigint, width: number): string {
  if (!t) return hexText(value);
  if (t.shr) value = (value << t.shr) & M64;
  if (t.add) value = (value + t.add) & M64;
  switch (t.kind) {
    case 'enum':
      for (const v of t.vals ?? []) if (v.value === value && varmatch(ctx, v.vi)) return v.name;
      return hexText(value);
    case 'bitset': {
      const parts: string[] = [];
      let mask = 0n;
      for (const f of t.fields ?? []) {
        if (!varmatch(ctx, f.vi)) continue;
        const sval = (value & f.mask) >> BigInt(f.low);
        mask |= f.mask;
        if (f.type.kind === 'boolean' && sval <= 1n) {
          if (sval === 1n) parts.push(f.name);
          continue;
        }
        parts.push(`${f.name} = ${decodeValue(ctx, f.type, sval, f.high - f.low + 1)}`);
      }
      if (value & ~mask & M64) parts.push(hexText(value & ~mask & M64));
      return `{ ${parts.length ? parts.join(' | ') : '0'} }`;
    }
    case 'spectype':
      return decodeValue(ctx, t.spec, value, width);
    case 'hex':
      return hexText(value);
    case 'fixed':
    case 'ufixed': {
      const scale = 2 ** (t.radix & 31);
      const hex = value.toString(16).padStart(8, '0');
      if (t.kind === 'fixed' && width > 0 && value & (1n << BigInt(width - 1))) return `-${cFixed(Number((1n << BigInt(width)) - value) / scale)} (${hex})`;
      return `${cFixed(Number(value) / scale)} (${hex})`;
    }
    case 'uint':
      return value.toString();
    case 'int':
      if (width > 0 && value & (1n << BigInt(width - 1))) return '-' + ((1n << BigInt(width)) - value).toString();
      return value.toString();
    case 'boolean':
    case 'float': {
      if (t.kind === 'boolean' && value <= 1n) return value ? 'TRUE' : 'FALSE';
      // rnndec prints a boolean's other values as a float
      if (width === 64) return cFixed(new Float64Array(new BigUint64Array([value]).buffer)[0]!);
      if (width === 32) return cFixed(new Float32Array(new Uint32Array([Number(value & 0xffffffffn)]).buffer)[0]!);
      if (width === 16) return cFixed(half(Number(value & 0xffffn)));
      return hexText(value);
    }
  }
}

/** A half-precision float's value. */
function half(v: number): number {
  const sign = v & 0x8000 ? -1 : 1;
  const exp = (v >> 10) & 0x1f;
  const frac = v & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** C's `%f` (six decimals, the exact value rounded half to even; inf, nan) of a double. */
export function cFixed(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  // a = m / 2^k exactly: scale by 10^6 and round half to even with integers.
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const bits = buf.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let k: number;
  if (e === 0) k = 1074;
  else {
    m |= 1n << 52n;
    k = 1075 - e;
  }
  let q: bigint;
  const scaled = m * 1000000n;
  if (k <= 0) q = scaled << BigInt(-k);
  else {
    const d = 1n << BigInt(k);
    q = scaled / d;
    const r = scaled - q * d;
    if (r * 2n > d || (r * 2n === d && q & 1n)) q++;
  }
  const s = q.toString().padStart(7, '0');
  return (neg ? '-' : '') + s.slice(0, -6) + '.' + s.slice(-6);
}

/** decodeFields for a value below 2^32, in plain numbers. */
export function decodeFields32(ctx: Variants, t: Type | undefined, value: number): Record<string, unknown> | undefined {
  if (!t || t.kind !== 'bitset') return undefined;
  if (!fits32(t)) return decodeFields(ctx, t, BigInt(value));
  const out: Record<string, unknown> = {};
  for (const f of t.fields ?? []) {
    if (f.vi.dead || (f.vi.varsets.length && !varmatch(ctx, f.vi))) continue;
    const v = (value & f.mask32!) >>> f.low;
    let ft = f.type;
    if (ft.kind === 'spectype' && ft.spec) ft = ft.spec;
    let shown: unknown;
    if (ft.kind === 'bitset') shown = decodeFields32(ctx, ft, v);
    else if (!fits32(ft)) shown = decodeFields(ctx, { kind: 'bitset', shr: 0n, add: 0n, radix: 0, fields: [f] }, BigInt(value))?.[f.name];
    else if (ft.kind === 'enum') shown = (ft.vals ?? []).find((x) => x.num === v && varmatch(ctx, x.vi))?.name ?? v;
    else shown = v;
    if (f.name === '__proto__') Object.defineProperty(out, f.name, { value: shown, enumerable: true, writable: true, configurable: true });
    else out[f.name] = shown;
  }
  return out;
}

/** The bitfields of a value as an object: numbers (hex text past 2^53), enum names, nested bitsets. */
export function decodeFields(ctx: Variants, t: Type | undefined, value: bigint): Record<string, unknown> | undefined {
  if (!t || t.kind !== 'bitset') return undefined;
  if (t.shr) value = (value << t.shr) & M64;
  if (t.add) value = (value + t.add) & M64;
  const out: Record<string, unknown> = {};
  for (const f of t.fields ?? []) {
    if (!varmatch(ctx, f.vi)) continue;
    let v = (value & f.mask) >> BigInt(f.low);
    let shown: unknown;
    let ft = f.type;
    if (ft.kind === 'spectype' && ft.spec) ft = ft.spec;
    if (ft.kind === 'bitset') shown = decodeFields(ctx, ft, v);
    else {
      if (ft.shr) v = (v << ft.shr) & M64;
      if (ft.add) v = (v + ft.add) & M64;
      if (ft.kind === 'enum') shown = (ft.vals ?? []).find((x) => x.value === v && varmatch(ctx, x.vi))?.name;
      shown ??= v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : '0x' + v.toString(16);
    }
    // defineProperty: a field named __proto__ is a field like any other.
    Object.defineProperty(out, f.name, { value: shown, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Read a database: `file` and its imports, found in the roots. */
export function readRnndb(file: string, roots: string[]): RnnDb {
  const db = new RnnDb(roots);
  db.readFile(file);
  return db;
}

/** A domain of the database: the one named, or the only one. */
export function pickDomain(db: RnnDb, file: string, want?: string): Domain {
  const names = [...db.domains.keys()];
  if (names.length === 0) throw new InputError('rnndb: no <domain> in the database', file);
  const pick = want ?? (names.length === 1 ? names[0]! : undefined);
  if (pick === undefined) throw new InputError(`rnndb: ${names.length} domains (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}); choose one with --domain`, file);
  const d = db.domains.get(pick);
  if (!d) throw new InputError(`rnndb: no domain "${pick}" (there are: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`, file);
  return db.prepDomain(d);
}

export interface ChipsetInfo {
  chipset: number;
  cardType: number;
}

/** The chipset a PMC_BOOT_0 (PMC.ID) value names, by the rules of envytools' nvhw/chipset.c; chipset 0 when it says nothing. */
export function parsePmcId(id: number): ChipsetInfo {
  id >>>= 0;
  let flipped = false;
  if (id & 0x80000000) flipped = !(id & 0x80) ? true : (id & 0xf00) !== 0;
  if (flipped) {
    id = (((id & 0xffff) << 16) | (id >>> 16)) >>> 0;
    id = (((id & 0x00ff00ff) << 8) | ((id & 0xff00ff00) >>> 8)) >>> 0;
  }
  if (id & 0x80000000 && id & 0xf00) return { chipset: 0, cardType: 0 }; // BAR0 is broken
  if (id & 0x80) {
    const chipset = (id >>> 20) & 0x1ff;
    let cardType = chipset & 0x1f0;
    if (cardType === 0x60) cardType = 0x40;
    else if (cardType >= 0x80 && cardType <= 0xa0) cardType = 0x50;
    else if (cardType >= 0xc0 && cardType <= 0x100) cardType = 0xc0;
    return { chipset, cardType };
  }
  if (id & 0xf000) {
    const chipset = id & 0xf00000 ? 5 : 4;
    return { chipset, cardType: 4 };
  }
  const chipset = (id >>> 16) & 0xf;
  return { chipset, cardType: chipset };
}
