import { describe, expect, it } from 'vitest';
import { BINS, HISTORY_PER_REG, ReportBuilder, TIMELINE_MAX, page } from '../src/index.js';

const acc = (i: number, offset: string, value: string, type = 'read') => ({ type, dev: 'd', region: 0, offset, width: 4, value, t: 1000 + i / 1000, line: i + 1 });

describe('ReportBuilder', () => {
  it('bins widen as the trace goes on, and keep every access counted, reads and writes apart', () => {
    const b = new ReportBuilder('t');
    const n = BINS * 3 + 17;
    for (let i = 0; i < n; i++) b.add(acc(i, i % 3 ? '0x10' : '0x14', '0x' + (i % 2).toString(16), i % 4 ? 'read' : 'write'));
    const d = b.finish();
    expect([d.accesses, d.binWidth, d.bins]).toEqual([n, 4, Math.ceil(n / 4)]);
    const cells = d.regions[0]!.cells;
    const reads = cells.reduce((a, c) => a + c[2], 0);
    const writes = cells.reduce((a, c) => a + c[3], 0);
    expect([reads + writes, writes]).toEqual([n, Math.ceil(n / 4)]);
    expect(d.regions[0]!.rows.map((r) => r.label)).toEqual(['0x10', '0x14']);
    expect(d.binT[0]).toBe(1000);
  });

  it('folds runs of identical reads in a history, and caps it', () => {
    const b = new ReportBuilder('t');
    for (let i = 0; i < 10; i++) b.add(acc(i, '0x10', '0x1'));
    b.add(acc(10, '0x10', '0x2', 'write'));
    for (let i = 0; i < HISTORY_PER_REG + 10; i++) b.add(acc(11 + i, '0x20', '0x' + i.toString(16)));
    const d = b.finish();
    expect(d.histories[0]).toEqual({ points: [[0, '0x1', 0, 10], [10, '0x2', 1, 1]], cut: false });
    expect(d.histories[1]!.points).toHaveLength(HISTORY_PER_REG);
    expect([d.histories[1]!.cut, d.historyCut]).toEqual([true, 1]);
  });

  it('keeps context events for the timeline, up to a cap, at the access they came after', () => {
    const b = new ReportBuilder('t');
    b.add(acc(0, '0x10', '0x1'));
    for (let i = 0; i < TIMELINE_MAX + 3; i++) b.add({ type: 'irq', dev: 'd', mode: 'intx', action: 'interrupt', t: 2 });
    const d = b.finish();
    expect(d.timeline[0]).toEqual({ x: 1, t: 2, kind: 'irq', text: 'd irq intx interrupt' });
    expect([d.timeline.length, d.timelineLeft]).toEqual([TIMELINE_MAX, 3]);
  });

  it('the page holds its data safely: no </script> from the input ends the script', () => {
    const b = new ReportBuilder('</script><script>alert(1)</script>');
    b.add({ type: 'mark', text: '</script><img src=x onerror=alert(1)>' });
    const html = page(b.finish());
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; — mmio-report</title>');
  });
});
