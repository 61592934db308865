/**
 * The progress line (issue 19): on a terminal, for an input file whose work is long (issue 26:
 * decided by time — after a second of work with more to go — not by the file's size), a line on
 * stderr with bytes, share, rate and time left, rewritten in place and cleared at the end;
 * never when stderr is not a terminal; --no-progress and --progress. The tool runs in a
 * pseudo-terminal made by script(1) from util-linux.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'mmio-progress-'));
const big = join(dir, 'big.log');
const line = '1@1581830830.000001:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)\n';
writeFileSync(big, line.repeat(Math.ceil((70 * 1024 * 1024) / line.length)));
// About 1.4 MB of gzip that expands to 400 MB: seconds of work even now that reading it is fast, and on a busy machine (issue 26: no line, the file was small; 175 MB took under 3 s, and at 1 s more than half of the file had been read).
const small = join(dir, 'small.log.gz');
writeFileSync(small, gzipSync(Buffer.from(line.repeat(Math.ceil(400e6 / line.length)))));

/** Run a command with stdout to /dev/null and stderr on a pseudo-terminal; what the terminal got. */
const onTerminal = (cmd: string) => sh(`script -qec ${JSON.stringify(`${cmd} > /dev/null`)} /dev/null`);

describe('the progress line', () => {
  it('shows on a terminal when the work takes seconds, even for a small file (gzip), and is cleared at the end', async () => {
    const r = await onTerminal(`mmio-filter -c ${small}`);
    expect(r.stdout).toMatch(/\rmmio-filter: \S+small\.log\.gz: [\d.]+ MB of [01]\.\d MB \(\d+%\), [\d.]+ MB\/s, \d+ (s|min) left\x1b\[K/);
    expect(r.stdout.endsWith('\r\x1b[K')).toBe(true);
  }, 60_000);

  it('not on a terminal for work that is over at once', async () => {
    const r = await onTerminal(`mmio-filter -c examples/bcm43602/trace.log`);
    // No progress line (other notes may go to the terminal: this is about the line alone).
    expect(r.stdout).not.toMatch(/\r|MB\/s/);
  });

  it('never when stderr is not a terminal; not with --no-progress; with --progress also for a pipe', async () => {
    const plain = await sh(`mmio-parse ${big} > /dev/null`);
    expect(plain.stderr).toBe('');
    const off = await onTerminal(`mmio-parse --no-progress ${big}`);
    expect(off.stdout).toBe('');
    const on = await onTerminal(`cat ${big} | mmio-replay --progress -o ${join(dir, 'x.bin')}`);
    expect(on.stdout).toMatch(/\rmmio-replay: <stdin>: [\d.]+ MB, [\d.]+ MB\/s\x1b\[K/);
  });
});
