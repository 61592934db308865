/**
 * Issue 26 (traces as people share them, live traces) and 27.2, end to end:
 * mmio-format --to mmiotrace on inputs that can be read only once, its warnings
 * said once, --to text for nameless memory regions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, run, sh } from './helpers/util.js';

const TIMEOUT = { timeout: 60_000 };
const dir = mkdtempSync(join(tmpdir(), 'mmio-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PCIDEV = 'PCIDEV 0010 8086100e b febc0000 c001 0 0 0 0 feb80000 20000 40 0 0 0 0 40000 e1000';
const TRACE = `VERSION 20070824\n${PCIDEV}\nMAP 1.891224 1 0xfebc0000 0xffffd0c4006a0000 0x20000 0x0 0\nR 4 1.893641 1 0xfebc0008 0x80080783 0x0 0\nW 4 1.902493 1 0xfebc00d8 0xffffffff 0x0 0\n`;
const trace = join(dir, 'trace.log');
writeFileSync(trace, TRACE);

describe('mmio-format --to mmiotrace reads any input once or from a copy (27.2)', TIMEOUT, () => {
  it('a regular file: the reference output', async () => {
    const r = await run('mmio-format', ['--to', 'mmiotrace', trace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TRACE);
  });

  it('/dev/stdin from a pipe (once: the header only)', async () => {
    const r = await sh(`cat ${trace} | mmio-format --to mmiotrace /dev/stdin`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TRACE);
  });

  it('a <(…) process substitution', async () => {
    const r = await sh(`mmio-format --to mmiotrace <(cat ${trace})`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TRACE);
  });

  it('a named FIFO (once: it hung)', async () => {
    const fifo = join(dir, 'fifo');
    const r = await sh(`rm -f ${fifo}; mkfifo ${fifo}; (cat ${trace} > ${fifo} &); timeout -s KILL 20 mmio-format --to mmiotrace ${fifo}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TRACE);
  });

  it('- and a pipe together, each from its own copy; an error names the input as given', async () => {
    const r = await sh(`cat ${trace} | mmio-format --to mmiotrace - <(printf 'R 4 2.0 1 0xfebc0008 0xzz 0x0 0\\n')`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mmio-format: \/dev\/fd\/\d+:1: mmiotrace read: value "0xzz" is not a 0x hex number\n$/);
  });
});

describe('mmio-format --to mmiotrace says each warning once', TIMEOUT, () => {
  it('an unrecognised line and a malformed line skipped: each said once (the first pass was not quiet)', async () => {
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, TRACE + 'hello\nR 4 1.903 1 0xfebc0008 0xzz 0x0 0\n');
    const r = await run('mmio-format', ['--to', 'mmiotrace', '--skip-invalid', bad]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TRACE);
    expect(r.stderr).toBe(
      `mmio-format: ${bad}:7: mmiotrace read: value "0xzz" is not a 0x hex number (skipped)\n` +
        `mmio-format: ${bad}: skipped 1 unrecognised line (first at line 6)\n`,
    );
  });
});

describe('mmio-format --to text', TIMEOUT, () => {
  it('a memory-ops event without a name shows its mr, as mmio-regs does: two regions stay apart', async () => {
    const log =
      'memory_region_ops_write cpu 0 mr 0x55bba9fce650 addr 0x70 value 0x8f size 1\n' +
      'memory_region_ops_write cpu 0 mr 0x55bba977c4b0 addr 0x70 value 0x8f size 1\n' +
      "memory_region_ops_write cpu 0 mr 0x55bba977c4b0 addr 0x70 value 0x8f size 1 name 'rtc-index'\n";
    const r = await run('mmio-format', ['--to', 'text'], log);
    expect(r.code).toBe(0);
    const who = r.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[1]);
    expect(who).toEqual(['0x55bba9fce650', '0x55bba977c4b0', 'rtc-index']);
  });
});

describe("the README's round-trip claims, exactly", TIMEOUT, () => {
  const MMIO = join(FIXTURES, 'mmiotrace.log');

  it('the shipped kernel mmiotrace (CRLF line ends, captured through a serial port) comes back with the same bytes on every line, each ending in LF', async () => {
    const src = readFileSync(MMIO);
    expect(src.includes('\r\n')).toBe(true);
    const r = await sh(`mmio-parse ${MMIO} | mmio-format --to mmiotrace`);
    expect(r.code).toBe(0);
    expect(r.stdoutBuf.equals(Buffer.from(src.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'))).toBe(true);
  });

  it('from an mmiotrace source, --to qemu keeps type, dev, region, offset, width, value and t, and loses addr, pc and map', async () => {
    const r = await sh(`mmio-parse ${MMIO} | mmio-filter --type read,write | head -50 | tee ${dir}/a.nd | mmio-format --to qemu | mmio-parse`);
    expect(r.code).toBe(0);
    const before = readFileSync(join(dir, 'a.nd'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const after = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(after).toHaveLength(50);
    const kept = ['type', 'dev', 'region', 'offset', 'width', 'value', 't'];
    const pick = (e: Record<string, unknown>, ks: string[]) => Object.fromEntries(ks.map((k) => [k, e[k]]));
    expect(after.map((e) => pick(e, kept))).toEqual(before.map((e) => pick(e, kept)));
    expect(before[0]).toMatchObject({ addr: '0xfebc0008', pc: '0x0', map: 1 });
    for (const e of after) for (const k of ['addr', 'pc', 'map']) expect(e[k]).toBeUndefined();
  });

  it('an event without t comes back from --to mmiotrace with t: 0', async () => {
    const r = await sh(`echo 'vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)' | mmio-format --to mmiotrace --base 0000:03:00.0:2=0xf0000000 | mmio-parse | mmio-filter --type write`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'write', dev: '0000:03:00.0', region: 2, offset: '0x10', t: 0 });
  });
});

describe('a trace pasted into a mail, end to end', TIMEOUT, () => {
  const vfio = readFileSync(join(FIXTURES, 'qemu-vfio.log'), 'utf8').split('\n').slice(0, 300);
  const plain = vfio.join('\n') + '\n';
  // Quoted, then wrapped by the mailer at 72 columns, the break's space dropped.
  const pasted = vfio.map((l) => {
    const q = '> ' + l;
    if (q.length <= 72) return q;
    const at = q.lastIndexOf(' ', 72);
    return q.slice(0, at) + '\n> ' + q.slice(at + 1);
  }).join('\n') + '\n';
  const file = join(dir, 'mail.txt');
  writeFileSync(file, pasted);

  it('mmio-parse detects it (a note on stderr) and gives the events of the trace itself, at their first line; -j 2 too', async () => {
    const want = await run('mmio-parse', [], plain);
    const strip = (s: string) => s.split('\n').filter(Boolean).map((l) => { const { line: _l, ...e } = JSON.parse(l) as Record<string, unknown>; return e; });
    for (const args of [[file], ['-j', '2', file], ['--paste', file]]) {
      const r = await run('mmio-parse', args);
      expect(r.code).toBe(0);
      expect(strip(r.stdout)).toEqual(strip(want.stdout));
      if (args[0] !== '--paste') expect(r.stderr).toBe(`mmio-parse: ${file}: read as a trace pasted into a mail or a review: quote, diff and comment prefixes stripped, wrapped lines joined (--no-paste reads it as it is)\n`);
      else expect(r.stderr).toBe('');
    }
    const none = await run('mmio-parse', ['--no-paste', file]);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/no line of it is trace output/);
  });

  it('the other tools read it too (mmio-filter --count)', async () => {
    const want = await run('mmio-filter', ['--count'], plain);
    const r = await run('mmio-filter', ['--count', '-q', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(want.stdout);
    expect(Number(r.stdout)).toBeGreaterThan(250);
  });
});
