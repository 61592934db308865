/**
 * mmio-model qemu: the generated device's answering logic, compiled alone with gcc and a stub
 * harness (qemu-harness.c), answers every read as DeviceState (model.ts) does — on a model with every
 * rule kind driven by random accesses and bit-banged EEPROM reads — and the QEMU glue presents the
 * model's identity, BARs and config space.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model, Rule } from '../src/model.js';
import { compileHarness, harnessAnswers, modelAnswers, type Op } from './harness.js';
import { everyRuleModel, reg } from './every-rule-model.js';
import { QemuModelError, defaultTypeName, generateQemuDevice } from '../src/qemu.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mmio-qemu-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 93C46 READ of `word` bit-banged through a register: cs, sk, di bits; the reads sample DO. */
function eepromRead(region: number, offset: bigint, width: number, bits: { cs: number; sk: number; di: number; addrBits: number }, word: number, edgeFall: boolean, extraClocks: number): Op[] {
  const ops: Op[] = [];
  const cs = 1n << BigInt(bits.cs);
  const sk = 1n << BigInt(bits.sk);
  const di = 1n << BigInt(bits.di);
  const w = (v: bigint) => ops.push({ op: 'w', region, offset, width, value: v });
  const r = () => ops.push({ op: 'r', region, offset, width });
  w(cs);
  const cmd = [1, 1, 0, ...Array.from({ length: bits.addrBits }, (_, i) => (word >> (bits.addrBits - 1 - i)) & 1)];
  for (const b of cmd) {
    const d = b ? di : 0n;
    w(cs | d);
    w(cs | d | sk);
    w(cs | d);
  }
  r(); // 'fall': the last command clock's falling edge already moved to bit 15; 'rise': the dummy 0
  for (let i = 0; i < 17 + extraClocks; i++) {
    w(cs | sk);
    if (!edgeFall) r();
    w(cs);
    if (edgeFall) r();
  }
  w(0n);
  r();
  return ops;
}

function randomOps(model: Model, seed: number, n: number): Op[] {
  const rand = rng(seed);
  const pick = <T,>(a: T[]): T => a[Math.floor(rand() * a.length)]!;
  const ops: Op[] = [];
  const values = [0n, 1n, 2n, 5n, 0x100n, 0x200n, 0x300n, 0x1ffn, 0xffffffffn, 0x4000001n, 0x4000000n, 0xf0n, 0x0fn, 0xffffffffffffffffn];
  while (ops.length < n) {
    const x = rand();
    const r = pick(model.registers);
    const off = BigInt(r.offset);
    if (x < 0.005) ops.push({ op: 'x' });
    else if (x < 0.03 && r.rule.kind === 'eeprom') {
      const e = r.rule;
      ops.push(...eepromRead(r.region, off, r.width, e, Math.floor(rand() * 2 ** e.addrBits), e.edge === 'fall', Math.floor(rand() * 20)));
    } else if (x < 0.4) {
      const v = rand() < 0.5 ? pick(values) : BigInt(Math.floor(rand() * 2 ** 32));
      ops.push({ op: 'w', region: r.region, offset: off, width: r.width, value: v });
    } else if (x < 0.45) {
      // a read of bytes inside a register of another width, or of nothing
      const w = pick([1, 2, 4].filter((w) => w < r.width || r.width === 1));
      ops.push({ op: 'r', region: r.region, offset: off + BigInt(Math.floor(rand() * 4)), width: w });
    } else if (x < 0.47) ops.push({ op: 'r', region: 1, offset: 0n, width: 4 });
    else ops.push({ op: 'r', region: r.region, offset: off, width: r.width });
  }
  return ops;
}

