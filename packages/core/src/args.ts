/**
 * How the family reads its command line, beyond what yargs does by itself: one
 * rule for an option given twice, yargs' messages as one clean line (with "did
 * you mean"), and shell completion for the whole family, option values included.
 */
import type { Argv } from 'yargs';
import { UsageError } from './errors.js';
import { EVENT_TYPES } from './events.js';

/** The tools of the family: one completion script covers them all. */
export const FAMILY = ['mmio-parse', 'mmio-filter', 'mmio-replay', 'mmio-extract', 'mmio-format', 'mmio-annotate', 'mmio-diff', 'mmio-regs', 'mmio-report'] as const;

/**
 * Options that take a list: given twice (or with a comma list) they add values.
 * Every other option that takes a value is a usage error when given twice; a
 * flag given twice is the flag (the last of --X and --no-X counts).
 */
const LISTS = new Set(['type', 'dev', 'region', 'name', 'mr', 'offset', 'addr', 'width', 'value', 'lines', 'ignore', 'map-dev', 'base', 'id']);

/** Values offered by completion for options that are not yargs `choices` (comma lists, open sets). */
const VALUES = new Map<string, readonly string[]>([
  ['type', EVENT_TYPES],
  ['width', ['1', '2', '4', '8']],
  ['region', ['0', '1', '2', '3', '4', '5', '6', '7', '8']],
]);

/** Offer these values when completing `--NAME <TAB>` (for a comma list, after the last comma too). */
export function completeValues(name: string, values: readonly string[]): void {
  VALUES.set(name, values);
}

interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  choices: Record<string, unknown[] | undefined>;
  hiddenOptions: string[];
}

const optionsOf = (y: Argv): YargsOptions => (y as unknown as { getOptions(): YargsOptions }).getOptions();

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const flag = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/** Every declared option name and alias (dashed), mapped to its declared name. */
function names(o: YargsOptions): Map<string, string> {
  // Each name's declared name: the longest of its group (yargs may list the aliases both ways).
  const aliasOf = new Map<string, string>();
  const longer = (a: string, b: string | undefined) => (b === undefined || a.length > b.length ? a : b);
  for (const [k, as] of Object.entries(o.alias)) {
    const group = [k, ...as].filter((n) => !/[a-z][A-Z]/.test(n));
    const best = group.reduce<string | undefined>((acc, n) => longer(n, acc), undefined) ?? k;
    for (const n of group) aliasOf.set(n, longer(best, aliasOf.get(n)));
  }
  const m = new Map<string, string>();
  for (const k of [...Object.keys(o.key), ...aliasOf.keys()]) {
    const d = aliasOf.get(k) ?? k;
    if (!/[a-z][A-Z]/.test(k)) m.set(k, d);
  }
  for (const [a, k] of [...m]) if (!m.has(camel(a))) m.set(camel(a), k);
  return m;
}

/**
 * The rule for options given twice: a list option adds, a flag takes the last,
 * any other option is a usage error (`-o a -o b` would leave one of two outputs
 * unwritten without a word). Counted on the words as given, not on yargs'
 * result: yargs adds up a number option given as 1 twice (`-j 1 -j 1` is 2).
 */
