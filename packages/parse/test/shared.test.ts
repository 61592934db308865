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

async function parse(data: string | Buffer, opts: Partial<ParseOptions> = {}) {
  const events: MmioEvent[] = [];
  const warnings: string[] = [];
  const stats = await parseTrace(maybeGunzip(chunksOf(data)), 'trace.log', { ...DEFAULTS, ...opts }, {
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
