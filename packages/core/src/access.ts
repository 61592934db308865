/**
 * Accesses read as bytes (issue 25): the family's own NDJSON access lines,
 * as our tools write them, recognised in place (`scanNdjsonAccess`), so that
 * mmio-filter and mmio-replay select and apply them without building an event
 * or a string; the same view serves the QEMU lines of the trace byte path
 * (parse/src/bytes.ts). And the selectors pushed down to such a view
 * (`SelectionPushdown`): --type, --dev, --region, --name, with their verdicts
 * kept for the last devices and names seen, from the first line.
 */
import type { Selection } from './select.js';

/** An access line's fields as positions in its buffer. */
export interface AccessView {
  /** The line, up to and without its `\n`. */
  lineS: number;
  lineE: number;
  write: boolean;
  width: number;
  /** The device name, canonical, in `devBuf` (devS = -1: none). */
  devBuf: Uint8Array;
  devS: number;
  devE: number;
  /** The region index; -1: none. */
  region: number;
  /** The name and the MemoryRegion pointer (`0x…`); -1: none. */
  nameS: number;
  nameE: number;
  mrS: number;
  mrE: number;
  /** The offset or (isAddr) the address, `0x…`. */
  atS: number;
  atE: number;
  isAddr: boolean;
  /** The value, `0x…`. */
  valS: number;
  valE: number;
}

export const newAccessView = (): AccessView => ({
  lineS: 0, lineE: 0, write: false, width: 0, devBuf: new Uint8Array(0), devS: -1, devE: -1, region: -1, nameS: -1, nameE: -1, mrS: -1, mrE: -1, atS: 0, atE: 0, isAddr: false, valS: 0, valE: 0,
});

/**
 * What a tool does with an access read as bytes: `accepts` (no side effects)
 * says whether it can take the access here (false: the line goes the general
 * way, as an event), then `apply` takes it.
 */
export interface AccessConsumer {
  accepts(buf: Buffer, a: AccessView): boolean;
  apply(buf: Buffer, a: AccessView, lineNo: number): void;
  /** Runs before any line of NDJSON goes the general way (a consumer that holds output hands it over here, before an error can stop the tool). */
  beforeGeneral?(): void;
  /** Also take a trace's QEMU access lines (the view's line is then the trace's, not NDJSON); default: our NDJSON only. */
  traces?: boolean;
  /**
   * Runs of lines (see AccessRuns): may the consumer take them now? The class
   * of an access's head (`runClass`, the same for every access with that
   * head, -1: none); `applyRun` takes the `lines` lines of buf[s, e) (e: after
   * the last `\n`), each of them an access of class `cls` (its head
   * `headLength` bytes long, up to the `0x` of the offset or address
   * included; -1: the heads of the class differ in length).
   */
  runs?(): boolean;
  runClass?(buf: Buffer, a: AccessView): number;
  applyRun?(buf: Buffer, cls: number, s: number, e: number, lines: number, headLength: number): void;
  /** Runs of heads without a name only without an "mr" field (see AccessRuns). */
  mrKeys?: boolean;
  /** As applyRun, for a run of a trace's VFIO lines (`TID@SEC.USEC:` then the head, `headLength` bytes: see AccessRuns). */
  applyTraceRun?(buf: Buffer, cls: number, s: number, e: number, lines: number, headLength: number): void;
}

/** A literal's bytes (its characters are ASCII), for comparing in place with `at`. */
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K_TYPE = bytes('{"type":"');
const K_SRC = bytes('"src":"');
const K_DEV = bytes('"dev":"');
const K_REGION = bytes('"region":');
const K_NAME = bytes('"name":"');
const K_OFFSET = bytes('"offset":"');
const K_ADDR = bytes('"addr":"');
const K_WIDTH = bytes('"width":');
const K_VALUE = bytes('"value":"');
const K_CPU = bytes('"cpu":');
const K_MR = bytes('"mr":"');
const K_FILE = bytes('"file":"');
const K_T = bytes('"t":');
const K_TID = bytes('"tid":');
const K_LINE = bytes('"line":');

/** buf[p…] starts with `lit` (within `end`)? The byte scanners' literal test (core and parse). */
function at(buf: Buffer, p: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (p + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[p + i] !== lit[i]) return false;
  return true;
}
export { bytes as literalBytes, at as literalAt };

