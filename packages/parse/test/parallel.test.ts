import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, stringifyEvent } from '@mmio-tools/core';
import { parseTrace, type ParseOptions } from '../src/parse.js';
import { parseTextParallel, type ParallelOptions } from '../src/parallel.js';
import { textBlocks } from '../src/blocks.js';
import { FIXTURES, chunksOf } from '../../../test/helpers/util.js';

const DEFAULTS: ParseOptions = { format: 'auto', all: false, strict: false, lenient: false };
/** Tiny blocks, and two workers (and this thread) from the first block. */
const TINY: ParallelOptions = { jobs: 3, blockSize: 4096, inlineBytes: 0, inlineUntilReady: false };

interface Outcome {
  out: string;
  warnings: string[];
  error?: string;
  stats?: unknown;
}

async function sequential(text: string, opts: Partial<ParseOptions> = {}): Promise<Outcome> {
  const o: Outcome = { out: '', warnings: [] };
  try {
    o.stats = await parseTrace(chunksOf(text, 1000), 'trace.log', { ...DEFAULTS, ...opts }, {
      event: (e) => (o.out += stringifyEvent(e) + '\n'),
      warn: (w) => o.warnings.push(w),
    });
  } catch (e) {
    o.error = `${(e as InputError).file}:${(e as InputError).line}: ${(e as Error).message}`;
  }
  return o;
}

async function parallel(text: string, opts: Partial<ParseOptions> = {}, po: ParallelOptions = TINY): Promise<Outcome> {
  const o: Outcome = { out: '', warnings: [] };
  try {
    o.stats = await parseTextParallel(chunksOf(text, 1000), 'trace.log', { ...DEFAULTS, ...opts }, {
      write: (d) => void (o.out += Buffer.from(d).toString()),
      warn: (w) => o.warnings.push(w),
    }, po);
  } catch (e) {
    o.error = `${(e as InputError).file}:${(e as InputError).line}: ${(e as Error).message}`;
  }
  return o;
}

const VFIO = readFileSync(join(FIXTURES, 'qemu-vfio.log'), 'utf8');
const MMIOTRACE = readFileSync(join(FIXTURES, 'mmiotrace.log'), 'utf8');

describe('textBlocks', () => {
  it('cuts at line ends, numbers the lines, and keeps every byte', async () => {
    const text = 'a\nbb\r\nccc\n\nlast without newline';
    const blocks = [];
    for await (const b of textBlocks(chunksOf(text, 3), 4)) blocks.push(b);
    // A block ends at a newline after which a chunk has the next line's first byte.
    expect(blocks.map((b) => Buffer.from(b.bytes).toString())).toEqual(['a\nbb\r\nccc\n\n', 'last without newline']);
    expect(blocks.map((b) => [b.firstLine, b.lines])).toEqual([[1, 4], [5, 1]]);
  });

  it('never starts a block with an indented line that may continue the event before it (ftrace lines may)', async () => {
    const text = 'e1 x\n  cont\n  cont\ne2 y\n  cont\n q-1 [000] ... 1.5: tracing_mark_write: e3\n  cont\nz\n';
    const blocks = [];
    for await (const b of textBlocks(chunksOf(text, 5), 20)) blocks.push(Buffer.from(b.bytes).toString());
    expect(blocks.join('')).toBe(text);
    for (const b of blocks.slice(1)) expect(b.startsWith('  cont')).toBe(false);
    // A trace of ftrace lines, every one indented, is still cut into blocks.
    const ftrace = ' q-1 [000] ... 1.5: tracing_mark_write: e3 x\n'.repeat(50);
    const fblocks = [];
    for await (const b of textBlocks(chunksOf(ftrace, 64), 200)) fblocks.push(Buffer.from(b.bytes).toString());
    expect(fblocks.join('')).toBe(ftrace);
    expect(fblocks.length).toBeGreaterThan(5);
    for (const b of fblocks) expect(b.startsWith(' q-1')).toBe(true);
  });
});

describe('parseTextParallel gives what parseTrace gives', () => {
  it('on the real VFIO trace, in worker threads', async () => {
    const [a, b] = await Promise.all([sequential(VFIO), parallel(VFIO)]);
    expect(b).toEqual(a);
    expect(a.out.split('\n').length).toBeGreaterThan(12000);
  });

  it('on the real mmiotrace log: stateful, so it falls back to parsing in order', async () => {
    const [a, b] = await Promise.all([sequential(MMIOTRACE), parallel(MMIOTRACE)]);
    expect(b).toEqual(a);
  });

  it('when mmiotrace lines first appear deep in a QEMU trace (the block comes back and is parsed in order)', async () => {
    const text = VFIO + MMIOTRACE + VFIO;
    const a = await sequential(text);
    // One worker and this thread, then two workers and this thread: blocks parsed out of order in both.
    for (const jobs of [2, 3]) expect(await parallel(text, {}, { ...TINY, jobs })).toEqual(a);
  });

  it('with --format qemu, --all, CRLF endings and no final newline', async () => {
    const text = VFIO.replace(/\n/g, '\r\n').trimEnd();
    for (const opts of [{ format: 'qemu' as const }, { all: true }]) {
      const [a, b] = await Promise.all([sequential(text, opts), parallel(text, opts)]);
      expect(b).toEqual(a);
    }
  });

  it('stops at the same line with the same output on a malformed line, and warns the same under --lenient', async () => {
    const lines = VFIO.split('\n');
    lines[9000] = '1@1.1:vfio_region_write  (0000:03:00.0:region2+0x4, 0x1, 3)';
    lines[11000] = '1@1.1:vfio_region_write  (0000:03:00.0:region2+0xZZ, 0x1, 4)';
    const text = lines.join('\n');
    const [a, b] = await Promise.all([sequential(text), parallel(text)]);
    expect(a.error).toBe('trace.log:9001: vfio_region_write: width 3 is not 1, 2, 4 or 8');
    expect(b).toEqual(a);
    const [c, d] = await Promise.all([sequential(text, { lenient: true }), parallel(text, { lenient: true })]);
    expect(c.warnings).toHaveLength(2);
    expect(d).toEqual(c);
  });

  it('counts unrecognised lines and fails on them under --strict at the same line', async () => {
    const text = VFIO.split('\n').map((l, i) => (i % 5000 === 4999 ? 'not a trace line' : l)).join('\n');
    for (const opts of [{}, { strict: true }]) {
      const [a, b] = await Promise.all([sequential(text, opts), parallel(text, opts)]);
      expect(b).toEqual(a);
    }
  });

  it('in one thread and with the default sizes', async () => {
    for (const po of [{ jobs: 1, blockSize: 4096 }, { jobs: 2 }]) {
      const [a, b] = await Promise.all([sequential(VFIO), parallel(VFIO, {}, po)]);
      expect(b).toEqual(a);
    }
  });
});
