/**
 * Traces as people share them: pasted into a mail or a review. Between the
 * line splitter and the line parser, a paste reader gives back the trace's own
 * lines, each numbered by the first input line it came from:
 *
 * - quoted-printable (a mail's transfer encoding, its outermost layer): an
 *   input line ending in `=` goes on in the next one (a soft line break), and
 *   `=XX` is the byte XX (`len=3D0x2` is `len=0x2`). Only where the input shows
 *   it is quoted-printable (see looksQuotedPrintable);
 * - a prefix in front of every line: quote markers (`> `, `>>> `, `> > `), one
 *   diff marker (`+`, `-`, a space), a comment's ` * ` (`+ * ` in a patch);
 * - lines wrapped by the mailer: a line is joined with the lines after it
 *   (up to MAX_JOIN) when the joined line reads as a trace line and the next
 *   line does not read by itself, and the break is where a mailer that wraps
 *   at WRAP_MIN columns or more would have made it. A line whose next line
 *   continues it is not an event by itself: a `memory_region_ops_read … size 2`
 *   whose `name 'vbe'` went to the next line is read with its name.
 */

/** A mailer that wraps wraps at this many columns or more (72, 76 and 78 are usual). */
export const WRAP_MIN = 60;
/** A line is joined with at most this many lines after it (a line wrapped into more pieces is not). */
export const MAX_JOIN = 4;

type OnLine = (line: string, lineNo: number, cut?: boolean) => void;

/**
 * What a line (a trace line, without prefix) is: `true`, it reads as a line of a
 * trace (a known event, another QEMU event, an mmiotrace line); `'start'`, it
 * starts as one but cannot be read (a known event cut short: a line of its own,
 * whose end may be on the next line); `'other'`, it reads as another QEMU event,
 * whose arguments are any text (so any line would continue it: it is not
 * joined with the lines after it); `false`, none of these.
 */
export type Reads = (line: string) => boolean | 'start' | 'other';

/** A line as the wrap joiner sees it: its text without prefix, its length with it, its number. */
interface Piece {
  text: string;
  length: number;
  lineNo: number;
  cut?: boolean;
}

/**
 * The prefix a mail or a review puts in front of a pasted line: quote markers,
 * then one diff marker, then a comment's `*`, each with the space after it.
 * Returns where the trace line starts.
 */
export function prefixLength(line: string): number {
  let i = 0;
  const n = line.length;
  // Quote markers: `>`, `>>>`, `> > `, each run with one space after it.
  while (i < n && line.charCodeAt(i) === 62 /* > */) {
    while (i < n && line.charCodeAt(i) === 62) i++;
    if (line.charCodeAt(i) === 32) i++;
  }
  // One diff marker: `+` or `-` (a space, a context line, is read past as any indentation).
  const c = line.charCodeAt(i);
  if (c === 43 /* + */ || c === 45 /* - */) i++;
  // A comment's `*` (` * ` in a C comment, `+ * ` in a patch), with the white space around it.
  let j = i;
  while (j < n && (line.charCodeAt(j) === 32 || line.charCodeAt(j) === 9)) j++;
  if (line.charCodeAt(j) === 42 /* * */ && (j + 1 === n || line.charCodeAt(j + 1) === 32 || line.charCodeAt(j + 1) === 9)) i = j + 2 > n ? n : j + 2;
  return i;
}

/** The line without the prefix a mail or a review put in front of it. */
export function stripPrefix(line: string): string {
  const k = prefixLength(line);
  return k === 0 ? line : line.slice(k);
}

const QP_ESCAPE = /=([0-9A-Fa-f]{2})/g;

/** One quoted-printable line (its soft break already taken off) decoded: `=XX` is the byte XX, the bytes UTF-8. */
export function decodeQuotedPrintable(line: string): string {
  if (line.indexOf('=') === -1) return line;
  let eight = false;
  const ascii = line.replace(QP_ESCAPE, (_, h: string) => {
    const b = parseInt(h, 16);
    if (b >= 0x80) eight = true;
    return String.fromCharCode(b);
  });
  // Bytes past 0x7f are UTF-8 (the charset of every trace mmio-parse reads).
  return eight ? Buffer.from(ascii, 'latin1').toString('utf8') : ascii;
}

/**
 * Does this text (the start of an input, as lines) show quoted-printable? An
 * escape that only an encoder writes (`=3D` for `=`, `=20` or `=09` for white
 * space at a line end, `=XX` for a byte past 0x7f), or a soft line break where
 * an encoder puts one: a line of 73 to 76 characters ending in `=` after a
 * character that is not white space (a mailer's wrap of a vfio_region_read
 * breaks at the space after its `=`).
 */
export function looksQuotedPrintable(lines: string[]): boolean {
  for (const l of lines) {
    if (/=(?:3D|20|09|[89A-F][0-9A-F])/.test(l)) return true;
    if (l.length >= 73 && l.length <= 76 && l.endsWith('=') && !/\s=$/.test(l)) return true;
  }
  return false;
}

/**
 * Reads a paste: push each input line (as the line splitter gives it), then
 * `end`; the trace's lines come out to `onLine` in order, numbered by their
 * first input line. Up to MAX_JOIN lines are held back to see whether they
 * continue the one before them.
 */