/** A JSON string's body without escapes (printable ASCII but `"` and `\`) from p: the index of its closing quote, or -1. */
function str(buf: Buffer, p: number, end: number): number {
  for (let i = p; i < end; i++) {
    const c = buf[i]!;
    if (c === 34) return i;
    if (c < 32 || c > 126 || c === 92) return -1;
  }
  return -1;
}

/** A canonical hex string body `0x…` (at most 16 digits) from p, closed by `"`: the index of the quote, or -1. */
function hex(buf: Buffer, p: number, end: number): number {
  if (p + 3 >= end || buf[p] !== 48 || buf[p + 1] !== 120) return -1;
  let i = p + 2;
  if (buf[i] === 48) return buf[i + 1] === 34 ? i + 1 : -1;
  while (i < end && ((buf[i]! >= 48 && buf[i]! <= 57) || (buf[i]! >= 97 && buf[i]! <= 102))) i++;
  return i - p - 2 > 16 || i === p + 2 || buf[i] !== 34 ? -1 : i;
}

/** A plain JSON integer (0, or at most 15 digits without a leading zero) from p: the index after it, or -1. */
function uint(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  if (buf[p] === 48) return p + 1;
  let i = p;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
  return i === p || i - p > 15 ? -1 : i;
}

/** An int (a minus, then uint, not -0). */
function int(buf: Buffer, p: number, end: number): number {
  if (buf[p] === 45) return buf[p + 1] === 48 ? -1 : uint(buf, p + 1, end);
  return uint(buf, p, end);
}

/**
 * Recognise at buf[s…] (end: the buffer's length) a read or write line in the
 * plain shape our tools write — what core's scanEvent reads, less its rare
 * fields (raw, pc, map, repeat), escapes and non-ASCII — with a value that
 * fits its width and an offset or address of at most 15 hex digits (one of
 * them, not both), and fill `a`: the index of the line's `\n`, or -1 (the line
 * is then read as it always was).
 */
