/**
 * Traces as people share them (issue 26): `#` lines, mmiotrace from other
 * writers, and (below) pastes from mails and reviews.
 */
import { describe, expect, it } from 'vitest';
import { InputError, maybeGunzip, stringifyEvent, type MmioEvent } from '@mmio-tools/core';
import { parseTrace, type ParseOptions } from '../src/parse.js';
import { parseTextParallel } from '../src/parallel.js';
import { chunksOf } from '../../../test/helpers/util.js';

const DEFAULTS: ParseOptions = { format: 'auto', all: false, strict: false, lenient: false };

/** Parse, the input in chunks of `chunk` bytes (64 KiB: as a file is read). */
async function parse(data: string | Buffer, opts: Partial<ParseOptions> = {}, chunk = 7) {
  const events: MmioEvent[] = [];
  const warnings: string[] = [];
  const stats = await parseTrace(maybeGunzip(chunksOf(data, chunk)), 'trace.log', { ...DEFAULTS, ...opts }, {
    event: (e) => events.push(e),
    warn: (w) => warnings.push(w),
  });
  return { events: events.map((e) => JSON.parse(stringifyEvent(e)) as Record<string, unknown>), stats, warnings };
}

async function parseError(data: string, opts: Partial<ParseOptions> = {}): Promise<string> {
  try {
    await parse(data, opts);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return `${e.file}:${e.line}: ${e.message}`;
  }
  throw new Error('expected an error');
}

const FTRACE_HEAD = '# tracer: nop\n#\n# entries-in-buffer/entries-written: 2/5   #P:2\n#\n';
const VFIO = '141@1795266104.422572:vfio_pci_read_config  (0000:00:03.0, @0x4, len=0x2) 0x103\n';

describe('# lines', () => {
  it('the ftrace header at the top is a header (its lost count an event); a # line later is an unrecognised line', async () => {
    const { events, stats } = await parse(FTRACE_HEAD + VFIO + '# not a header here\n' + VFIO);
    expect(events.map((e) => e.type)).toEqual(['lost', 'read', 'read']);
    expect(stats.unrecognised).toBe(1);
    expect(stats.firstUnrecognised).toBe(6);
  });

  it('under --strict a # line past the top is an error; the header is not', async () => {
    expect((await parse(FTRACE_HEAD + VFIO, { strict: true })).events).toHaveLength(2);
    expect(await parseError(FTRACE_HEAD + VFIO + '# entries-in-buffer/entries-written: 2/9   #P:2\n', { strict: true })).toBe(
      'trace.log:6: unrecognised line "# entries-in-buffer/entries-written: 2/9   #P:2"',
    );
  });

  it('in blocks (mmio-parse -j): a header longer than a block is still the header; a # line in a later block is not', async () => {
    const data = FTRACE_HEAD + '#' + ' '.repeat(100) + 'delay\n' + VFIO + VFIO + '# late\n' + VFIO;
    const out: Buffer[] = [];
    const stats = await parseTextParallel(chunksOf(data, 5), 'trace.log', DEFAULTS, { write: (d) => void out.push(Buffer.from(d)), warn: () => undefined }, { jobs: 2, blockSize: 64, inlineBytes: 0, inlineUntilReady: false });
    expect(Buffer.concat(out).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l).type)).toEqual(['lost', 'read', 'read', 'read']);
    expect(stats.unrecognised).toBe(1);
    expect(stats.firstUnrecognised).toBe(8);
  });

  it('a # line after a blank line at the top is still the header', async () => {
    const { events, stats } = await parse('\n' + FTRACE_HEAD + VFIO);
    expect(events.map((e) => e.type)).toEqual(['lost', 'read']);
    expect(stats.unrecognised).toBe(0);
  });
});

const MMIOTRACE = `VERSION 20070824
PCIDEV 0010 8086100e b febc0000 c001 0 0 0 0 feb80000 20000 40 0 0 0 0 40000 e1000
MAP 1.891224 1 0xfebc0000 0xffffd0c4006a0000 0x20000 0x0 0
R 4 1.893641 1 0xfebc0008 0x80080783 0x0 0
W 4 1.902493 1 0xfebc00d8 0xffffffff 0x0 0
UNKNOWN 1.902500 1 0xfebc0010 8b,40,10 0xffffffffc0000000 0
MARK 1.903000 e1000  probe  done
UNMAP 1.950000 1
`;

