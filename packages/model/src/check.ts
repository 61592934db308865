/**
 * Open-loop replay: the trace's writes go to the model in order, every read of the device's BARs is
 * answered by the model and compared with what the device gave. Each input file is one run (the
 * device is reset at its start). Two baselines are scored on the same reads: first read (each
 * register answers the first value it was read with) and per-register playback (the recorded reads
 * in order, the last held: BSOD's fakedev).
 */
import { UsageError } from '@mmio-tools/core';
import { FileRun } from './collect.js';
import { DeviceState, RULE_KINDS, hex, regKey, type Model, type RuleKind } from './model.js';

type Ev = Record<string, unknown>;

export interface Mismatch {
  file: string;
  line: number;
  region: number;
  offset: string;
  width: number;
  device: string;
  model: string;
  rule: RuleKind | 'none';
}

export interface Score {
  reads: number;
  exact: number;
}

export interface CheckResult {
  files: number;
  reads: number;
  exact: number;
  /** Reads answered by a rule other than playback (whether exact or not), and how many of them were exact. */
  rules: Score;
  byKind: Partial<Record<RuleKind | 'none', Score>>;
  baselines: { firstRead: Score; playback: Score };
}

export const pct = (s: Score): string => (s.reads === 0 ? '-' : ((100 * s.exact) / s.reads).toFixed(2) + '%');

export class Checker {
  private dev: DeviceState;
  private cur?: FileRun;
  private device?: string;
  private bases = new Map<string, bigint>();
  private recorded = new Map<string, bigint[]>();
  private pbIndex = new Map<string, number>();
  readonly result: CheckResult = { files: 0, reads: 0, exact: 0, rules: { reads: 0, exact: 0 }, byKind: {}, baselines: { firstRead: { reads: 0, exact: 0 }, playback: { reads: 0, exact: 0 } } };

  constructor(
    readonly model: Model,
    private onMismatch?: (m: Mismatch) => void,
    /** Only reads on these lines are scored (all accesses still drive the model). */
    private score?: { from: number; to: number }[],
  ) {
    this.dev = new DeviceState(model);
    for (const r of model.registers) this.recorded.set(regKey(r.region, r.offset, r.width), (r.recorded ?? []).map((v) => BigInt(v)));
  }

  startFile(file: string): void {
    this.cur = new FileRun(file, 0);
    this.device = undefined;
    this.bases.clear();
    this.pbIndex.clear();
    this.dev.reset();
    this.result.files++;
  }

  leftOut(ev: Ev): void {
    this.cur!.config(ev);
  }

  selected(ev: Ev): void {
    const f = this.cur!;
    if (f.config(ev)) return;
    if (ev.type !== 'read' && ev.type !== 'write') return;
    const at = f.where(ev);
    if (!at) return;
    if (this.device === undefined) this.device = at.dev;
    else if (this.device !== at.dev) {
      const show = (d: string) => (d.startsWith('name:') ? `'${d.slice(5)}'` : d);
      throw new UsageError(`${f.file}: more than one device in the input (${show(this.device)}, ${show(at.dev)}); check one at a time: --dev DEV (VFIO, mmiotrace) or --name 'REGION*' (QEMU memory-ops)`);
    }
    let offset = at.offset;
    if (at.abs) {
      // A region no BAR was found for: relative to the BAR of the model that has its name, aligned to its size.
      let base = this.bases.get(at.name ?? '');
      if (base === undefined) {
        const bar = this.model.bars.find((b) => b.names?.includes(at.name ?? '')) ?? this.model.bars[0];
        const size = bar ? BigInt(bar.size) : 1n;
        base = at.offset & ~(size - 1n);
        this.bases.set(at.name ?? '', base);
      }
      offset -= base;
    }
    const width = ev.width as number;
    const value = BigInt(ev.value as string);
    if (ev.type === 'write') {
      this.dev.write(at.region, offset, width, value);
      return;
    }
    const r = this.result;
    const got = this.dev.read(at.region, offset, width);
    const key = regKey(at.region, offset, width);
    const i = this.pbIndex.get(key) ?? 0;
    this.pbIndex.set(key, i + 1);
    if (this.score) {
      const line = typeof ev.line === 'number' ? ev.line : 0;
      if (!this.score.some((x) => line >= x.from && line <= x.to)) return;
    }
    const kind = got.kind ?? 'none';
    const ok = got.value === value;
    r.reads++;
    if (ok) r.exact++;
    const k = (r.byKind[kind] ??= { reads: 0, exact: 0 });
    k.reads++;
    if (ok) k.exact++;
    if (kind !== 'playback') {
      r.rules.reads++;
      if (ok) r.rules.exact++;
    }
    // the baselines
    const rec = this.recorded.get(key);
    const first = rec?.[0] ?? 0n;
    const play = rec && rec.length ? rec[Math.min(i, rec.length - 1)]! : 0n;
    r.baselines.firstRead.reads++;
    if (first === value) r.baselines.firstRead.exact++;
    r.baselines.playback.reads++;
    if (play === value) r.baselines.playback.exact++;
    if (!ok && this.onMismatch) {
      this.onMismatch({ file: f.file, line: typeof ev.line === 'number' ? ev.line : 0, region: at.region, offset: hex(offset), width, device: hex(value), model: hex(got.value), rule: kind });
    }
  }
}

/** The result as the text `check` prints. */
export function checkText(r: CheckResult): string {
  const lines = [
    `reads       ${r.reads}`,
    `exact       ${r.exact}  ${pct(r)}`,
    `rules       ${r.rules.reads} of ${r.reads} reads answered by a rule other than playback (${pct({ reads: r.reads, exact: r.rules.reads })})`,
    'by rule     ' +
      [...RULE_KINDS, 'none' as const]
        .filter((k) => r.byKind[k])
        .map((k) => `${k} ${r.byKind[k]!.exact}/${r.byKind[k]!.reads}`)
        .join(', '),
    `baselines   first read ${r.baselines.firstRead.exact} (${pct(r.baselines.firstRead)}), playback ${r.baselines.playback.exact} (${pct(r.baselines.playback)})`,
  ];
  return lines.join('\n') + '\n';
}