describe('mmio-model qemu: the answering logic, compiled alone, answers as DeviceState', () => {
  it('a model with every rule kind, 60,000 random accesses with bit-banged EEPROM reads among them', () => {
    const model = everyRuleModel();
    const exe = compileHarness(tmp, generateQemuDevice(model), 'every');
    let reads = 0;
    for (const seed of [1, 2, 3]) {
      const ops = randomOps(model, seed, 20_000);
      const want = modelAnswers(model, ops);
      const got = harnessAnswers(exe, ops);
      expect(got.length).toBe(want.length);
      const firstBad = got.findIndex((g, i) => g !== want[i]);
      expect(firstBad, `seed ${seed}: read ${firstBad}: C ${got[firstBad]}, TypeScript ${want[firstBad]}`).toBe(-1);
      reads += want.length;
    }
    expect(reads).toBeGreaterThan(25_000);
  });

  it('the EEPROM answers the words it holds, in any order (the test can fail: a wrong word shows)', () => {
    const model = everyRuleModel();
    const exe = compileHarness(tmp, generateQemuDevice(model), 'ee');
    const e = model.registers.find((r) => r.offset === '0x24')!.rule as Extract<Rule, { kind: 'eeprom' }>;
    const word = (w: number): number => {
      const ops = eepromRead(0, 0x24n, 4, e, w, true, 0);
      const bits = harnessAnswers(exe, ops).slice(0, 16).map((l) => (parseInt(l.split(' ')[0]!, 16) >> 3) & 1);
      return bits.reduce((a, b) => a * 2 + b, 0);
    };
    expect([2, 0, 1, 0x3f, 5].map(word)).toEqual([0x15a, 0x4d02, 0x4f49, 0xbaba, 0xffff]);
  });

  it('an empty model compiles and answers 0', () => {
    const model = { ...everyRuleModel(), registers: [] };
    const exe = compileHarness(tmp, generateQemuDevice(model), 'empty');
    expect(harnessAnswers(exe, [{ op: 'r', region: 0, offset: 0n, width: 4 }])).toEqual(['0 -1']);
  });
});

describe('mmio-model qemu: the QEMU glue', () => {
  const c = generateQemuDevice(everyRuleModel());

  it('names the device after its IDs, and presents IDs, class, revision, subsystem', () => {
    expect(defaultTypeName(everyRuleModel())).toBe('mmio-8086-100e');
    expect(c).toContain('#define TYPE_MMIO_8086_100E "mmio-8086-100e"');
    expect(c).toContain('k->vendor_id = 0x8086;');
    expect(c).toContain('k->device_id = 0x100e;');
    expect(c).toContain('k->revision = 0x03;');
    expect(c).toContain('k->class_id = 0x0200;');
    expect(c).toContain('pdev->config[PCI_CLASS_PROG] = 0x0;');
    expect(c).toContain('k->subsystem_vendor_id = 0x8086;');
    expect(c).toContain('k->subsystem_id = 0x001e;');
    expect(c).toContain('DEFINE_TYPES(mmio_8086_100e_types)');
  });

  it('registers each BAR with its kind: 32-bit memory, 64-bit prefetchable, I/O', () => {
    expect(c).toContain('pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->bar[0]);');
    expect(c).toContain('pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH, &s->bar[2]);');
    expect(c).toContain('pci_register_bar(pdev, 4, PCI_BASE_ADDRESS_SPACE_IO, &s->bar[4]);');
    expect(c).toContain('&mmio_8086_100e_io_ops, &s->ref[4], "mmio-8086-100e-bar4", 0x100ull);');
    expect(c).toContain('"mmio-8086-100e-bar0", 0x20000ull);');
  });

  it('copies the config bytes the PCI core does not own, and the capability area\'s writable bits', () => {
    // 0x0 (vendor) is the core's; 0x6 status, 0x34 capability pointer, 0x3d pin and 0xdc.. are copied
    expect(c).toMatch(/_config\[\]\[2\] = \{\n {4}\{ 0x6, 0x10 \}, \{ 0x34, 0xdc \}, \{ 0x3d, 0x1 \}, \{ 0xdc, 0x1 \}, \{ 0xde, 0x22 \}, \{ 0xe0, 0x5 \},\n\};/);
    expect(c).toMatch(/_wmask\[\]\[2\] = \{\n {4}\{ 0xe0, 0x1 \},\n\};/);
    expect(c).toContain('1 bytes of extended config space');
  });

  it('--type and --alias', () => {
    const a = generateQemuDevice(everyRuleModel(), { type: 'fake-nic', aliases: [[4, 0]] });
    expect(a).toContain('#define TYPE_FAKE_NIC "fake-nic"');
    expect(a).toContain('s->ref[4].region = 0;');
    expect(a).toContain('answers as BAR 0');
  });

  it('refuses, in one line, what it cannot make a device of', () => {
    const m = everyRuleModel();
    const bad = (f: (m: Model) => void, opts = {}) => {
      const x = structuredClone(m);
      f(x);
      return () => generateQemuDevice(x, opts);
    };
    expect(bad((x) => void (x.identity.vendor = undefined))).toThrow(new QemuModelError('identity.vendor: missing (learn with --id VENDOR:DEVICE, --class)'));
    expect(bad((x) => void ((x as { schema: string }).schema = 'mmio-model/2'))).toThrow(QemuModelError);
    expect(bad(() => undefined, { type: 'Bad Name' })).toThrow(/--type "Bad Name"/);
    expect(bad((x) => void (x.bars[0]!.size = '0x3000'))).toThrow(/bars\[0\]\.size: 0x3000 is not a power of two/);
    expect(bad((x) => void (x.registers[0]!.rule = { kind: 'constant', value: 'zero' }))).toThrow(/registers\[0\] \(0:0x0:4\) value: "zero" is not a hex number/);
    expect(bad((x) => void x.registers.push(reg(5, 0, 4, { kind: 'constant', value: '0x0' })))).toThrow(/BAR 5 has registers but the model has no such BAR/);
    expect(bad(() => undefined, { aliases: [[4, 1]] })).toThrow(/--alias 4=1: the model has no registers in BAR 1/);
    for (const f of [bad((x) => void (x.identity.vendor = undefined)), bad(() => undefined, { type: 'Bad Name' })]) {
      try {
        f();
      } catch (e) {
        expect(String((e as Error).message)).not.toContain('\n');
      }
    }
  });
});