export function scanNdjsonAccess(buf: Buffer, s: number, end: number, a: AccessView): number {
  if (!at(buf, s, end, K_TYPE)) return -1;
  let p = s + K_TYPE.length;
  if (buf[p] === 119 && buf[p + 1] === 114 && buf[p + 2] === 105 && buf[p + 3] === 116 && buf[p + 4] === 101 && buf[p + 5] === 34) {
    a.write = true;
    p += 6;
  } else if (buf[p] === 114 && buf[p + 1] === 101 && buf[p + 2] === 97 && buf[p + 3] === 100 && buf[p + 4] === 34) {
    a.write = false;
    p += 5;
  } else return -1;
  if (buf[p] !== 44) return -1;
  p++;
  if (at(buf, p, end, K_SRC)) {
    const q = str(buf, p + K_SRC.length, end);
    if (q < 0 || buf[q + 1] !== 44) return -1;
    p = q + 2;
  }
  a.devS = -1;
  if (at(buf, p, end, K_DEV)) {
    const d = p + K_DEV.length;
    const q = str(buf, d, end);
    if (q < 0 || buf[q + 1] !== 44) return -1;
    a.devBuf = buf;
    a.devS = d;
    a.devE = q;
    p = q + 2;
  }
  a.region = -1;
  if (at(buf, p, end, K_REGION)) {
    const d = p + K_REGION.length;
    const q = uint(buf, d, end);
    if (q < 0 || buf[q] !== 44) return -1;
    let r = 0;
    for (let i = d; i < q; i++) r = r * 10 + buf[i]! - 48;
    a.region = r;
    p = q + 1;
  }
  a.nameS = -1;
  if (at(buf, p, end, K_NAME)) {
    const d = p + K_NAME.length;
    const q = str(buf, d, end);
    if (q < 0 || buf[q + 1] !== 44) return -1;
    a.nameS = d;
    a.nameE = q;
    p = q + 2;
  }
  let d: number;
  if (at(buf, p, end, K_OFFSET)) {
    d = p + K_OFFSET.length;
    a.isAddr = false;
  } else if (at(buf, p, end, K_ADDR)) {
    d = p + K_ADDR.length;
    a.isAddr = true;
  } else return -1;
  let q = hex(buf, d, end);
  // 16 digits may end past 2^64 (the full reader's to say).
  if (q < 0 || q - d > 17 || buf[q + 1] !== 44) return -1;
  a.atS = d;
  a.atE = q;
  p = q + 2;
  if (!at(buf, p, end, K_WIDTH)) return -1;
  p += K_WIDTH.length;
  const w = buf[p]!;
  if (!(w === 49 || w === 50 || w === 52 || w === 56) || buf[p + 1] !== 44) return -1;
  a.width = w - 48;
  p += 2;
  if (!at(buf, p, end, K_VALUE)) return -1;
  d = p + K_VALUE.length;
  q = hex(buf, d, end);
  if (q < 0 || q - d - 2 > 2 * a.width) return -1;
  a.valS = d;
  a.valE = q;
  p = q + 1;
  // The optional fields, each with its comma, in the order our tools write them; then `}`.
  a.mrS = -1;
  if (buf[p] === 44 && at(buf, p + 1, end, K_CPU)) {
    q = int(buf, p + 1 + K_CPU.length, end);
    if (q < 0) return -1;
    p = q;
  }
  if (buf[p] === 44 && at(buf, p + 1, end, K_MR)) {
    d = p + 1 + K_MR.length;
    q = hex(buf, d, end);
    if (q < 0) return -1;
    a.mrS = d;
    a.mrE = q;
    p = q + 1;
  }
  if (buf[p] === 44 && at(buf, p + 1, end, K_FILE)) {
    q = str(buf, p + 1 + K_FILE.length, end);
    if (q < 0) return -1;
    p = q + 1;
  }
  if (buf[p] === 44 && at(buf, p + 1, end, K_T)) {
    // A number: an integer part of at most 15 digits, maybe a fraction.
    q = uint(buf, p + 1 + K_T.length, end);
    if (q < 0) return -1;
    if (buf[q] === 46) {
      const f = ++q;
      while (q < end && buf[q]! >= 48 && buf[q]! <= 57) q++;
      if (q === f) return -1;
    }
    p = q;
  }
  if (buf[p] === 44 && at(buf, p + 1, end, K_TID)) {
    q = int(buf, p + 1 + K_TID.length, end);
    if (q < 0) return -1;
    p = q;
  }
  if (buf[p] === 44 && at(buf, p + 1, end, K_LINE)) {
    q = uint(buf, p + 1 + K_LINE.length, end);
    if (q < 0) return -1;
    p = q;
  }
  if (buf[p] !== 125 || p + 1 >= end || buf[p + 1] !== 10) return -1;
  a.lineS = s;
  a.lineE = p + 1;
  return p + 1;
}

/*
 * Runs of access lines (issue 25): consecutive lines with one head (type,
 * src, dev, region, name: the bytes up to the `0x` of the offset or address)
 * in the plain shape, matched by one regular expression made for that head
 * (V8 compiles it to machine code: about 1 ns a byte, where a loop in
 * JavaScript over each byte costs several). It accepts a subset of what
 * scanNdjsonAccess accepts (no "file", offsets and addresses of at most 15
 * digits, a time's fraction of at most 30 digits), field for field the same
 * forms, so that a run's lines are each what scanNdjsonAccess reads with the
 * head of the run's first; everything else goes a line at a time as before.
 */
const STR = '[ !#-\\[\\]-~]*';
const UINT = '(?:0|[1-9][0-9]{0,14})';
const INT = '(?:0|-?[1-9][0-9]{0,14})';
const HEX16 = '0x(?:0|[1-9a-f][0-9a-f]{0,15})';
/** The head of an access line in the plain shape, up to the `0x` of its offset or address. */
const HEAD = new RegExp(`\\{"type":"(?:write|read)",(?:"src":"${STR}",)?(?:"dev":"${STR}",)?(?:"region":${UINT},)?(?:"name":"${STR}",)?"(?:offset|addr)":"0x`, 'y');
/** The end of the head of the access line at text[s…] (the index after the `0x` of its offset or address), or -1. */
export function headEnd(text: string, s: number): number {
  HEAD.lastIndex = s;
  return HEAD.test(text) ? HEAD.lastIndex : -1;
}
/** A width and a value that fits it. */
const widthValue = (w: number) => `${w},"value":"0x(?:0|[1-9a-f][0-9a-f]{0,${2 * w - 1}})`;
/** The rest of the line after the head, its `\n` included. */
const tail = (mr: boolean) =>
  `(?:0|[1-9a-f][0-9a-f]{0,14})","width":(?:${[1, 2, 4, 8].map(widthValue).join('|')})"` +
  `(?:,"cpu":${INT})?${mr ? `(?:,"mr":"${HEX16}")?` : ''}(?:,"t":${UINT}(?:\\.[0-9]{1,30})?)?(?:,"tid":${INT})?(?:,"line":${UINT})?\\}\\n`;
