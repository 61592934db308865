/**
 * Traces as people have them and what they say about themselves: cut last
 * lines, indented and pasted lines, byte-order marks, the kernel's ftrace
 * header, QEMU's context events (region set-up, mmaps, resets, interrupts),
 * and values that cannot be. Lines of events with no real capture here are
 * typed from the format strings of QEMU's hw/vfio/trace-events (7.2, as in
 * ../shared/fixtures/real/e1000-qemu-backends/simple/trace-events-all, and
 * current QEMU, where they are the same).
 */
import { describe, expect, it } from 'vitest';
import { InputError, maybeGunzip, openInput, stringifyEvent, type MmioEvent } from '@mmio-tools/core';
import { join } from 'node:path';
import { parseTrace, type ParseOptions } from '../src/parse.js';
import { parseTextParallel } from '../src/parallel.js';
import { chunksOf, ROOT } from '../../../test/helpers/util.js';
import { SimpleTraceWriter } from '../../../test/helpers/simpletrace.js';

const DEFAULTS: ParseOptions = { format: 'auto', all: false, strict: false, lenient: false };

interface Parsed {
  events: Record<string, unknown>[];
  warnings: string[];
  unrecognised: number;
}

/** Parse with the fast path (as mmio-parse does), once in one thread and once in blocks: both must agree. */
async function parse(data: string | Buffer, opts: Partial<ParseOptions> = {}): Promise<Parsed> {
  const lines: string[] = [];
  const warnings: string[] = [];
  const said = new Set<string>();
  const warn = (w: string, once?: string) => {
    if (once !== undefined && said.has(once)) return;
    if (once !== undefined) said.add(once);
    warnings.push(w);
  };
  const stats = await parseTrace(maybeGunzip(chunksOf(data, 5)), 'trace.log', { ...DEFAULTS, ...opts }, {
    event: (e: MmioEvent) => lines.push(stringifyEvent(e)),
    text: (l) => lines.push(l),
    warn,
  });
  if (typeof data === 'string') {
    const out: Buffer[] = [];
    const w2: string[] = [];
    const said2 = new Set<string>();
    await parseTextParallel(maybeGunzip(chunksOf(data, 5)), 'trace.log', { ...DEFAULTS, ...opts }, {
      write: (d) => void out.push(Buffer.from(d)),
      warn: (w, once) => {
        if (once !== undefined && said2.has(once)) return;
        if (once !== undefined) said2.add(once);
        w2.push(w);
      },
    }, { jobs: 2, blockSize: 64, inlineBytes: 0, inlineUntilReady: false });
    expect(Buffer.concat(out).toString()).toBe(lines.map((l) => l + '\n').join(''));
    expect(w2).toEqual(warnings);
  }
  return { events: lines.map((l) => JSON.parse(l)), warnings, unrecognised: stats.unrecognised };
}

