/**
 * The progress line (issue 19): on a terminal, for an input file over 64 MB, a line on
 * stderr with bytes, share, rate and time left, rewritten in place and cleared at the end;
 * never when stderr is not a terminal; --no-progress and --progress. The tool runs in a
 * pseudo-terminal made by script(1) from util-linux.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'mmio-progress-'));
const big = join(dir, 'big.log');
const line = '1@1581830830.000001:vfio_region_write  (0000:03:00.0:region2+0x10, 0x1, 4)\n';
writeFileSync(big, line.repeat(Math.ceil((70 * 1024 * 1024) / line.length)));

/** Run a command with stdout to /dev/null and stderr on a pseudo-terminal; what the terminal got. */
const onTerminal = (cmd: string) => sh(`script -qec ${JSON.stringify(`${cmd} > /dev/null`)} /dev/null`);

describe('the progress line', () => {
  it('shows on a terminal for a file over 64 MB, and is cleared at the end', async () => {
    const r = await onTerminal(`mmio-filter -c ${big}`);
    expect(r.stdout).toMatch(/\rmmio-filter: \S+big\.log: [\d.]+ MB of 7\d MB \(\d+%\), [\d.]+ MB\/s, \d+ (s|min) left\x1b\[K/);
    expect(r.stdout.endsWith('\r\x1b[K')).toBe(true);
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