const TAIL = tail(true);
/** The tail without an "mr" field. */
const TAIL_NO_MR = tail(false);
/*
 * QEMU's VFIO access lines of the log backend (parse's scanQemuAccess reads
 * them, and more): `TID@SEC.USEC:` then the head `vfio_region_write  (DEV:regionN+`
 * (or read), then the rest, in exactly the forms scanQemuAccess accepts:
 * integers without leading zeros (a time's seconds below 4·10^9, 1 to 6
 * digits of fraction), lowercase hex without leading zeros, an offset of at
 * most 15 digits, a value that fits its width.
 */
const QEMU_PREFIX = /(?:0|[1-9][0-9]{0,14})@(?:0|[1-9][0-9]{0,8}|[1-3][0-9]{9})\.[0-9]{1,6}:/y;
const QEMU_HEAD = /vfio_region_(?:write|read) {2}\([ !#-[\]-~]+?:region(?:0|[1-9][0-9]{0,14})\+/y;
const QEMU_OFFSET = '0x(?:0|[1-9a-f][0-9a-f]{0,14})';
const fits = (w: number) => `0x(?:0|[1-9a-f][0-9a-f]{0,${2 * w - 1}})`;
const QEMU_WRITE = `${QEMU_OFFSET}, (?:${[1, 2, 4, 8].map((w) => `${fits(w)}, ${w}`).join('|')})\\)\\n`;
const QEMU_READ = `${QEMU_OFFSET}, (?:${[1, 2, 4, 8].map((w) => `${w}\\) = ${fits(w)}`).join('|')})\\n`;

const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** An expression matching exactly the strings given (none empty), their common starts factored out (a trie). */
function trie(words: string[]): string {
  const first = new Map<string, string[]>();
  let ends = false;
  for (const w of words) {
    if (w.length === 0) ends = true;
    else {
      const k = w[0]!;
      const l = first.get(k);
      if (l) l.push(w.slice(1));
      else first.set(k, [w.slice(1)]);
    }
  }
  const alts = [...first].map(([k, rest]) => escapeRe(k) + trie(rest));
  if (alts.length === 0) return '';
  const body = alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
  return ends ? `(?:${body})?` : body;
}

/**
 * Finds runs of access lines whose heads are of one class, in a chunk given
 * as latin1 text (see above). A head's class is the consumer's (`classify`,
 * from the view of the head's first line): a number >= 0, the same for every
 * line with that head (selected or not, the image it goes to), or -1: its
 * lines are never taken in runs. With `mrKeys`, the lines of a head without
 * a name are taken in runs only without an "mr" field (a region's key holds
 * its mr where it has no name: mmio-replay).
 */
export class AccessRuns {
  /** The class of each head seen (up to 256, then started again). */
  private heads = new Map<string, number>();
  /** Each class's heads and the expression of a run of its lines. */
  private classes: { heads: string[]; re: RegExp | undefined; length: number }[] = [];
  /** The class of the last run found, and its lines. */
  cls = -1;
  lines = 0;

  constructor(
    private readonly classify: (buf: Buffer, a: AccessView) => number,
    private readonly mrKeys = false,
    /**
     * QEMU trace lines instead of NDJSON (see QEMU_* below): `read` reads the
     * first line of a head (with the trace's byte scanner) into `view`, and
     * gives the index of its head's end (after the region's `+`), or -1.
     */
    private readonly qemu?: { read(buf: Buffer, s: number, end: number): number; view: AccessView },
  ) {}

  /** The view of a new head's first line, and where its head starts and ends (headS, headE): undefined when there is none. */
  private headS = 0;
  private headE = 0;
  private first(text: string, buf: Buffer, s: number, end: number, a: AccessView): AccessView | undefined {
    if (this.qemu === undefined) {
      HEAD.lastIndex = s;
      if (!HEAD.test(text)) return undefined;
      this.headS = s;
      this.headE = HEAD.lastIndex;
      return scanNdjsonAccess(buf, s, end, a) < 0 ? undefined : a;
    }
    QEMU_PREFIX.lastIndex = s;
    if (!QEMU_PREFIX.test(text)) return undefined;
    const h = QEMU_PREFIX.lastIndex;
    QEMU_HEAD.lastIndex = h;
    if (!QEMU_HEAD.test(text)) return undefined;
    this.headS = h;
    this.headE = QEMU_HEAD.lastIndex;
    // The scanner's head must be the expression's (its device ends at the first `:region`).
    return this.qemu.read(buf, s, end) === this.headE ? this.qemu.view : undefined;
  }

  /** The expression of one line of the heads given (of one class). */
  private line(heads: string[]): string {
    if (this.qemu !== undefined) {
      const w = heads.filter((h) => h.startsWith('vfio_region_write'));
      const r = heads.filter((h) => !h.startsWith('vfio_region_write'));
      return QEMU_PREFIX.source + `(?:${[...(w.length ? [trie(w) + QEMU_WRITE] : []), ...(r.length ? [trie(r) + QEMU_READ] : [])].join('|')})`;
    }
    const named = this.mrKeys ? heads.filter((h) => h.includes('"name":"')) : heads;
    const unnamed = this.mrKeys ? heads.filter((h) => !h.includes('"name":"')) : [];
    return `(?:${[...(named.length ? [trie(named) + TAIL] : []), ...(unnamed.length ? [trie(unnamed) + TAIL_NO_MR] : [])].join('|')})`;
  }

  /** The heads of class c all have this length (-1: they differ). */
  headLength(c: number): number {
    return this.classes[c]!.length;
  }

  /**
   * A run of access lines of one class at text[s…] (text: buf's bytes as
   * latin1): the index after its last `\n` (`cls` and `lines` set), or -1
   * when the line at s does not start one. `a` is used to read a new head's
   * first line.
   */
  match(text: string, buf: Buffer, s: number, end: number, a: AccessView): number {
    for (let round = 0; round < 2; round++) {
      const cs = this.classes;
      // The class of the last run first: runs of one class are the rule.
      const last = this.cls;
      if (last >= 0 && last < cs.length) {
        const e = this.run(last, text, s);
        if (e >= 0) return e;
      }
      for (let c = 0; c < cs.length; c++) {
        if (c === last) continue;
        const e = this.run(c, text, s);
        if (e >= 0) return e;
      }
      if (round > 0) return -1;
      // A head not seen yet: its class, from its first line.
      const v = this.first(text, buf, s, end, a);
      if (v === undefined) return -1;
      const head = text.slice(this.headS, this.headE);
      if (this.heads.has(head)) return -1;
      const c = this.classify(buf, v);
      if (this.heads.size >= 256) {
        this.heads.clear();
        this.classes = [];
      }
      this.heads.set(head, c);
      if (c < 0) return -1;
      while (this.classes.length <= c) this.classes.push({ heads: [], re: undefined, length: head.length });
      const k = this.classes[c]!;
      k.heads.push(head);
      if (head.length !== k.length) k.length = -1;
      // At most 256 lines a match: the expression's backtracking stack grows with the lines of one match.
      k.re = new RegExp(`(?:${this.line(k.heads)}){1,256}`, 'y');
    }
    return -1;
  }

  /** A run of class c's lines at text[s…]: the index after it, or -1. */
  private run(c: number, text: string, s: number): number {
    const re = this.classes[c]!.re;
    if (re === undefined) return -1;
    let e = s;
    for (;;) {
      re.lastIndex = e;
      if (!re.test(text)) break;
      e = re.lastIndex;
    }
    if (e === s) return -1;
    let n = 0;
    for (let p = s; p < e; p = text.indexOf('\n', p) + 1) n++;
    this.cls = c;
    this.lines = n;
    return e;
  }
}

/** Do buf[s, e) and `b` hold the same bytes? */
function same(buf: Uint8Array, s: number, e: number, b: Uint8Array): boolean {
  const n = e - s;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (buf[s + i] !== b[i]) return false;
  return true;
}

const latin1 = (buf: Uint8Array, s: number, e: number) => Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', s, e);

/** A verdict on each of the last few byte strings seen (up to 16), the last found first. */
class Verdicts {
  private keys: Uint8Array[] = [];
  private values: boolean[] = [];
  private last = 0;

  get(buf: Uint8Array, s: number, e: number): boolean | undefined {
    const k = this.keys;
    if (k.length > 0 && same(buf, s, e, k[this.last]!)) return this.values[this.last];
    for (let i = 0; i < k.length; i++) {
      if (same(buf, s, e, k[i]!)) {
        this.last = i;
        return this.values[i];
      }
    }
    return undefined;
  }

  set(buf: Uint8Array, s: number, e: number, v: boolean): boolean {
    if (this.keys.length >= 16) {
      this.keys = [];
      this.values = [];
    }
    this.last = this.keys.length;
    this.keys.push(Uint8Array.prototype.slice.call(buf, s, e));
    this.values.push(v);
    return v;
  }
}

/**
 * The selectors of a Selection pushed down to accesses read as bytes, when
 * they are only --type, --dev, --region and --name (else `of` gives
 * undefined). Exact from the first line: `take` says what `pass` would say of
 * the access and counts it as `pass` does; until the selection has selected
 * an event, the access goes to `pass` itself as the few fields it reads
 * (so what the input has is noted for the word on a selector that matches
 * nothing), after that its verdict comes from the bytes.
 */
export class SelectionPushdown {
  /** Verdicts on the last few devices and names seen (traces interleave a few regions). */
  private readonly devs = new Verdicts();
  private readonly names = new Verdicts();

  private constructor(private readonly sel: Selection) {}

  static of(sel: Selection | undefined): SelectionPushdown | undefined | null {
    if (sel === undefined) return null; // nothing to select: every access is taken
    const o = sel.o;
    if (o.mrs || o.offsets || o.addrs || o.widths || o.values || o.since || o.until || o.fromMark !== undefined || o.toMark !== undefined || o.lines || o.invert) return undefined;
    return new SelectionPushdown(sel);
  }

  /** Is this access selected? Counted as Selection.pass counts it (and, until one is selected, noted as it notes it). */
  take(a: AccessView, buf: Buffer): boolean {
    if (this.sel.selected === 0) return this.sel.pass(accessFields(a, buf)) === 'select';
    if (!this.select(a, buf)) return false;
    this.sel.selected++;
    return true;
  }

  /** May runs of lines be taken (see takeRun)? Once the selection has selected an event. */
  get runs(): boolean {
    return this.sel.selected > 0;
  }

  /** Count `lines` accesses selected (by `select`, once `runs`) as Selection.pass counts them. */
  selectedRun(lines: number): void {
    this.sel.selected += lines;
  }

  /** Would the selection select this access? (No side effects but the verdicts kept.) */
  select(a: AccessView, buf: Buffer): boolean {
    const o = this.sel.o;
    if (o.types && !o.types.has(a.write ? 'write' : 'read')) return false;
    if (o.devs) {
      if (a.devS < 0) return false;
      let v = this.devs.get(a.devBuf, a.devS, a.devE);
      if (v === undefined) v = this.devs.set(a.devBuf, a.devS, a.devE, o.devs.has(latin1(a.devBuf, a.devS, a.devE)));
      if (!v) return false;
    }
    if (o.regions && (a.region < 0 || !o.regions.has(a.region))) return false;
    if (o.names) {
      if (a.nameS < 0) return false;
      let v = this.names.get(buf, a.nameS, a.nameE);
      if (v === undefined) {
        const name = latin1(buf, a.nameS, a.nameE);
        v = this.names.set(buf, a.nameS, a.nameE, o.names.some((r) => r.test(name)));
      }
      if (!v) return false;
    }
    return true;
  }
}

/** The fields of an access that Selection.pass reads for the selectors pushed down (type, dev, region, name, mr, offset or addr). */
function accessFields(a: AccessView, buf: Buffer): { type: string } & Record<string, unknown> {
  const ev: { type: string } & Record<string, unknown> = { type: a.write ? 'write' : 'read' };
  if (a.devS >= 0) ev.dev = latin1(a.devBuf, a.devS, a.devE);
  if (a.region >= 0) ev.region = a.region;
  if (a.nameS >= 0) ev.name = latin1(buf, a.nameS, a.nameE);
  if (a.mrS >= 0) ev.mr = latin1(buf, a.mrS, a.mrE);
  ev[a.isAddr ? 'addr' : 'offset'] = latin1(buf, a.atS, a.atE);
  return ev;
}