async function parseError(data: string | Buffer, opts: Partial<ParseOptions> = {}): Promise<string> {
  try {
    await parse(data, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const ie = e as InputError;
    return `${ie.file}:${ie.line}: ${ie.message}`;
  }
  throw new Error('expected an error');
}

const W = (n: number, off: string, v: string, w = 4) => `${n}@1.${String(n).padStart(6, '0')}:vfio_region_write  (0000:03:00.0:region2+${off}, ${v}, ${w})`;

describe('lines as people have them', () => {
  it('a cut last line (no newline at end of file) is a warning with file:line, and an error with --strict', async () => {
    const text = `${W(1, '0x0', '0x1')}\n2026-06-12T20:16:15.309339Z vfio_region_read  (0000:09:00.0:region0`;
    const r = await parse(text);
    expect(r.events.map((e) => e.offset)).toEqual(['0x0']);
    expect(r.warnings).toEqual(['trace.log:2: last line is cut short (no newline at end of file); skipped']);
    expect(await parseError(text, { strict: true })).toBe('trace.log:2: vfio_region_read: cannot read arguments "(0000:09:00.0:region0"');
    // Anywhere but the last line, a malformed line stays an error.
    expect(await parseError(`2026-06-12T20:16:15.309339Z vfio_region_read  (0000:09:00.0:region0\n${W(1, '0x0', '0x1')}\n`)).toBe(
      'trace.log:1: vfio_region_read: cannot read arguments "(0000:09:00.0:region0"',
    );
  });

  it('a last read without a newline is kept, with a warning that its value may be cut', async () => {
    const r = await parse('1@1.5:vfio_region_read  (0000:03:00.0:region0+0x8, 4) = 0x8008');
    expect(r.events).toEqual([{ type: 'read', src: 'vfio', dev: '0000:03:00.0', region: 0, offset: '0x8', width: 4, value: '0x8008', t: 1.5, tid: 1, line: 1 }]);
    expect(r.warnings).toEqual(['trace.log:1: last line has no newline at end of file: its value 0x8008 may be cut short']);
  });

  it('reads event lines with leading white space (pasted from a document), even with --strict', async () => {
    const text = `Here is what QEMU printed:\n\n    ${W(1, '0x10', '0xa5a5a5a5')}\n\t${W(2, '0x14', '0x5a5a', 2)}\n   W 4 1.902493 1 0xfebc00d8 0x1 0x0 0\n`;
    const r = await parse(text);
    expect(r.events.map((e) => [e.type, e.offset ?? e.addr, e.value, e.line])).toEqual([
      ['write', '0x10', '0xa5a5a5a5', 3],
      ['write', '0x14', '0x5a5a', 4],
      ['write', '0xfebc00d8', '0x1', 5],
    ]);
    expect(r.unrecognised).toBe(1);
  });

  it("keeps QEMU's indented continuation lines as continuations: skipped, or with --all appended to the event's args", async () => {
    // vfio_populate_device_config in QEMU 7.2: "Device %s config:\n  size: 0x%lx, offset: 0x%lx, flags: 0x%lx"
    const text = `1@1.000001:vfio_populate_device_config Device 0000:03:00.0 config:\n  size: 0x1000, offset: 0x70000000000, flags: 0x3\n${W(2, '0x0', '0x1')}\n`;
    const plain = await parse(text, { strict: true });
    expect(plain.events.map((e) => e.type)).toEqual(['write']);
    const all = await parse(text, { all: true, strict: true });
    expect(all.events[0]).toEqual({
      type: 'event', src: 'qemu', name: 'vfio_populate_device_config', args: 'Device 0000:03:00.0 config: size: 0x1000, offset: 0x70000000000, flags: 0x3', t: 1.000001, tid: 1, line: 1,
    });
  });

  it('--strict rejects indented text that continues no event', async () => {
    expect(await parseError(`${W(1, '0x0', '0x1')}\n  not a continuation\n`, { strict: true })).toBe('trace.log:2: unrecognised line "  not a continuation"');
    expect(await parseError(`  just some indented prose\n`, { strict: true })).toBe('trace.log:1: unrecognised line "  just some indented prose"');
    const r = await parse(`${W(1, '0x0', '0x1')}\n  not a continuation\n`);
    expect(r.unrecognised).toBe(1);
  });

  it('skips a UTF-8 byte-order mark at the start', async () => {
    const r = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${W(1, '0x0', '0x1')}\n`)]), { strict: true });
    expect(r.events).toHaveLength(1);
    const s = await parse(`\ufeff${W(1, '0x0', '0x1')}\n`, { strict: true });
    expect(s.events).toHaveLength(1);
  });
});

const FTRACE_HEADER = `# tracer: nop
#
# entries-in-buffer/entries-written: 92099/92120   #P:2
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

describe("QEMU's ftrace backend as saved from the kernel's trace file", () => {
  it('reads the # header; entries overwritten in the ring buffer are a lost event and a warning; <...> task names are read', async () => {
    const text =
      FTRACE_HEADER +
      " qemu-system-x86-14863   [000] ...1.  6105.908962: tracing_mark_write: memory_region_ops_write cpu -1 mr 0x55ce237eb4a0 addr 0xfee00000 value 0x0 size 4 name 'apic-msi'\n" +
      "           <...>-14670   [001] ...1.  6105.911866: tracing_mark_write: vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)\n";
    const r = await parse(text, { strict: true });
    expect(r.events).toEqual([
      { type: 'lost', src: 'ftrace', count: 21, line: 3 },
      { type: 'write', src: 'memory', name: 'apic-msi', addr: '0xfee00000', width: 4, value: '0x0', cpu: -1, mr: '0x55ce237eb4a0', t: 6105.908962, tid: 14863, line: 13 },
      { type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset: '0x10', width: 4, value: '0x1', t: 6105.911866, tid: 14670, line: 14 },
    ]);
    expect(r.warnings).toEqual(['trace.log:3: the kernel\'s ring buffer overwrote 21 events (entries-written 92120 > entries-in-buffer 92099): the trace is incomplete']);
  });

  it('the real capture: its 12-line header read under --strict, its 92,388 accesses equal the log backend\'s line for line', async () => {
    const dir = join(ROOT, '..', 'shared', 'fixtures', 'real', 'e1000-qemu-backends', 'ftrace');
    const collect = async (name: string) => {
      const evs: MmioEvent[] = [];
      await parseTrace(openInput(join(dir, name)), name, { ...DEFAULTS, strict: true }, { event: (e) => evs.push(e), warn: (w) => { throw new Error(w); } });
      return evs;
    };
    const [ft, log] = await Promise.all([collect('ftrace.txt.gz'), collect('qemu-log.txt.gz')]);
    expect(ft).toHaveLength(92388);
    expect(ft.filter((e) => e.type === 'read')).toHaveLength(55581);
    const strip = (e: MmioEvent) => stringifyEvent({ ...e, t: undefined, line: undefined });
    expect(ft.map(strip)).toEqual(log.map(strip));
  });
});

describe('what the trace says about itself: context events', () => {
  it('vfio_region_setup gives the real size and flags of each region', async () => {
    const r = await parse('488@1581830830.000017:vfio_region_setup Device 0000:03:00.0, region 2 "0000:03:00.0 BAR 2", flags: 0x7, offset: 0x20000000000, size: 0x400000\n', { strict: true });
    expect(r.events).toEqual([
      { type: 'region', src: 'vfio', dev: '0000:03:00.0', region: 2, label: '0000:03:00.0 BAR 2', size: '0x400000', flags: '0x7', fd_offset: '0x20000000000', t: 1581830830.000017, tid: 488, line: 1 },
    ]);
  });

  it('an mmapped region is an event and one warning per region: its accesses are not in the trace', async () => {
    const text = [
      '10@1.000001:vfio_region_mmap Region 0000:04:00.0 BAR 0 mmaps[0] [0x0 - 0xffff]',
      '10@1.000002:vfio_region_mmaps_set_enabled Region 0000:04:00.0 BAR 0 mmaps enabled: 0',
      '10@1.000003:vfio_region_mmaps_set_enabled Region 0000:04:00.0 BAR 0 mmaps enabled: 1',
      '10@1.000004:vfio_region_unmap Region 0000:04:00.0 BAR 2 mmaps[0] unmap [0x1000 - 0x1fff]',
      '10@1.000005:vfio_region_mmap Region 0000:04:00.0 BAR 2 mmaps[0] [0x0 - 0xfff]',
      '',
    ].join('\n');
    const r = await parse(text, { strict: true });
    expect(r.events).toEqual([
      { type: 'mmap', src: 'vfio', dev: '0000:04:00.0', region: 0, label: '0000:04:00.0 BAR 0 mmaps[0]', start: '0x0', end: '0x10000', enabled: true, t: 1.000001, tid: 10, line: 1 },
      { type: 'mmap', src: 'vfio', dev: '0000:04:00.0', region: 0, label: '0000:04:00.0 BAR 0', enabled: false, t: 1.000002, tid: 10, line: 2 },
      { type: 'mmap', src: 'vfio', dev: '0000:04:00.0', region: 0, label: '0000:04:00.0 BAR 0', enabled: true, t: 1.000003, tid: 10, line: 3 },
      { type: 'mmap', src: 'vfio', dev: '0000:04:00.0', region: 2, label: '0000:04:00.0 BAR 2 mmaps[0]', start: '0x1000', end: '0x2000', enabled: false, t: 1.000004, tid: 10, line: 4 },
      { type: 'mmap', src: 'vfio', dev: '0000:04:00.0', region: 2, label: '0000:04:00.0 BAR 2 mmaps[0]', start: '0x0', end: '0x1000', enabled: true, t: 1.000005, tid: 10, line: 5 },
    ]);
    expect(r.warnings).toEqual([
      'trace.log:1: region 0 of 0000:04:00.0 is mmapped: its accesses are not traced (x-no-mmap=true traces them)',
      'trace.log:5: region 2 of 0000:04:00.0 is mmapped: its accesses are not traced (x-no-mmap=true traces them)',
    ]);
  });

  it('resets', async () => {
    const text = [
      '7@2.000001:vfio_pci_reset  (0000:03:00.0)',
      '7@2.000002:vfio_pci_reset_flr 0000:03:00.0 FLR/VFIO_DEVICE_RESET',
      '7@2.000003:vfio_pci_reset_pm 0000:03:00.0 PCI PM Reset',
      '7@2.000004:vfio_pci_hot_reset  (0000:03:00.0) one',
      '7@2.000005:vfio_pci_hot_reset_result 0000:03:00.0 hot reset: Success',
      '',
    ].join('\n');
    const r = await parse(text, { strict: true });
    expect(r.events.map((e) => [e.type, e.dev, e.how, e.result])).toEqual([
      ['reset', '0000:03:00.0', 'reset', undefined],
      ['reset', '0000:03:00.0', 'flr', undefined],
      ['reset', '0000:03:00.0', 'pm', undefined],
      ['reset', '0000:03:00.0', 'hot-one', undefined],
      ['reset', '0000:03:00.0', 'hot', 'Success'],
    ]);
  });

  it('interrupts and interrupt set-up', async () => {
    const text = [
      '7@3.000001:vfio_intx_enable  (0000:03:00.0)',
      '7@3.000002:vfio_intx_interrupt  (0000:03:00.0) Pin A',
      '7@3.000003:vfio_intx_eoi  (0000:03:00.0) EOI',
      '7@3.000004:vfio_intx_disable  (0000:03:00.0)',
      '7@3.000005:vfio_msi_enable  (0000:03:00.0) Enabled 4 MSI vectors',
      '7@3.000006:vfio_msi_interrupt  (0000:03:00.0) vector 2 0xfee00000/0x4021',
      '7@3.000007:vfio_msi_disable  (0000:03:00.0)',
      '7@3.000008:vfio_msix_enable  (0000:03:00.0)',
      '7@3.000009:vfio_msix_vector_do_use  (0000:03:00.0) vector 5 used',
      '7@3.000010:vfio_msix_vector_release  (0000:03:00.0) vector 5 released',
      '7@3.000011:vfio_msix_disable  (0000:03:00.0)',
      '',
    ].join('\n');
    const r = await parse(text, { strict: true });
    expect(r.events.map((e) => [e.mode, e.action, e.pin ?? e.vector ?? e.vectors ?? null])).toEqual([
      ['intx', 'enable', null],
      ['intx', 'interrupt', 'A'],
      ['intx', 'eoi', null],
      ['intx', 'disable', null],
      ['msi', 'enable', 4],
      ['msi', 'interrupt', 2],
      ['msi', 'disable', null],
      ['msix', 'enable', null],
      ['msix', 'use', 5],
      ['msix', 'release', 5],
      ['msix', 'disable', null],
    ]);
    expect(r.events[5]).toEqual({ type: 'irq', src: 'vfio', dev: '0000:03:00.0', mode: 'msi', action: 'interrupt', vector: 2, msg_addr: '0xfee00000', msg_data: '0x4021', t: 3.000006, tid: 7, line: 6 });
  });

  it('a context event in another format (another QEMU version) is a warning, once, and counts as another event', async () => {
    const r = await parse('7@3.1:vfio_region_setup something new\n7@3.2:vfio_region_setup something newer\n', { all: true });
    expect(r.events.map((e) => [e.type, e.name])).toEqual([
      ['event', 'vfio_region_setup'],
      ['event', 'vfio_region_setup'],
    ]);
    expect(r.warnings).toEqual(['trace.log:1: vfio_region_setup: cannot read its arguments "something new"; kept as another QEMU event']);
  });

  it('memory_region_ops keep cpu and mr; a read the device answered wider than the access keeps the printed value in raw', async () => {
    const text = [
      "3110@1795265662.129869:memory_region_ops_read cpu 0 mr 0x55bba95fdc00 addr 0x402 value 0xffffffffffffffff size 1 name 'io'",
      "3110@1795265662.142088:memory_region_ops_read cpu 0 mr 0x55bba9834840 addr 0xcfc value 0xffffffff size 2 name 'pci-conf-data'",
      'memory_region_ops_write cpu -1 mr 0x55d0c0b2a000 addr 0xfebc0008 value 0x1 size 4',
      '',
    ].join('\n');
    const r = await parse(text, { strict: true });
    expect(r.events).toEqual([
      { type: 'read', src: 'memory', name: 'io', addr: '0x402', width: 1, value: '0xff', cpu: 0, mr: '0x55bba95fdc00', raw: '0xffffffffffffffff', t: 1795265662.129869, tid: 3110, line: 1 },
      { type: 'read', src: 'memory', name: 'pci-conf-data', addr: '0xcfc', width: 2, value: '0xffff', cpu: 0, mr: '0x55bba9834840', raw: '0xffffffff', t: 1795265662.142088, tid: 3110, line: 2 },
      { type: 'write', src: 'memory', addr: '0xfebc0008', width: 4, value: '0x1', cpu: -1, mr: '0x55d0c0b2a000', line: 3 },
    ]);
  });
});

describe('values that cannot be are errors with file:line (and --lenient skips them)', () => {
  it.each([
    ['1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1ffffffffffffffff, 8)', 'vfio_region_write: value 0x1ffffffffffffffff does not fit in 8 bytes'],
    ['1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x100, 1)', 'vfio_region_write: value 0x100 does not fit in 1 byte'],
    ['1@1.1:vfio_region_read  (0000:03:00.0:region2+0x10, 2) = 0x12345', 'vfio_region_read: value 0x12345 does not fit in 2 bytes'],
    ['1@1.1:vfio_pci_read_config  (0000:03:00.0, @0x4, len=0x1) 0x12345', 'vfio_pci_read_config: value 0x12345 does not fit in 1 byte'],
    ['1@1.1:vfio_region_write  (0000:03:00.0:region2+0xfffffffffffffffe, 0x1, 4)', 'vfio_region_write: offset 0xfffffffffffffffe + width 4 ends past 2^64'],
    ['1@1.1:vfio_region_write  (0000:03:00.0:region2+0x10000000000000000, 0x1, 4)', 'vfio_region_write: offset 0x10000000000000000 is wider than 64 bits'],
    [`1@1.1:vfio_region_write  (0000:03:00.0:region${'9'.repeat(400)}+0x10, 0x1, 4)`, `vfio_region_write: region "${'9'.repeat(77)}..." is not an integer below 2^53`],
    ['9999999999999999@1.1:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)', 'thread id "9999999999999999" is not an integer below 2^53'],
    [`1@${'9'.repeat(400)}.5:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)`, `time "${'9'.repeat(77)}..." is out of range`],
    ['2025-13-45T99:99:99Z vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)', 'impossible date or time "2025-13-45T99:99:99Z"'],
    ['2025-02-29T10:00:00Z vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)', 'impossible date or time "2025-02-29T10:00:00Z"'],
    ['W 1 1.5 1 0xfebc00d8 0x100 0x0 0', 'mmiotrace write: value 0x100 does not fit in 1 byte'],
    ['MARK 0.000000 Lost 99999999999999999 events.', 'MARK: lost count "99999999999999999" is not an integer below 2^53'],
    ['R 4 1.5 99999999999999999 0xfebc00d8 0x1 0x0 0', 'mmiotrace read: map id "99999999999999999" is not an integer below 2^53'],
  ])('%s', async (line, message) => {
    expect(await parseError(`${line}\n`)).toBe(`trace.log:1: ${message}`);
    const lenient = await parse(`${line}\n${W(2, '0x0', '0x1')}\n`, { lenient: true });
    expect(lenient.events.map((e) => e.line)).toEqual([2]);
    expect(lenient.warnings).toEqual([`trace.log:1: ${message} (skipped)`]);
  });

  it('a leap day and a leap second are dates that can be', async () => {
    const r = await parse('2024-02-29T23:59:60Z vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)\n');
    expect(r.events[0]!.t).toBe(Date.UTC(2024, 2, 1) / 1000);
  });

  it('simpletrace: values, indexes and counts past their bounds are malformed records', async () => {
    const w = new SimpleTraceWriter()
      .event('vfio_region_write', 1_000n, ['0000:03:00.0', 2, 0x10n, 0x100n, 1])
      .event('vfio_region_write', 2_000n, ['0000:03:00.0', 2n ** 60n, 0x10n, 0x1n, 4])
      .dropped(3_000n, 2n ** 60n)
      .event('vfio_region_write', 4_000n, ['0000:03:00.0', 2, 0x14n, 0x1n, 4]);
    const r = await parse(w.toBuffer(), { lenient: true });
    expect(r.events.map((e) => [e.type, e.offset])).toEqual([['write', '0x14']]);
    expect(r.warnings.map((m) => m.replace(/^trace\.log:\d+: /, ''))).toEqual([
      'vfio_region_write: value 0x100 does not fit in 1 byte (skipped)',
      'vfio_region_write: region 1152921504606846976 is not an integer below 2^53 (skipped)',
      'dropped-events record: count 1152921504606846976 is not an integer below 2^53 (skipped)',
    ]);
  });
});
