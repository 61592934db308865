/**
 * Live traces (issue 26): when the input pauses, every tool writes what it has
 * within 100 ms (LIVE_FLUSH_MS), and --follow reads a file as it grows, as
 * tail -F does. Timing margins are generous: the machine is shared.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from './helpers/util.js';

const TIMEOUT = { timeout: 60_000 };
const dir = mkdtempSync(join(tmpdir(), 'mmio-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PATH = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`;
const line = (i: number) => `493@1581830832.${String(100000 + i)}:vfio_region_write  (0000:03:00.0:region2+0x${(0x100 + 4 * i).toString(16)}, 0x${i.toString(16)}, 4)\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A shell pipeline whose output lines are timed as they come. */
function start(script: string): { child: ChildProcessWithoutNullStreams; lines: { text: string; at: number }[]; next: (n: number, within: number) => Promise<number> } {
  const child = spawn('bash', ['-c', script], { env: { ...process.env, PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: { text: string; at: number }[] = [];
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ text, at: Date.now() });
  });
  /** Wait until `n` lines have come (at most `within` ms); the time the n-th came. */
  const next = async (n: number, within: number): Promise<number> => {
    const end = Date.now() + within;
    while (lines.length < n && Date.now() < end) await sleep(5);
    expect(lines.length, `line ${n} within ${within} ms`).toBeGreaterThanOrEqual(n);
    return lines[n - 1]!.at;
  };
  return { child, lines, next };
}

describe('a slow writer: every line comes out when its event came in', TIMEOUT, () => {
  it('through mmio-parse | mmio-format --to text, each line before the writer writes the next', async () => {
    const p = start('mmio-parse | mmio-format --to text');
    const late: number[] = [];
    await sleep(300);
    for (let i = 1; i <= 5; i++) {
      const at = Date.now();
      p.child.stdin.write(line(i));
      // The writer writes the next line only once this one came out.
      // The first line also waits for the two tools to start (seconds, on a loaded machine).
      late.push((await p.next(i, i === 1 ? 15_000 : 3000)) - at);
    }
    p.child.stdin.end();
    await new Promise((r) => p.child.on('close', r));
    expect(p.lines.map((l) => l.text.trim().split(/\s+/)[4])).toEqual(['0x104', '0x108', '0x10c', '0x110', '0x114']);
    // 2 tools × 50 ms (LIVE_FLUSH_MS) and the pipes; the first line also waits for the tools to start.
    for (const ms of late.slice(1)) expect(ms).toBeLessThan(1500);
  });

  it('mmio-filter on NDJSON, with a short first line (no event held for 24 or 64 bytes)', async () => {
    const p = start('mmio-filter --type mark');
    p.child.stdin.write('{"type":"mark","text":"a"}\n');
    await p.next(1, 15_000);
    p.child.stdin.end();
  });
});

describe('--follow reads a growing file as tail -F does', TIMEOUT, () => {
  it('appended lines, a truncated file, a rotated file (the rest of the old one, then the new one); SIGTERM ends it', async () => {
    const log = join(dir, 'qemu.log');
    writeFileSync(log, line(1));
    const p = start(`exec mmio-parse --follow ${log}`);
    await p.next(1, 15_000);
    appendFileSync(log, line(2));
    await p.next(2, 2000);
    // Truncated (as `: > qemu.log` or copytruncate do), then written again.
    truncateSync(log, 0);
    await sleep(300);
    appendFileSync(log, line(3));
    await p.next(3, 2000);
    // Rotated: renamed away, a last line written to the old file, then a new file at the path.
    renameSync(log, log + '.1');
    appendFileSync(log + '.1', line(4));
    await sleep(300);
    writeFileSync(log, line(5));
    await p.next(5, 3000);
    appendFileSync(log, line(6));
    await p.next(6, 2000);
    const offsets = p.lines.map((l) => (JSON.parse(l.text) as { offset: string }).offset);
    expect(offsets).toEqual(['0x104', '0x108', '0x10c', '0x110', '0x114', '0x118']);
    p.child.kill('SIGTERM');
    const code = await new Promise((r) => p.child.on('close', (c, s) => r(c ?? s)));
    expect(code).toBe(143);
  });

  it('through mmio-filter, a followed file; --follow with --to mmiotrace is a usage error', async () => {
    const log = join(dir, 'f.log');
    writeFileSync(log, line(1));
    const p = start(`exec mmio-filter --follow --region 2 ${log}`);
    await p.next(1, 15_000);
    appendFileSync(log, line(2));
    await p.next(2, 2000);
    p.child.kill('SIGTERM');
    const r = await run('mmio-format', ['--to', 'mmiotrace', '--follow', log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--follow does not go with --to mmiotrace/);
  });
});
