/**
 * The fast path of reading an event line. Almost every line a tool reads is a
 * read or write written by another mmio-tools program: a flat object, fields in
 * the canonical order of stringifyEvent, strings that need no escapes, plain
 * numbers. `scanEvent` reads exactly such a line with one regular expression,
 * built below from the schema's field kinds, which checks the schema as it
 * matches. V8 compiles it to machine code: it is about twice as fast as the
 * hand-written scan of the characters in JavaScript it replaced, and more than
 * four times as fast as `JSON.parse` plus `checkEvent`. Any other line — other
 * event types, fields or field orders, escapes, whitespace, exponents, signs,
 * or anything invalid — is left to `JSON.parse` and `checkEvent`, which
 * decide and word the error. So
 * this accepts a subset of what they accept, with the same values (tested
 * against them in packages/core/test).
 */
import { FIELD_KINDS, LEADING_FIELDS, TRAILING_FIELDS, accessProblem, type FieldKind } from './events.js';
import { decimalNumber } from './number.js';

type Ev = Record<string, unknown> & { type: string };

/**
 * The fields of an access event, in the order our tools write them: the other
 * fields (cpu, mr, pc, file, repeat) in the order they are added.
 */
const FIELDS = [...LEADING_FIELDS, 'cpu', 'mr', 'raw', 'pc', 'map', 'file', 'repeat', ...TRAILING_FIELDS];
/** Fields every access event has. */
const REQUIRED = new Set(['width', 'value']);

/** A JSON value of each kind, captured, as far as the fast path reads it: integers of at most 15 digits, no sign. */
const VALUE: Partial<Record<FieldKind, string>> = {
  string: '"([^"\\\\\\u0000-\\u001f]*)"',
  hex: '"(0x(?:0|[1-9a-f][0-9a-f]{0,15}))"',
  uint: '(0|[1-9]\\d{0,14})',
  int: '(0|-?[1-9]\\d{0,14})',
  positive: '([1-9]\\d{0,14})',
  width: '([1248])',
  number: '((?:0|[1-9]\\d{0,14})(?:\\.\\d+)?)',
};
const LINE = new RegExp(
  '^\\{"type":"(read|write)"' +
    FIELDS.map((f) => {
      const member = `,"${f}":${VALUE[FIELD_KINDS.get(f)!]!}`;
      return REQUIRED.has(f) ? member : `(?:${member})?`;
    }).join('') +
    '\\}$',
);

/** A captured integer (plain digits, at most 15, maybe a minus) as a number; undefined when the line does not have the field. */
function int(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const neg = text.charCodeAt(0) === 45;
  let n = 0;
  for (let i = neg ? 1 : 0; i < text.length; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return neg ? -n : n;
}
/** A captured time as a number, exactly as JSON.parse reads it; undefined when the line does not have it. */
const time = (text: string | undefined) => (text === undefined ? undefined : decimalNumber(text, 0, text.length));

/**
 * Read one event line of the plain shape described above; undefined when the
 * line is anything else (the caller then parses it in full). Fields the line
 * does not have are present as `undefined` in the object.
 */
export function scanEvent(raw: string): Ev | undefined {
  const m = LINE.exec(raw);
  // Groups: 1 type, then FIELDS in order (so the numbers below follow LEADING_FIELDS and
  // TRAILING_FIELDS); an access has an offset (6) or an address (7).
  if (m === null || (m[6] === undefined && m[7] === undefined)) return undefined;
  const width = m[8]!.charCodeAt(0) - 48;
  // A value too wide for its width, or an access past 2^64: the full reader words the error.
  if (accessProblem(width, m[9]!, m[6], m[7]) !== undefined) return undefined;
  return {
    type: m[1]!,
    src: m[2],
    dev: m[3],
    region: int(m[4]),
    name: m[5],
    offset: m[6],
    addr: m[7],
    width,
    value: m[9],
    cpu: int(m[10]),
    mr: m[11],
    raw: m[12],
    pc: m[13],
    map: int(m[14]),
    file: m[15],
    repeat: int(m[16]),
    t: time(m[17]),
    tid: int(m[18]),
    line: int(m[19]),
  };
}
