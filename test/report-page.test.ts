/**
 * mmio-report's page as a new user reads it (issue 26), in headless Chromium on the real e1000 VFIO
 * trace: what the canvases draw is recorded (every fillText: canvas, text, place, width), so the
 * test reads the axis and the labels as drawn. The time axis counts seconds from the start (the
 * absolute time in the tooltip); 366 registers get rows at least a few pixels high, in a box that
 * scrolls, with runs of registers touched once folded; labels are whole, inside the canvas, and
 * never twice the same; the legend explains the selection outline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FIXTURES, ROOT, run } from './helpers/util.js';

const OUT = join(ROOT, 'test', 'output');
const VFIO = join(FIXTURES, 'qemu-vfio.log');

interface Drawn {
  canvas: string;
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  canvasWidth: number;
  canvasHeight: number;
}

/** Record what the page's canvases write, from the start. */
const RECORD = () => {
  const w = window as unknown as { __drawn: unknown[] };
  w.__drawn = [];
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number) {
    const m = this.measureText(text);
    w.__drawn.push({ canvas: this.canvas.id, text, x, y, width: m.width, height: m.actualBoundingBoxAscent + m.actualBoundingBoxDescent, canvasWidth: this.canvas.width, canvasHeight: this.canvas.height });
    return fill.call(this, text, x, y);
  };
};

/** Redraw the map (as a resize does) and return what was written on each canvas in that draw. */
async function redraw(p: Page): Promise<{ heat: Drawn[]; lane: Drawn[] }> {
  const drawn = (await p.evaluate(() => {
    const w = window as unknown as { __drawn: unknown[] };
    w.__drawn = [];
    window.dispatchEvent(new Event('resize'));
    return w.__drawn;
  })) as Drawn[];
  return { heat: drawn.filter((d) => d.canvas === 'heat'), lane: drawn.filter((d) => d.canvas === 'lane') };
}

/** The time axis's texts: inside the canvas, and none over another (the caption, the ticks). */
function laneFits(lane: Drawn[]): void {
  for (const d of lane) {
    expect(d.x, d.text).toBeGreaterThanOrEqual(0);
    expect(d.x + d.width, d.text).toBeLessThanOrEqual(d.canvasWidth);
  }
  const axis = lane.filter((d) => d.y > 20).sort((a, b) => a.x - b.x);
  for (let i = 1; i < axis.length; i++) expect(axis[i - 1]!.x + axis[i - 1]!.width, `${axis[i - 1]!.text} | ${axis[i]!.text}`).toBeLessThanOrEqual(axis[i]!.x);
}

describe('the report page, read by a new user (headless Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string): Promise<{ p: Page; errors: string[] }> {
    const p = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.addInitScript(RECORD);
    await p.goto('file://' + html);
    await p.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    return { p, errors };
  }

  it('the real e1000 trace: time from the start, readable rows that scroll, whole labels, the legend', async () => {
    const html = join(OUT, 'report-page-e1000.html');
    const r = await run('mmio-report', ['-o', html, '--region', '0', VFIO]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const { p, errors } = await open(html);
    const { heat, lane } = await redraw(p);

    // The time axis: seconds from the first access, the first tick 0 s, no absolute times on it.
    const ticks = lane.filter((d) => / s$/.test(d.text)).map((d) => d.text);
    expect(ticks[0]).toBe('0 s');
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (const t of ticks) expect(t).toMatch(/^\d+(\.\d+)? s$/);
    expect(Number.parseFloat(ticks.at(-1)!)).toBeCloseTo(37.9, 0);
    expect(await p.textContent('#summary')).toContain('from 1795266207.712610 s');
    // ... and the absolute time in the tooltip, with the relative one.
    const box = (await p.locator('#heat').boundingBox())!;
    await p.mouse.move(box.x + box.width / 2, box.y + 18);
    expect(await p.textContent('#tip')).toMatch(/\nat \d+\.\d{6} s \(17952662\d\d\.\d{6}\)$/);

    // Rows: every row labelled, at least 6 px apart (366 registers in 520 px were 1.4 px), folded
    // runs of registers touched once, and the box scrolls.
    const labels = heat.map((d) => d.text);
    const ys = heat.map((d) => d.y);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(6);
    expect(labels).toContain('0x4000–0x40fc ×58');
    expect(labels.length).toBeLessThan(366);
    expect(labels.length).toBeGreaterThan(100);
    expect(await p.evaluate(() => { const b = document.getElementById('heatbox')!; return b.scrollHeight > b.clientHeight; })).toBe(true);
    // Whole labels, inside the canvas: not cut at an edge, not shortened.
    for (const d of heat) {
      expect(d.x, d.text).toBeGreaterThanOrEqual(0);
      expect(d.x + d.width, d.text).toBeLessThanOrEqual(d.canvasWidth * 0.4);
      expect(d.y - d.height / 2, d.text).toBeGreaterThanOrEqual(0);
      expect(d.y + d.height / 2, d.text).toBeLessThanOrEqual(d.canvasHeight);
      expect(d.text).not.toContain('…');
    }
    laneFits(lane);
    expect(new Set(labels).size).toBe(labels.length);
    // Unfolded: one row per register, still every one labelled and never twice the same.
    await p.uncheck('#fold');
    const unfolded = (await redraw(p)).heat.map((d) => d.text);
    expect(unfolded.length).toBe(366);
    expect(new Set(unfolded).size).toBe(366);
    await p.check('#fold');

    // The legend says what the red outline is.
    expect(await p.textContent('.legend')).toContain('the selected register');
    expect(await p.evaluate(() => getComputedStyle(document.querySelector('.legend .sel')!).outlineColor)).toBe('rgb(214, 39, 40)');
    expect(errors).toEqual([]);
    await p.close();
  });

  it('never shows one label twice on the y-axis: one offset read with two widths', async () => {
    const trace = join(OUT, 'two-widths.log');
    writeFileSync(
      trace,
      [
        '1@1.000001:vfio_region_read  (0000:03:00.0:region0+0x0, 4) = 0x1',
        '1@1.000002:vfio_region_read  (0000:03:00.0:region0+0x0, 2) = 0x1',
        '1@1.000003:vfio_region_read  (0000:03:00.0:region0+0x4, 4) = 0x1',
        '1@1.000004:vfio_region_read  (0000:03:00.0:region0+0x0, 4) = 0x1',
        '',
      ].join('\n'),
    );
    const html = join(OUT, 'report-two-widths.html');
    expect((await run('mmio-report', ['-o', html, trace])).code).toBe(0);
    const { p, errors } = await open(html);
    const { heat, lane } = await redraw(p);
    expect(heat.map((d) => d.text)).toEqual(['0x0 w2', '0x0 w4', '0x4']);
    // Short labels, a narrow margin: the axis caption still clears the first tick.
    laneFits(lane);
    expect(errors).toEqual([]);
    await p.close();
  });
});