describe('mmio-model qemu --into: the meson line', () => {
  it('adds one line in the tree\'s spelling, once', async () => {
    const { mesonWithDevice } = await import('../src/qemu.js');
    const old = "softmmu_ss.add(when: 'CONFIG_EDU', if_true: files('edu.c'))\n";
    const a = mesonWithDevice(old, 'mmio_8086_100e.c');
    expect(a).toEqual({ added: true, text: old + "softmmu_ss.add(when: 'CONFIG_PCI', if_true: files('mmio_8086_100e.c'))\n" });
    expect(mesonWithDevice(a.text, 'mmio_8086_100e.c')).toEqual({ added: false, text: a.text });
    expect(mesonWithDevice("system_ss.add(files('x.c'))", 'y.c').text).toBe("system_ss.add(files('x.c'))\nsystem_ss.add(when: 'CONFIG_PCI', if_true: files('y.c'))\n");
  });
});

describe('mmio-model qemu, the command', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'mmio-model.js');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'qemu', ...args], { encoding: 'utf8' });

  it('--into a QEMU tree: hw/misc/TYPE.c and one meson line, the second time none; -o - to stdout', () => {
    const src = join(tmp, 'qemu-src');
    mkdirSync(join(src, 'hw', 'misc'), { recursive: true });
    writeFileSync(join(src, 'hw', 'misc', 'meson.build'), "softmmu_ss.add(when: 'CONFIG_EDU', if_true: files('edu.c'))\n");
    const model = join(tmp, 'every.json');
    writeFileSync(model, JSON.stringify(everyRuleModel()));
    const a = run([model, '--type', 'fake-nic', '--alias', '4=0', '--into', src]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe('');
    expect(a.stderr).toBe(`mmio-model: ${join(src, 'hw', 'misc', 'fake_nic.c')}, and its line in ${join(src, 'hw', 'misc', 'meson.build')}: build QEMU and run it with -device fake-nic\n`);
    expect(readFileSync(join(src, 'hw', 'misc', 'fake_nic.c'), 'utf8')).toBe(generateQemuDevice(everyRuleModel(), { type: 'fake-nic', aliases: [[4, 0]], source: model }));
    expect(readFileSync(join(src, 'hw', 'misc', 'meson.build'), 'utf8')).toBe("softmmu_ss.add(when: 'CONFIG_EDU', if_true: files('edu.c'))\nsoftmmu_ss.add(when: 'CONFIG_PCI', if_true: files('fake_nic.c'))\n");
    const b = run([model, '--type', 'fake-nic', '--alias', '4=0', '--into', src, '-o', '-']);
    expect(b.status).toBe(0);
    expect(b.stderr).not.toContain('its line');
    expect(b.stdout).toBe(readFileSync(join(src, 'hw', 'misc', 'fake_nic.c'), 'utf8'));
  });

  it('a bad --type or --alias is a usage error (exit 2); a model without a class code gets 0x000000 and a warning', () => {
    const model = join(tmp, 'every.json');
    writeFileSync(model, JSON.stringify(everyRuleModel()));
    expect(run([model, '--type', 'Fake NIC']).status).toBe(2);
    expect(run([model, '--alias', '7=0']).status).toBe(2);
    const m = everyRuleModel();
    delete m.identity.class;
    const noClass = join(tmp, 'noclass.json');
    writeFileSync(noClass, JSON.stringify(m));
    const r = run([noClass, '-o', join(tmp, 'noclass.c')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`mmio-model: ${noClass}: identity.class: not in the model; the device says 0x000000 (learn with --class CODE)\n`);
    expect(readFileSync(join(tmp, 'noclass.c'), 'utf8')).toContain('k->class_id = 0x0000;');
  });
});
