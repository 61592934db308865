import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PerfettoWriter } from '../src/index.js';
import { FIXTURES, run, sh } from '../../../test/helpers/util.js';

/** What the Trace Event Format requires of each event (the fields and types its readers look at). */
function problems(events: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(events)) return ['not a JSON array'];
  events.forEach((e: Record<string, unknown>, i) => {
    const bad = (m: string) => out.push(`event ${i}: ${m}: ${JSON.stringify(e)}`);
    if (typeof e !== 'object' || e === null) return bad('not an object');
    if (typeof e.name !== 'string') bad('name is not a string');
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) bad('pid/tid are not integers');
    switch (e.ph) {
      case 'M':
        if (!['process_name', 'thread_name'].includes(e.name as string) || typeof (e.args as Record<string, unknown>)?.name !== 'string') bad('metadata without args.name');
        break;
      case 'C': {
        if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) bad('ts is not a number');
        const args = e.args as Record<string, unknown>;
        if (!args || Object.values(args).length === 0 || !Object.values(args).every((v) => typeof v === 'number' && Number.isFinite(v))) bad('counter args are not numbers');
        break;
      }
      case 'i':
        if (typeof e.ts !== 'number') bad('ts is not a number');
        if (!['g', 'p', 't'].includes(e.s as string)) bad('instant scope is not g, p or t');
        break;
      default:
        bad(`phase ${String(e.ph)}`);
    }
  });
  return out;
}

describe('mmio-format --to perfetto', () => {
  it('maps devices to processes, regions to threads, registers to counters, context to instant events', () => {
    const w = new PerfettoWriter();
    const lines = [w.start()];
    for (const ev of [
      { type: 'mark', text: 'probe', t: 1 },
      { type: 'write', dev: '0000:03:00.0', region: 0, offset: '0x1800', width: 4, value: '0x1', reg: 'ARM_RESET', t: 1.000002 },
      { type: 'read', dev: '0000:03:00.0', region: 2, offset: '0x10', width: 4, value: '0xff', t: 1.5 },
      { type: 'irq', dev: '0000:03:00.0', mode: 'intx', action: 'interrupt' },
      { type: 'lost', src: 'ftrace', count: 3 },
      { type: 'read', name: 'e1000-mmio', addr: '0xfebc0008', width: 4, value: '0x80080783', t: 2 },
    ]) lines.push(...w.write(ev));
    lines.push(...w.end());
    expect(lines).toEqual([
      '[',
      '{"name":"probe","ph":"i","s":"g","ts":1000000,"pid":0,"tid":0,"cat":"mark"},',
      '{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"0000:03:00.0"}},',
      '{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"region 0"}},',
      '{"name":"r0 0x1800 ARM_RESET","ph":"C","ts":1000002,"pid":1,"tid":1,"args":{"value":1}},',
      '{"name":"thread_name","ph":"M","pid":1,"tid":2,"args":{"name":"region 2"}},',
      '{"name":"r2 0x10","ph":"C","ts":1500000,"pid":1,"tid":2,"args":{"value":255}},',
      '{"name":"irq intx interrupt","ph":"i","s":"p","ts":1500000,"pid":1,"tid":0,"cat":"irq","args":{"mode":"intx","action":"interrupt"}},',
      '{"name":"lost 3 events","ph":"i","s":"g","ts":1500000,"pid":0,"tid":0,"cat":"lost"},',
      '{"name":"process_name","ph":"M","pid":2,"tid":0,"args":{"name":"e1000-mmio"}},',
      '{"name":"thread_name","ph":"M","pid":2,"tid":3,"args":{"name":"accesses"}},',
      '{"name":"0xfebc0008","ph":"C","ts":2000000,"pid":2,"tid":3,"args":{"value":2148009859}}',
      ']',
    ]);
    expect(problems(JSON.parse(lines.join('\n')))).toEqual([]);
  });

  it('every event of the real e1000 traces has the fields and types the format requires', async () => {
    for (const f of ['qemu-vfio.log', 'mmiotrace.log']) {
      const r = await run('mmio-format', ['--to', 'perfetto', join(FIXTURES, f)]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const events = JSON.parse(r.stdout) as Record<string, unknown>[];
      expect(problems(events)).toEqual([]);
      expect(events.filter((e) => e.ph === 'C').length).toBe(f === 'mmiotrace.log' ? 11946 : 12319);
    }
    // The memory-ops trace, streamed: every one of its 1,492,393 accesses is a counter event.
    const big = await sh(`mmio-format --to perfetto ${join(FIXTURES, 'qemu-memory-ops.log.gz')} | grep -c '"ph":"C"'`);
    expect(big.stdout).toBe('1492393\n');
  });

  it('an empty input is an empty array; a value past 2^53 is said', async () => {
    expect((await run('mmio-format', ['--to', 'perfetto'], '')).stdout).toBe('[\n]\n');
    const r = await run('mmio-format', ['--to', 'perfetto'], '{"type":"read","region":0,"offset":"0x0","width":8,"value":"0xffffffffffffffff"}\n');
    expect(JSON.parse(r.stdout)).toHaveLength(3);
    expect(r.stderr).toBe('mmio-format: 1 access had a value past 2^53: the counter shows it rounded (a JSON number)\n');
  });
});