describe('mmiotrace from other writers', () => {
  it('runs of spaces and tabs between fields read as one space, as the kernel\'s sscanf readers do', async () => {
    const spaced = MMIOTRACE.split('\n')
      .map((l) => (l.startsWith('MARK') ? l.replace('MARK ', 'MARK   ') : l.replace(/ /g, (_, i: number) => (i % 3 === 0 ? ' \t ' : '   ')) + (l ? '  ' : '')))
      .join('\n');
    expect(spaced).toContain('PCIDEV \t 0010   8086100e');
    const want = await parse(MMIOTRACE);
    expect(want.events).toHaveLength(7);
    expect(want.events[1]).toMatchObject({ type: 'map', dev: '0000:00:02.0', region: 0 });
    const got = await parse(spaced);
    expect(got.events).toEqual(want.events);
    expect(got.stats.unrecognised).toBe(0);
  });

  it('a PCIDEV line of another writer: columns padded with spaces, no driver, is read (once fatal: resource 0 "fa000000 " is not hex)', async () => {
    const { events } = await parse('PCIDEV 0300  10de0641  10  fa000000  0  0  0  0  0  0  1000000  0  0  0  0  0  0 \n');
    expect(events).toEqual([{ type: 'device', src: 'mmiotrace', dev: '0000:03:00.0', vendor: '0x10de', device: '0x641', irq: 16, bars: [{ index: 0, addr: '0xfa000000', size: '0x1000000' }], line: 1 }]);
  });

  it('a field that is really missing is named', async () => {
    expect(await parseError('PCIDEV 0300 10de0641 10 fa000000 0 0 0 0 0 0 1000000 0 0 0 0 0\n')).toBe('trace.log:1: PCIDEV: resource 6 size is missing (expected 17 fields, found 16)');
    expect(await parseError('R 4 1.893641 1 0xfebc0008 0x80080783\n')).toBe('trace.log:1: mmiotrace read: pc is missing (expected 7 fields, found 5)');
    expect(await parseError('MAP 1.891224 1\n')).toBe('trace.log:1: MAP: address is missing (expected 7 fields, found 2)');
    expect(await parseError('PCIDEV 0300 10de0641 10 fa000000 0 0 0 0 0 0 1000000 0 0 0 0 0 zz\n')).toBe('trace.log:1: PCIDEV: resource 6 size "zz" is not hex');
  });
});

// ---------------------------------------------------------------------------
// Pastes: the real fixtures as a mail or a review carries them.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/helpers/util.js';
import { PasteReader, decodeQuotedPrintable, prefixLength } from '../src/paste.js';

