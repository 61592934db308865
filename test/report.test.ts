// mmio-report in a real browser: Debian's chromium, driven by playwright-core (no browser download).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { FIXTURES, ROOT, jsonLines, run } from './helpers/util.js';

const OUT = join(ROOT, 'test', 'output');
const CHROMIUM = '/usr/bin/chromium';
const VFIO = join(FIXTURES, 'qemu-vfio.log');

describe('mmio-report of the real e1000 VFIO trace, in headless Chromium', () => {
  let browser: Browser;
  const page = join(OUT, 'report-e1000.html');
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    expect(existsSync(CHROMIUM), `${CHROMIUM} (Debian's chromium; .ci/run installs it)`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders with no console error: the heatmap, every register in the table, a clicked register\'s history', async () => {
    const r = await run('mmio-report', ['-o', page, '--title', 'e1000 probe: QEMU VFIO trace, BAR0', '--region', '0', VFIO]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    // No network: nothing but inline scripts and styles.
    const html = (await import('node:fs')).readFileSync(page, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|(src|href)=["']?https?:|url\(["']?https?:|@import/);
    const regs = jsonLines((await run('mmio-regs', ['--region', '0', VFIO])).stdout);
    expect(regs.length).toBe(366);

    const p = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('request', (q) => !q.url().startsWith('file:') && errors.push(`network request: ${q.url()}`));
    await p.goto('file://' + page);
    await p.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    expect(errors).toEqual([]);
    // The heatmap has cells drawn: count the painted pixels of its canvas.
    const painted = await p.evaluate(() => {
      const c = document.getElementById('heat') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    // The table: one row per register, as mmio-regs counts them.
    expect(await p.textContent('#shown')).toBe('366 registers');
    expect(await p.locator('#rows tr').count()).toBe(366);
    // Filter: the kind column.
    await p.fill('#filter', 'write-only');
    expect(await p.locator('#rows tr').count()).toBe(regs.filter((x) => (x.kind as string[]).includes('write-only')).length);
    await p.fill('#filter', '');
    // Click STATUS (0x8): its history, 4,872 reads of one value folded into one point.
    await p.locator('#rows tr', { has: p.locator('td:first-child', { hasText: /^0x8$/ }) }).first().click();
    expect(await p.textContent('#dtitle')).toBe('0000:00:03.0 region 0 0x8 (4 bytes): 4872 reads, 0 writes — constant');
    expect(await p.textContent('#dnote')).toMatch(/^1 points, 1 run of identical reads folded/);
    expect(await p.locator('#plot .uplot canvas').count()).toBeGreaterThan(0);
    // EECD (0x10): its writes and reads, as a step plot.
    await p.locator('#rows tr', { has: p.locator('td:first-child', { hasText: /^0x10$/ }) }).first().click();
    expect(await p.textContent('#dtitle')).toBe('0000:00:03.0 region 0 0x10 (4 bytes): 1611 reads, 5040 writes — volatile');
    expect(errors).toEqual([]);
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: join(OUT, 'report-e1000.png') });
    expect(statSync(join(OUT, 'report-e1000.png')).size).toBeGreaterThan(10_000);
    await p.close();
  });

  it('an empty input gives a page that says so, and the mouse on it is no error', async () => {
    const empty = join(OUT, 'report-empty.html');
    expect((await run('mmio-report', ['-o', empty], '')).code).toBe(0);
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto('file://' + empty);
    await p.waitForSelector('body[data-ready="1"]');
    await p.mouse.move(300, 150);
    await p.mouse.down();
    await p.mouse.move(500, 150);
    await p.mouse.up();
    await p.mouse.dblclick(300, 150);
    expect(await p.textContent('#summary')).toBe('0 events, 0 accesses, 0 registers in 0 regions');
    expect(errors).toEqual([]);
    await p.close();
  });

  it('on the 1.5M-line memory-ops trace: under 10 MB, interactive in headless Chromium', async () => {
    const big = join(OUT, 'report-memops.html');
    const r = await run('mmio-report', ['-o', big, join(FIXTURES, 'qemu-memory-ops.log.gz')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const size = statSync(big).size;
    expect(size).toBeLessThan(10 * 2 ** 20);
    const p = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    const t0 = Date.now();
    await p.goto('file://' + big);
    await p.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
    const ms = Date.now() - t0;
    expect(errors).toEqual([]);
    expect(await p.textContent('#shown')).toBe('showing 500 of 37777 registers (filter or sort to see others)');
    // The figures, for the record (the time is not asserted: this machine is shared; npm run bench measures it).
    console.log(`report of qemu-memory-ops.log.gz: ${(size / 2 ** 20).toFixed(2)} MiB, interactive in ${ms} ms`);
    await p.close();
  });
});
