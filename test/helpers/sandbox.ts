/**
 * A folder that holds the files the README's and the overview's one-liners name, made from the
 * shipped example and the real fixtures, with ../shared beside it as beside the repository:
 * trace.log and good.log (the BCM43602 example), bad.log (its generator, seed 7), regs.json,
 * events.ndjson (mmio-parse's own output of trace.log), good.nd and bad.nd, tcm.bin (the replayed
 * TCM of 03:00.0), mmiotrace.log and qemu*.log.gz (the real e1000 traces), nv.log (the G80 sweep;
 * RNN for its rnndb roots).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './util.js';

const F = join(ROOT, '..', 'shared', 'fixtures');
export const RNN = `${F}/envytools-rnndb/generated:${F}/envytools-rnndb/rnndb`;

export function makeSandbox(): string {
  const sandbox = join(mkdtempSync(join(tmpdir(), 'mmio-sandbox-')), 'repo');
  mkdirSync(sandbox);
  symlinkSync(join(ROOT, '..', 'shared'), join(sandbox, '..', 'shared'));
  symlinkSync(join(ROOT, 'examples'), join(sandbox, 'examples'));
  const link = (to: string, name: string) => symlinkSync(to, join(sandbox, name));
  link(join(ROOT, 'examples', 'bcm43602', 'trace.log'), 'trace.log');
  link(join(ROOT, 'examples', 'bcm43602', 'trace.log'), 'good.log');
  link(join(ROOT, 'examples', 'bcm43602', 'regs.json'), 'regs.json');
  link(join(F, 'real', 'e1000-probe', 'mmiotrace.log'), 'mmiotrace.log');
  link(join(F, 'real', 'e1000-probe', 'qemu-memory-ops.log.gz'), 'qemu-memory-ops.log.gz');
  link(join(F, 'real', 'e1000-probe', 'qemu-memory-ops.log.gz'), 'qemu.log.gz');
  link(join(F, 'envytools-rnndb', 'expected', 'g80-vfio.log.gz'), 'nv.log');
  const bin = join(ROOT, 'node_modules', '.bin');
  execFileSync('bash', ['-o', 'pipefail', '-ec', [
    `node ${ROOT}/examples/bcm43602/generate.mjs --seed 7 > bad.log`,
    `${bin}/mmio-parse trace.log > events.ndjson`,
    `${bin}/mmio-parse good.log > good.nd`,
    `${bin}/mmio-parse bad.log > bad.nd`,
    `${bin}/mmio-replay --dev 03:00.0 --region 2 -o tcm.bin trace.log > /dev/null`,
  ].join('\n')], { cwd: sandbox });
  return sandbox;
}