export function checkRepeated(argv: string[], y: Argv): void {
  const o = optionsOf(y);
  const known = names(o);
  const takesValue = (n: string) => known.has(n) && !o.boolean.includes(known.get(n)!);
  const given = new Map<string, string[]>();
  const add = (n: string, v: string) => {
    const k = known.get(n);
    if (k === undefined || LISTS.has(k) || !takesValue(n)) return;
    given.set(k, [...(given.get(k) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') break;
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const n = w.slice(2, eq === -1 ? undefined : eq);
      if (!takesValue(n)) continue;
      if (eq !== -1) add(n, w.slice(eq + 1));
      else add(n, argv[++i] ?? '');
    } else if (/^-[^-\d]/.test(w)) {
      // -qc, -j2, -o FILE: letters until one takes a value, which is the rest or the next word.
      for (let j = 1; j < w.length; j++) {
        const n = w[j]!;
        if (!takesValue(n)) continue;
        const rest = w.slice(j + 1).replace(/^=/, '');
        add(n, rest !== '' ? rest : argv[++i] ?? '');
        break;
      }
    }
  }
  for (const [k, values] of given) {
    if (values.length < 2) continue;
    throw new UsageError(`${flag(k)} given ${values.length} times (${values.map((v) => JSON.stringify(v)).join(', ')}): give it once`);
  }
}

/** Edit distance with transpositions (optimal string alignment): "regoin" is 1 from "region". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The declared option closest to an unknown one, when it is close enough to be a typo. */
export function suggest(unknown: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const u = unknown.toLowerCase();
  for (const k of known) {
    if (k.length < 2) continue;
    const d = k.startsWith(u) && u.length >= 3 ? 0.5 : distance(u, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const limit = u.length <= 3 ? 1 : u.length <= 6 ? 2 : 3;
  return best !== undefined && bestD <= limit ? best : undefined;
}

/**
 * yargs' message as one clean line for a usage error: unknown options with a
 * "did you mean", an invalid choice with the accepted values, a missing value
 * or option named as the user writes it.
 */
export function cleanMessage(msg: string, y: Argv | undefined, argv: string[]): string {
  const o = y ? optionsOf(y) : undefined;
  const known = o ? names(o) : new Map<string, string>();
  let m = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (m) {
    const raw = m[1]!.split(', ').map((s) => s.trim());
    // yargs lists an unknown --collapse-polls twice, as collapse-polls and collapsePolls.
    const list = raw.filter((a) => !(/[A-Z]/.test(a) && raw.includes(a.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()))));
    const asOption = (a: string) => argv.some((w) => w === `--${a}` || w.startsWith(`--${a}=`) || w === `--no-${a}` || (a.length === 1 && /^-[^-]/.test(w) && w.includes(a)));
    const opts = list.filter(asOption);
    const words = list.filter((a) => !asOption(a));
    const parts: string[] = [];
    if (opts.length) {
      const dashed = [...known.keys()].filter((k) => !/[a-z][A-Z]/.test(k));
      const hints = opts.map((a) => {
        const s = suggest(a, dashed.filter((k) => !o?.hiddenOptions.includes(known.get(k)!)));
        return s === undefined ? flag(a) : `${flag(a)} (did you mean ${flag(s)}?)`;
      });
      parts.push(`unknown option${opts.length > 1 ? 's' : ''} ${hints.join(', ')}`);
    }
    if (words.length) parts.push(`unexpected argument${words.length > 1 ? 's' : ''} ${words.map((w) => JSON.stringify(w)).join(', ')}`);
    return parts.join('; ');
  }
  m = /^Invalid values:\s*Argument: ([^,]+), Given: (.*?), Choices: (.*)$/s.exec(msg);
  if (m) return `${flag(m[1]!)} ${m[2]!}: expected one of ${m[3]!.replace(/"/g, '').trim()}`;
  m = /^Not enough arguments following: (.*)$/s.exec(msg);
  if (m) return `${flag(m[1]!)} needs a value`;
  m = /^Missing required arguments?: (.*)$/s.exec(msg);
  if (m) return `missing ${m[1]!.split(', ').map((a) => flag(a.trim())).join(', ')}`;
  return msg.replace(/\n\s*/g, '; ');
}

/**
 * The bash completion script of the whole family: `eval "$(mmio-parse completion)"`
 * completes every mmio-* tool, its options and their values; file names elsewhere.
 */
export function completionScript(): string {
  return `###-begin-mmio-tools-completions-###
# bash completion for the mmio-tools family (${FAMILY.join(', ')}):
# options, their values (--type <TAB>, -f <TAB>) and, elsewhere, file names.
# Install: eval "$(mmio-parse completion)" in ~/.bashrc (any tool of the family prints this script).
_mmio_tools_complete() {
    local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n'
    local words=("\${COMP_WORDS[@]:0:COMP_CWORD+1}")
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" --get-yargs-completions "\${words[@]}" 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _mmio_tools_complete ${FAMILY.join(' ')}
###-end-mmio-tools-completions-###
`;
}

type Done = (completions: string[]) => void;
type DefaultCompletion = (onCompleted?: (err: Error | null, completions: string[] | undefined) => void) => void;

/**
 * Completion of one word: the values of the option before it (its choices, or
 * the values given to completeValues; after the last comma of a list), nothing
 * after an option that takes a file or a number (the shell completes file
 * names), options after a `-`, and a tool's modes (mmio-extract) in first place.
 */
export function completer(argv: string[], parser: () => Argv) {
  return (current: string, _args: unknown, defaultCompletion: DefaultCompletion, done: Done): void => {
    // The options the tool declared (all of them by now): which take a value, and their short names.
    const o = optionsOf(parser());
    const known = names(o);
    const words = argv.slice(argv.indexOf('--get-yargs-completions') + 1);
    const prev = words.length >= 2 ? words[words.length - 2]! : '';
    defaultCompletion((_err, all) => {
      const list = all ?? [];
      if (/^-/.test(prev) && !prev.includes('=') && prev !== '--') {
        const name = prev.replace(/^--?/, '');
        const values = VALUES.get(known.get(name) ?? name);
        if (values) {
          const comma = current.lastIndexOf(',');
          const head = current.slice(0, comma + 1);
          done(values.map((v) => head + v).filter((v) => v.startsWith(current)));
          return;
        }
        if (known.has(name) && !o.boolean.includes(known.get(name)!)) {
          // yargs gives the choices of an option that has them; anything else is a file name or a number.
          done(list.filter((c) => !c.startsWith('-') && c !== 'completion' && !c.includes('\u0000')));
          return;
        }
      }
      // yargs offers a short option as `--q` after a `--`: only the real spellings.
      if (current.startsWith('-')) done(list.filter((c) => /^-[^-]$|^--[^-]{2,}/.test(c)));
      else done(list.filter((c) => !c.startsWith('-') && c !== 'completion' && !c.includes('\u0000')));
    });
  };
}