export class PasteReader {
  /** Input lines of a quoted-printable line that goes on (soft breaks), and its number. */
  private soft: string[] = [];
  private softLine = 0;
  /** Lines (without prefix) not given yet: the first and the ones that may continue it. */
  private queue: Piece[] = [];

  constructor(
    private readonly onLine: OnLine,
    private readonly reads: Reads,
    /** Quoted-printable: from the start, or from the first line that shows it (looksQuotedPrintable). */
    private qp: boolean,
  ) {}

  /** One input line. */
  push(line: string, lineNo: number, cut?: boolean): void {
    if (!this.qp && looksQuotedPrintable([line])) this.qp = true;
    if (this.qp) {
      // A soft line break: `=` at the end (white space after it is the mailer's).
      const t = line.trimEnd();
      if (t.endsWith('=') && !cut) {
        if (this.soft.length === 0) this.softLine = lineNo;
        this.soft.push(t.slice(0, -1));
        return;
      }
      if (this.soft.length > 0) {
        this.soft.push(line);
        line = this.soft.join('');
        lineNo = this.softLine;
        this.soft = [];
      }
      line = decodeQuotedPrintable(line);
    }
    this.queue.push({ text: stripPrefix(line), length: line.length, lineNo, cut });
    if (this.queue.length > MAX_JOIN) this.give();
  }

  /** A line too long to read was skipped: what is held goes first, then `long` (no line joins across it). */
  skip(long: () => void): void {
    this.drain();
    long();
  }

  /** The end of the input: everything held. */
  end(): void {
    if (this.soft.length > 0) {
      // A soft break on the last line: the line ends there.
      const line = decodeQuotedPrintable(this.soft.join(''));
      this.queue.push({ text: stripPrefix(line), length: line.length, lineNo: this.softLine, cut: true });
      this.soft = [];
    }
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0) this.give();
  }

  /** Give the first line held, joined with the lines that continue it. */
  private give(): void {
    const q = this.queue;
    const head = q[0]!;
    let joined = head.text;
    let best = 0;
    let bestText = head.text;
    let before = head.length;
    /** What the line so far is (see Reads). */
    let sofar: boolean | 'start' | 'other' | undefined;
    let headReads: boolean | 'start' | 'other' | undefined;
    // A blank line, and a `#` line (the ftrace header, a comment), is a line of its own.
    const first = head.text.trimStart();
    const joins = first.length > 0 && first.charCodeAt(0) !== 35; /* # */
    for (let k = 1; joins && k < q.length; k++) {
      const next = q[k]!;
      const t = next.text.trim();
      if (t.length === 0) break;
      const word = t.indexOf(' ') === -1 ? t.length : t.indexOf(' ');
      // A mailer breaks a line where the next word would pass its width.
      if (before + 1 + word <= WRAP_MIN) break;
      // A line that reads by itself, or starts as a trace line does, is a line of its own
      // after a line that is one (not after an ftrace prefix wrapped before its event).
      const alone = this.reads(t);
      if (alone !== false && (sofar ??= this.reads(joined)) !== false) break;
      joined = /\s$/.test(joined) ? joined + t : joined + ' ' + t;
      sofar = this.reads(joined);
      // Another QEMU event reads whatever follows it: joined, it must not have read before.
      if (sofar === true || (sofar === 'other' && (headReads ??= this.reads(head.text)) !== 'other' && headReads !== true)) {
        best = k;
        bestText = joined;
      }
      before = next.length;
    }
    const cut = q[best]!.cut;
    q.splice(0, best + 1);
    if (cut) this.onLine(bestText, head.lineNo, true);
    else this.onLine(bestText, head.lineNo);
  }
}

/**
 * Should an input with these first lines be read as a paste? When more of its
 * lines are accounted for read through a PasteReader than read as they are: a
 * line is, when it is part of a line that reads as a trace line, or blank, or
 * a `#` line (the ftrace header). A trace in a mail or a review, quoted,
 * diffed, quoted-printable or wrapped, is; a trace as QEMU or the kernel wrote
 * it reads the same either way.
 */
export function looksPasted(lines: string[], reads: Reads): { paste: boolean; qp: boolean } {
  const qp = looksQuotedPrintable(lines);
  const counts = (line: string) => {
    const t = line.trim();
    if (t.length === 0 || t.charCodeAt(0) === 35 /* # */) return true;
    const r = reads(t);
    return r === true || r === 'other';
  };
  let plain = 0;
  for (const l of lines) if (counts(l)) plain++;
  let pasted = 0;
  const read: [string, number][] = [];
  const r = new PasteReader((line, lineNo) => read.push([line, lineNo]), reads, qp);
  lines.forEach((l, i) => r.push(l, i + 1));
  r.end();
  for (let i = 0; i < read.length; i++) {
    const [line, lineNo] = read[i]!;
    const nextNo = i + 1 < read.length ? read[i + 1]![1] : lines.length + 1;
    if (counts(line)) pasted += nextNo - lineNo;
  }
  return { paste: pasted > plain, qp };
}
