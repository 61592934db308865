/**
 * The Trace Event Format (the JSON that ui.perfetto.dev and chrome://tracing open), written as
 * the events come: a JSON array, one event per line.
 *
 * - Each device (`dev`, or the memory region's `name`/`mr`) is a process, named by metadata; each
 *   of its regions a thread ("region 0"); pids and tids are numbered in order of first appearance.
 * - Each register is a counter track of its device: name `rREGION OFFSET` (`ADDR` for memory-region
 *   events), then the register's name when the event was annotated; every read and write sets its
 *   value (a JSON number: exact below 2^53).
 * - Marks and lost events are global instant events; interrupts and resets instant events of the
 *   device; region and mmap events instant events of the region's thread; device, map and unmap
 *   events instant events of the device.
 * - `ts` is the event's `t` in microseconds; an event without `t` takes the time of the event before
 *   it (0 before any).
 */
type Ev = Record<string, unknown>;

export class PerfettoWriter {
  private pids = new Map<string, number>();
  private tids = new Map<string, number>();
  private ts = 0;
  /** The last event's line, held back until the next one says whether it needs a comma. */
  private held?: string;
  /** Accesses whose value was past 2^53 (the counter shows it rounded). */
  rounded = 0;

  /** The line before the events. */
  start(): string {
    return '[';
  }

  /** The lines after the events. */
  end(): string[] {
    const out = this.held === undefined ? [] : [this.held];
    this.held = undefined;
    out.push(']');
    return out;
  }

  /** The finished lines (one JSON event each, a comma after all but the last) of one event. */
  write(ev: Ev): string[] {
    if (typeof ev.t === 'number') this.ts = ev.t * 1e6;
    const out: string[] = [];
    const emit = (o: Record<string, unknown>) => {
      if (this.held !== undefined) out.push(this.held + ',');
      this.held = JSON.stringify(o);
    };
    const ts = Math.round(this.ts * 1000) / 1000;
    const who = typeof ev.dev === 'string' ? ev.dev : typeof ev.name === 'string' ? ev.name : typeof ev.mr === 'string' ? `mr ${ev.mr}` : undefined;
    const pid = (): number => {
      const key = who ?? '(no device)';
      let p = this.pids.get(key);
      if (p === undefined) {
        this.pids.set(key, (p = this.pids.size + 1));
        emit({ name: 'process_name', ph: 'M', pid: p, tid: 0, args: { name: key } });
      }
      return p;
    };
    const tid = (p: number): number => {
      const label = ev.region !== undefined ? `region ${ev.region}` : 'accesses';
      const key = `${p}\u0000${label}`;
      let t = this.tids.get(key);
      if (t === undefined) {
        this.tids.set(key, (t = this.tids.size + 1));
        emit({ name: 'thread_name', ph: 'M', pid: p, tid: t, args: { name: label } });
      }
      return t;
    };
    switch (ev.type) {
      case 'read':
      case 'write': {
        const p = pid();
        const t = tid(p);
        const where = ev.offset !== undefined ? `r${ev.region ?? '-'} ${ev.offset}` : String(ev.addr);
        const name = typeof ev.reg === 'string' ? `${where} ${ev.reg}` : where;
        const v = BigInt(ev.value as string);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.rounded++;
        emit({ name, ph: 'C', ts, pid: p, tid: t, args: { value: Number(v) } });
        break;
      }
      case 'mark':
        emit({ name: String(ev.text ?? 'mark'), ph: 'i', s: 'g', ts, pid: 0, tid: 0, cat: 'mark' });
        break;
      case 'lost':
        emit({ name: `lost ${ev.count ?? '?'} events`, ph: 'i', s: 'g', ts, pid: 0, tid: 0, cat: 'lost' });
        break;
      case 'irq':
      case 'reset':
      case 'device':
      case 'map':
      case 'unmap': {
        const p = pid();
        const args: Record<string, unknown> = {};
        for (const k of ['mode', 'action', 'vector', 'vectors', 'pin', 'enabled', 'how', 'result', 'vendor', 'device', 'driver', 'id', 'addr', 'len']) if (ev[k] !== undefined) args[k] = ev[k];
        emit({ name: ev.type === 'irq' ? `irq ${ev.mode ?? ''} ${ev.action ?? ''}`.trim() : ev.type === 'reset' ? `reset ${ev.how ?? ''}`.trim() : String(ev.type), ph: 'i', s: 'p', ts, pid: p, tid: 0, cat: String(ev.type), args });
        break;
      }
      case 'region':
      case 'mmap': {
        const p = pid();
        const t = tid(p);
        const args: Record<string, unknown> = {};
        for (const k of ['region', 'size', 'flags', 'fd_offset', 'label', 'start', 'end']) if (ev[k] !== undefined) args[k] = ev[k];
        emit({ name: String(ev.type), ph: 'i', s: 't', ts, pid: p, tid: t, cat: String(ev.type), args });
        break;
      }
    }
    return out;
  }
}
