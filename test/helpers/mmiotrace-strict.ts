/**
 * A strict reader of Linux mmiotrace text, written from the kernel's format strings
 * (kernel/trace/trace_mmiotrace.c), independent of mmio-parse: every line must match its
 * format exactly, VERSION comes first, PCIDEV lines come before any access, an access names
 * a MAP that is in force and lies inside it, and inside a BAR of a PCIDEV device.
 * Returns the problems found, `line N: what` (empty when the text is valid).
 */
const H = '[0-9a-f]+';
const TIME = '\\d+\\.\\d{6}';
const FORMATS: Record<string, RegExp> = {
  VERSION: /^VERSION 20070824$/,
  PCIDEV: new RegExp(`^PCIDEV [0-9a-f]{4} [0-9a-f]{8} ${H}(?: ${H}){14} (?:\\S.*)?$`),
  MAP: new RegExp(`^MAP ${TIME} (\\d+) 0x(${H}) 0x${H} 0x(${H}) 0x0 0$`),
  UNMAP: new RegExp(`^UNMAP ${TIME} (\\d+) 0x0 0$`),
  R: new RegExp(`^R ([1248]) ${TIME} (\\d+) 0x(${H}) 0x${H} 0x${H} 0$`),
  W: new RegExp(`^W ([1248]) ${TIME} (\\d+) 0x(${H}) 0x${H} 0x${H} 0$`),
  UNKNOWN: new RegExp(`^UNKNOWN ${TIME} (\\d+) 0x(${H}) [0-9a-f]{2},[0-9a-f]{2},[0-9a-f]{2} 0x${H} 0$`),
  MARK: new RegExp(`^MARK ${TIME} .*$`),
};

export function checkMmiotrace(text: string): string[] {
  const problems: string[] = [];
  const maps = new Map<number, [bigint, bigint]>();
  const bars: [bigint, bigint][] = [];
  let accesses = 0;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const n = i + 1;
    const kw = line.split(' ')[0]!;
    const re = FORMATS[kw];
    const m = re?.exec(line);
    if (!m) return problems.push(`line ${n}: does not match the kernel format: ${line}`);
    if (n === 1 && kw !== 'VERSION') problems.push(`line 1: not VERSION`);
    if (kw === 'PCIDEV') {
      if (accesses > 0) problems.push(`line ${n}: PCIDEV after accesses`);
      const f = line.split(' ');
      for (let r = 0; r < 7; r++) {
        const start = BigInt('0x' + f[4 + r]!) & ~0xfn;
        const size = BigInt('0x' + f[11 + r]!);
        if (size > 0n) bars.push([start, start + size]);
      }
    } else if (kw === 'MAP') {
      const start = BigInt('0x' + m[2]!);
      maps.set(+m[1]!, [start, start + BigInt('0x' + m[3]!)]);
    } else if (kw === 'UNMAP') {
      if (!maps.delete(+m[1]!)) problems.push(`line ${n}: UNMAP of unknown map ${m[1]}`);
    } else if (kw === 'R' || kw === 'W') {
      accesses++;
      const map = maps.get(+m[2]!);
      const phys = BigInt('0x' + m[3]!);
      const end = phys + BigInt(m[1]!);
      if (!map) problems.push(`line ${n}: map ${m[2]} is not in force`);
      else if (phys < map[0] || end > map[1]) problems.push(`line ${n}: 0x${phys.toString(16)} is outside map ${m[2]}`);
      if (!bars.some(([s, e]) => phys >= s && end <= e)) problems.push(`line ${n}: 0x${phys.toString(16)} is in no PCIDEV BAR`);
    }
  });
  return problems;
}
