/**
 * mmio-model qemu on the real captures: a model learned from one run of each driver is written as a
 * QEMU device; its answering logic, compiled alone with the stub harness, is driven with the very
 * accesses `mmio-model check` gives the model on the held-out runs (the same writes, the same reads,
 * in order) and must answer every read with the value DeviceState answers.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSelected } from '@mmio-tools/parse';
import { Checker } from '../src/check.js';
import { Learner, PLAYBACK_CAP } from '../src/learn.js';
import { DeviceState, RULE_KINDS, type Model } from '../src/model.js';
import { generateQemuDevice } from '../src/qemu.js';
import { compileHarness, harnessAnswers, type Op } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'model');
const SHIPPED = join(ROOT, '..', 'shared', 'fixtures', 'real', 'e1000-probe');
const ARGS = { format: 'auto', strict: false, 'skip-invalid': false, all: false, jobs: 1 };

type Ev = Record<string, unknown>;

async function learn(files: string[], args: Ev = {}): Promise<Model> {
  const l = new Learner({ bars: new Map(), playbackCap: PLAYBACK_CAP, generator: 'test' });
  for (const f of files) {
    l.startFile(f);
    await readSelected([f], { ...ARGS, ...args }, 'mmio-model', (ev, _raw, line) => {
      if (typeof (ev as Ev).line !== 'number' && line !== undefined) (ev as Ev).line = line;
      l.selected(ev as Ev);
    }, { leftOut: (ev) => l.leftOut(ev as Ev) });
    l.endFile();
  }
  return l.model();
}

/** DeviceState as check drives it, recording each call and the answer of each read. */
class Recording extends DeviceState {
  ops: Op[] = [];
  answers: string[] = [];
  override reset(): void {
    super.reset();
    this.ops.push({ op: 'x' });
  }
  override write(region: number, offset: bigint, width: number, value: bigint): void {
    super.write(region, offset, width, value);
    this.ops.push({ op: 'w', region, offset, width, value });
  }
  override read(region: number, offset: bigint, width: number): { value: bigint; kind: (typeof RULE_KINDS)[number] | undefined } {
    const got = super.read(region, offset, width);
    this.ops.push({ op: 'r', region, offset, width });
    this.answers.push(`${got.value.toString(16)} ${got.kind === undefined ? -1 : RULE_KINDS.indexOf(got.kind)}`);
    return got;
  }
}

async function checkRecorded(model: Model, files: string[], args: Ev = {}): Promise<{ rec: Recording; exact: number; reads: number }> {
  const checker = new Checker(model);
  const rec = new Recording(model);
  // the checker's device is the recording one: the accesses and answers are check's own
  (checker as unknown as { dev: DeviceState }).dev = rec;
  for (const f of files) {
    checker.startFile(f);
    await readSelected([f], { ...ARGS, ...args }, 'mmio-model', (ev, _raw, line) => {
      if (typeof (ev as Ev).line !== 'number' && line !== undefined) (ev as Ev).line = line;
      checker.selected(ev as Ev);
    }, { leftOut: (ev) => checker.leftOut(ev as Ev) });
  }
  return { rec, exact: checker.result.exact, reads: checker.result.reads };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mmio-qemu-fixtures-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: { name: string; learn: string[]; check: string[]; args?: Ev; reads: number }[] = [
  { name: 'e1000', learn: [join(FIX, 'e1000', 'e1000-probe-1.log.gz')], check: [join(FIX, 'e1000', 'e1000-probe-2.log.gz'), join(FIX, 'e1000', 'e1000-order.log.gz')], reads: 6592 + 14471 },
  { name: 'e1000e', learn: [join(FIX, 'e1000e', 'e1000e-probe-1.log.gz')], check: [join(FIX, 'e1000e', 'e1000e-probe-2.log.gz'), join(FIX, 'e1000e', 'e1000e-order.log.gz')], reads: 628 + 3431 },
  { name: 'rtl8139', learn: [join(FIX, 'rtl8139', 'rtl8139-probe-1.log.gz')], check: [join(FIX, 'rtl8139', 'rtl8139-probe-2.log.gz'), join(FIX, 'rtl8139', 'rtl8139-order.log.gz')], reads: 285 + 664 },
  { name: 'e1000 (shipped: mmiotrace → VFIO)', learn: [join(SHIPPED, 'mmiotrace.log')], check: [join(SHIPPED, 'qemu-vfio.log')], args: { region: '0' }, reads: 6592 },
];

describe.each(CASES)('mmio-model qemu on the captures: $name', ({ learn: lf, check: cf, args, reads }) => {
  it('the compiled device answers every read of the held-out runs as check\'s model does', async () => {
    const model = await learn(lf, args);
    const { rec, reads: n } = await checkRecorded(model, cf, args);
    expect(n).toBe(reads);
    expect(rec.answers).toHaveLength(reads);
    const exe = compileHarness(tmp, generateQemuDevice(model, { type: 'fixture-dev' }), 'fixture');
    const got = harnessAnswers(exe, rec.ops);
    expect(got).toHaveLength(rec.answers.length);
    const bad = got.findIndex((g, i) => g !== rec.answers[i]);
    expect(bad, `read ${bad}: C ${got[bad]}, TypeScript ${rec.answers[bad]}`).toBe(-1);
  });
});
