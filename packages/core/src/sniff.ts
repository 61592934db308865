/**
 * What an input is, from its first bytes, when it is not the text (or gzip, or
 * simpletrace) the tools read: another compressor's output or an archive is
 * named with the command that reads it; UTF-16 text with a byte-order mark is
 * decoded to UTF-8; and for an input of which nothing was recognised, a few
 * words on what it looks like (binary data, NDJSON events already).
 */
import { basename } from 'node:path';
import { InputError } from './errors.js';
import { peekInput } from './input.js';

/** Compressed data and archives the tools do not read themselves: what it is, and the command that gives its content. */
const FOREIGN: { magic: number[]; what: string; via: string }[] = [
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed data', via: 'xz -dc' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data', via: 'zstd -dc' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed data', via: 'bzip2 -dc' },
  { magic: [0x04, 0x22, 0x4d, 0x18], what: 'lz4-compressed data', via: 'lz4 -dc' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive', via: 'unzip -p' },
  { magic: [0x50, 0x4b, 0x05, 0x06], what: 'an empty zip archive', via: 'unzip -p' },
];

const startsWith = (head: Uint8Array, magic: number[]) => head.length >= magic.length && magic.every((b, i) => head[i] === b);

/** The running tool's name (its bin is mmio-X.js), for a command line to suggest; undefined if unknown. */
function toolName(): string | undefined {
  const m = /^(mmio-[a-z]+)(\.js)?$/.exec(basename(process.argv[1] ?? ''));
  return m?.[1];
}

/** A path as a shell word. */
const shellWord = (p: string) => (/^[\w./:@%+=-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * The message for an input that is compressed data or an archive the tools do
 * not read (`path` as given, `-` for stdin), or undefined when it is not one.
 */
export function foreignInputMessage(head: Uint8Array, path: string): string | undefined {
  const f = FOREIGN.find((x) => startsWith(head, x.magic) && (x.via !== 'bzip2 -dc' || (head[3]! >= 0x31 && head[3]! <= 0x39)));
  if (f === undefined) return undefined;
  const tool = toolName() ?? 'the tool';
  const how = path === '-' ? `… | ${f.via} | ${tool}` : `${f.via} ${shellWord(path)} | ${tool}`;
  return `${f.what}, which the tools do not read: give the tool what it holds: ${how}`;
}

/** The byte-order mark of UTF-16 text, or undefined. */
function utf16(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (head.length < 2) return undefined;
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * The chunks of an input (already gunzipped) as the readers take them: UTF-16
 * text with a byte-order mark (as PowerShell's `>` writes it) decoded to UTF-8,
 * without the mark; compressed data or an archive the tools do not read is an
 * InputError that names it and the command that reads it. Anything else passes
 * as it is.
 */
export async function* sniffInput(chunks: AsyncIterable<Buffer>, path: string, name: string): AsyncGenerator<Buffer> {
  const { head, chunks: all } = await peekInput(chunks, 6);
  if (head === undefined) return;
  const foreign = foreignInputMessage(head, path);
  if (foreign !== undefined) throw new InputError(foreign, name);
  const enc = utf16(head);
  if (enc === undefined) {
    yield* all;
    return;
  }
  const decoder = new TextDecoder(enc, { ignoreBOM: false });
  for await (const c of all) {
    const text = decoder.decode(c, { stream: true });
    if (text.length) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length) yield Buffer.from(rest, 'utf8');
}

/** Known binary formats by their first bytes. */
const BINARY: { magic: number[]; what: string }[] = [
  { magic: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { magic: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  { magic: [0x1f, 0x8b], what: 'gzip data' },
];

/** Does this start of an input look like binary data (a NUL, or many bytes that are neither text nor UTF-8)? */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  if (n === 0) return false;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) odd++;
  }
  if (odd * 10 > n) return true;
  // Text that is not UTF-8 at all (a decoder replaces most of it).
  const text = Buffer.from(head.buffer, head.byteOffset, n).toString('utf8');
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return bad * 10 > text.length;
}

/**
 * What an input of which nothing was recognised as a trace looks like, from
 * its start: binary data (and which, when known), NDJSON events already, or
 * text with its first line.
 */
export function notATraceMessage(head: Uint8Array | undefined): string {
  if (head === undefined || head.length === 0) return 'empty';
  const known = BINARY.find((x) => startsWith(head, x.magic));
  if (known || looksBinary(head)) return `binary data${known ? ` (${known.what})` : ''}, not a trace: no line of it was recognised`;
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 1 << 14)).toString('utf8');
  const first = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  if (first.startsWith('{')) {
    return 'this is already NDJSON (events, as mmio-parse writes them): pipe it to the other tools (mmio-filter, mmio-format, mmio-replay, ...), which read it as it is';
  }
  const shown = first.length > 60 ? first.slice(0, 60) + '...' : first;
  return `no line of it is trace output (the first: ${JSON.stringify(shown)})`;
}

/** Binary data, said in a few words from its first bytes (`binary data (a PNG image)`); undefined for text. */
export function binaryWhat(head: Uint8Array): string | undefined {
  const known = BINARY.find((x) => startsWith(head, x.magic)) ?? FOREIGN.find((x) => startsWith(head, x.magic));
  if (!known && !looksBinary(head)) return undefined;
  return `binary data${known ? ` (${known.what})` : ''}`;
}