const fixture = (name: string) => {
  const b = readFileSync(join(FIXTURES, name));
  return (name.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
};
const lines = (text: string) => text.replace(/\r?\n$/, '').split(/\r?\n/);
const FTRACE = join(FIXTURES, '..', 'e1000-qemu-backends', 'ftrace', 'ftrace.txt.gz');

/** The traces to paste: every kind of line mmio-parse reads, from the real fixtures. */
const SOURCES: Record<string, string[]> = {
  vfio: lines(fixture('qemu-vfio.log')).slice(0, 4000),
  mmiotrace: lines(fixture('mmiotrace.log')).slice(0, 4000),
  'memory-ops': lines(fixture('qemu-memory-ops.log.gz')).slice(0, 3000),
  // As people paste them: without the log backend's prefix; `vbe` writes wrap right before their name.
  'memory-ops, no prefix': lines(fixture('qemu-memory-ops.log.gz'))
    .filter((l) => l.includes("name 'vbe'") || l.includes("name 'e1000-mmio'"))
    .slice(0, 2000)
    .map((l) => l.slice(l.indexOf(':') + 1)),
  ftrace: lines(gunzipSync(readFileSync(FTRACE)).toString('utf8')).slice(0, 2000),
};

/** A mailer's wrap: a line past `width` is broken at its last space before the width (never inside its indentation), the space dropped. */
function wrap(ls: string[], width: number): string[] {
  const out: string[] = [];
  for (let l of ls) {
    const indent = l.length - l.trimStart().length;
    while (l.length > width) {
      let at = l.lastIndexOf(' ', width);
      if (at <= indent) at = l.indexOf(' ', width);
      if (at === -1) break;
      out.push(l.slice(0, at));
      l = l.slice(at + 1);
    }
    out.push(l);
  }
  return out;
}

/** Quoted-printable as RFC 2045 writes it: `=` and bytes past 0x7e escaped, white space at a line end too, lines of at most 76 with soft breaks, CRLF. */
function quotedPrintable(ls: string[]): string {
  const out: string[] = [];
  for (const l of ls) {
    const bytes = Buffer.from(l, 'utf8');
    const enc: string[] = [];
    bytes.forEach((b, i) => {
      const last = i === bytes.length - 1;
      if (b === 61 || b > 126 || (b < 32 && b !== 9) || (last && (b === 32 || b === 9))) enc.push('=' + b.toString(16).toUpperCase().padStart(2, '0'));
      else enc.push(String.fromCharCode(b));
    });
    let cur = '';
    for (const e of enc) {
      if (cur.length + e.length > 75) {
        out.push(cur + '=');
        cur = '';
      }
      cur += e;
    }
    out.push(cur);
  }
  return out.join('\r\n') + '\r\n';
}

const SHAPES: Record<string, (ls: string[]) => string> = {
  'quoted "> "': (ls) => ls.map((l) => '> ' + l).join('\n') + '\n',
  'quoted ">>> "': (ls) => ls.map((l) => '>>> ' + l).join('\n') + '\n',
  'quoted "> > "': (ls) => ls.map((l) => '> > ' + l).join('\n') + '\n',
  'a diff (+, - and context lines)': (ls) => ls.map((l, i) => ['+', '-', ' '][i % 3] + l).join('\n') + '\n',
  'a comment in a patch ("+ * ")': (ls) => ls.map((l) => '+ * ' + l).join('\n') + '\n',
  'quoted-printable': (ls) => quotedPrintable(ls),
  'quoted, then quoted-printable': (ls) => quotedPrintable(ls.map((l) => '> ' + l)),
  'wrapped at 72': (ls) => wrap(ls, 72).join('\n') + '\n',
  'wrapped at 76, then quoted': (ls) => wrap(ls, 76).map((l) => '> ' + l).join('\n') + '\n',
  'quoted, wrapped at 72, then quoted-printable': (ls) => quotedPrintable(wrap(ls.map((l) => '> ' + l), 72)),
};

const noLine = (evs: Record<string, unknown>[]) => evs.map(({ line: _line, ...rest }) => rest);

describe('pastes of the real traces: every access comes out exactly as from the file itself', { timeout: 120_000 }, () => {
  for (const [source, ls] of Object.entries(SOURCES)) {
    it(`${source}: every shape, detected (with a note) and with --paste`, async () => {
      const want = await parse(ls.join('\n') + '\n', { strict: true });
      expect(want.events.length).toBeGreaterThan(900);
      for (const [shape, make] of Object.entries(SHAPES)) {
        const text = make(ls);
        if (shape.startsWith('wrapped')) expect(text.split('\n').length, shape).toBeGreaterThan(ls.length);
        for (const paste of [undefined, true]) {
          const got = await parse(text, { paste }, 1 << 16);
          expect(noLine(got.events), `${source}, ${shape}, paste ${paste}`).toEqual(noLine(want.events));
          expect(got.stats.unrecognised, `${source}, ${shape}`).toBe(0);
          if (paste === undefined) expect(got.warnings[0], shape).toMatch(/^trace\.log: read as a trace pasted into a mail or a review: /);
        }
      }
    });
  }

  it('the file as it is is not a paste: no note, the same events with --paste', async () => {
    for (const ls of Object.values(SOURCES)) {
      const text = ls.join('\n') + '\n';
      const plain = await parse(text);
      expect(plain.warnings.filter((w) => w.includes('pasted'))).toEqual([]);
      expect((await parse(text, { paste: true })).events).toEqual(plain.events);
    }
  });
});

describe('a line whose next line continues it is not an event by itself', () => {
  const VBE = "memory_region_ops_write cpu 0 mr 0x55bbaa2fa080 addr 0x1ce value 0x0 size 2";
  const NEXT = "memory_region_ops_write cpu 0 mr 0x55bbaa2fa080 addr 0x1cf value 0xb0c0 size 2 name 'vbe'";

  it("without the paste reader (--no-paste), a wrapped name is an error at its line, not a nameless event", async () => {
    const data = `${NEXT}\n${VBE}\nname 'vbe'\n${NEXT}\n`;
    expect(await parseError(data, { paste: false })).toBe(
      "trace.log:3: line 3 continues the line before it (a trace wrapped by a mailer?), which was read without it; --paste reads the two as one line",
    );
    const lenient = await parse(data, { paste: false, lenient: true });
    expect(lenient.stats.malformed).toBe(1);
    expect(lenient.warnings).toEqual(["trace.log:3: line 3 continues the line before it (a trace wrapped by a mailer?), which was read without it; --paste reads the two as one line (skipped)"]);
  });

  it('with the paste reader, the two lines are one event, with its name, numbered by its first line', async () => {
    const { events, stats } = await parse(`${NEXT}\n${VBE}\nname 'vbe'\n${NEXT}\n`, { paste: true });
    expect(events[1]).toEqual({ type: 'write', src: 'memory', name: 'vbe', addr: '0x1ce', width: 2, value: '0x0', cpu: 0, mr: '0x55bbaa2fa080', line: 2 });
    expect(events.map((e) => e.line)).toEqual([1, 2, 4]);
    expect(stats.unrecognised).toBe(0);
  });

  it('detected: a paste whose only sign is such a wrap is read as one', async () => {
    const { events, warnings } = await parse(`${VBE}\nname 'vbe'\n`, {}, 1 << 16);
    expect(events).toHaveLength(1);
    expect(events[0]!.name).toBe('vbe');
    expect(warnings[0]).toMatch(/read as a trace pasted/);
  });

  it('a short line is not joined with the next (a mailer wraps at 60 columns or more); prose after a trace line stays unrecognised', async () => {
    const { events, stats } = await parse('> MAP 1.891224 1 0xfebc0000 0xffffd0c4006a0000 0x20000 0x0 0\n> Thanks, this is what I see here\n> R 4 1.893641 1 0xfebc0008 0x80080783 0x0 0\n', { paste: true });
    expect(events.map((e) => e.type)).toEqual(['map', 'read']);
    expect(stats.unrecognised).toBe(1);
  });
});

describe('paste reader parts', () => {
  it('prefixes: quote markers, one diff marker, a comment star', () => {
    const cut = (l: string) => l.slice(prefixLength(l));
    expect(['> a', '>>> a', '> > a', '>>a', '+a', '-a', '+ * a', '> + * a', ' * a', 'a', '*a'].map(cut)).toEqual(['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', '*a']);
  });

  it('quoted-printable: escapes and UTF-8; soft breaks join lines', () => {
    expect(decodeQuotedPrintable('len=3D0x2 name =E2=80=98vbe=E2=80=99=20')).toBe('len=0x2 name \u2018vbe\u2019 ');
    const got: [string, number][] = [];
    const r = new PasteReader((l, n) => got.push([l, n]), () => false, true);
    ['> abc=', 'def=3D1', 'x'].forEach((l, i) => r.push(l, i + 1));
    r.end();
    expect(got).toEqual([['abcdef=1', 1], ['x', 3]]);
  });
});

describe('not a paste', () => {
  it("QEMU's own continuation line (vfio_populate_device_config) and another event before a message: no note, nothing joined", async () => {
    const log =
      '488@1581830830.000007:vfio_populate_device_config Device 0000:03:00.0 config:\n' +
      '  size: 0x100, offset: 0x70000000000, flags: 0x3\n' +
      '488@1581830830.000025:vfio_intx_enable  (0000:03:00.0)\n' +
      'qemu-system-x86_64: vfio: Cannot reset device 0000:03:00.0, no available reset mechanism.\n' +
      '493@1581830830.000079:vfio_region_read  (0000:03:00.0:region0+0x0, 4) = 0x1584a9ba\n';
    const { events, warnings, stats } = await parse(log, { all: true }, 1 << 16);
    expect(warnings).toEqual([]);
    expect(events.map((e) => e.line)).toEqual([1, 3, 5]);
    expect(stats.unrecognised).toBe(1);
  });
});
