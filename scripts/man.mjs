#!/usr/bin/env node
// @ts-check
/**
 * A man page per tool, made from its --help at build time (npm run build): packages/<tool>/man/<tool>.1,
 * installed by npm through each package's "man" field (man mmio-replay). A tool with subcommands
 * (mmio-extract nvram|firmware|strings) gets each one's options too, from `tool SUB --help`.
 * Text is filled by troff (options as tagged paragraphs), so a page fits the reader's terminal;
 * the lines that cannot be filled (synopsis, example commands) are broken to fit 80 columns.
 * And mmio-tools(7), the overview of the family, from packages/mmio-tools/overview.txt.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const UMBRELLA = join(ROOT, 'packages', 'mmio-tools');

/** Every tool of the family: each package with a bin (the umbrella aside) whose bundle is built. */
const TOOLS = readdirSync(join(ROOT, 'packages'))
  .filter((pkg) => pkg !== 'mmio-tools' && existsSync(join(ROOT, 'packages', pkg, 'package.json')))
  .flatMap((pkg) => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'));
    return Object.keys(meta.bin ?? {}).map((tool) => ({ pkg, tool, meta }));
  })
  .filter(({ pkg, tool }) => {
    if (existsSync(join(ROOT, 'packages', pkg, 'dist', 'bundle.js'))) return true;
    process.stderr.write(`man: ${tool} is not built (no dist/bundle.js): no man page\n`);
    return false;
  })
  .sort((a, b) => ORDER(a.tool) - ORDER(b.tool));
/** The family in the order of the README: the pipeline first, then the rest as they came. */
function ORDER(tool) {
  const known = ['parse', 'filter', 'replay', 'extract', 'format', 'annotate', 'diff', 'regs', 'report', 'model'];
  const i = known.indexOf(tool.replace(/^mmio-/, ''));
  return i === -1 ? known.length : i;
}

/** The width a line of a no-fill block may have: 80 columns less man's indent of the body (7). */
const NOFILL = 72;

/**
 * Text as troff takes it: backslashes escaped, a leading dot or quote escaped, hyphens as \- (an
 * ASCII '-' that copies as typed and where a line never breaks: not --no-\nprogress).
 */
const roff = (t) => t.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
const flag = roff;
/** Filled text: roff, and a line may break after a comma inside a long word (a list a,b,c,…). */
const fill = (t) => roff(t).replace(/,(?=\S)/g, ',\\:');

/**
 * A shell command broken to lines of at most `width`: at a pipe first (a line may end in `|`),
 * else before an option with ` \` at the end of the line; continuation lines are indented.
 */
function breakCommand(cmd, width = NOFILL - 4) {
  const out = [];
  let rest = cmd;
  let indent = '';
  while ((indent + rest).length > width) {
    const room = width - indent.length;
    const pipe = rest.lastIndexOf(' | ', room - 2);
    let line;
    if (pipe > 0) {
      line = rest.slice(0, pipe + 2);
      rest = rest.slice(pipe + 3);
    } else {
      const sp = rest.lastIndexOf(' ', room - 2);
      if (sp <= 0) break; // one word longer than the line: left whole
      line = rest.slice(0, sp) + ' \\';
      rest = rest.slice(sp + 1);
    }
    out.push(indent + line);
    indent = '  ';
  }
  out.push(indent + rest);
  return out;
}

/** A plain line (a synopsis) broken at spaces to `width`, continuation lines indented. */
function breakText(text, width = NOFILL) {
  const out = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && (line + ' ' + word).length > width) {
      out.push(line);
      line = '    ' + word;
    } else line = line ? line + ' ' + word : word;
  }
  out.push(line);
  return out;
}

/**
 * A tool's --help, as yargs prints it unwrapped (stdout not a terminal), in parts: the usage
 * line, the description paragraphs, and the sections ("Options:", "Commands:", "Examples:"…)
 * with their entries as [label, text].
 */
function parseHelp(help) {
  const [usage, ...blocks] = help.trimEnd().split('\n\n');
  const paragraphs = [];
  const sections = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    if (/^\S.*:$/.test(lines[0]) && lines.slice(1).every((l) => l.startsWith('  '))) {
      const entries = lines.slice(1).map((l) => {
        const m = /^\s+(.+?)\s{2,}(.+)$/.exec(l);
        return m ? [m[1], m[2]] : [l.trim(), ''];
      });
      sections.push({ title: lines[0].slice(0, -1), entries });
    } else paragraphs.push(lines.join(' '));
  }
  return { usage: usage.trim(), paragraphs, sections };
}

const helpOf = (pkg, tool, args) =>
  execFileSync(process.execPath, [join(ROOT, 'packages', pkg, 'bin', `${tool}.js`), ...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });

/** The troff of a section's entries: options and commands as tagged paragraphs, examples as commands. */
function sectionRoff(title, entries) {
  const out = [];
  if (title === 'Examples') {
    for (const [cmd, what] of entries) {
      out.push('.PP', roff(what ? `${what}:` : ''), '.RS 4', '.nf', ...breakCommand(cmd).map(roff), '.fi', '.RE');
    }
    return out;
  }
  for (const [label, text] of entries) out.push('.TP', `.B ${flag(label)}`, fill(text));
  return out;
}

function page(pkg, tool, meta) {
  const help = parseHelp(helpOf(pkg, tool, []));
  const out = [
    `.TH ${tool.toUpperCase()} 1 "" "mmio-tools ${meta.version}" "mmio-tools"`,
    '.nh',
    '.ad l',
    '.SH NAME',
    `${tool} \\- ${roff(meta.description)}`,
    '.SH SYNOPSIS',
    '.nf',
    ...breakText(help.usage).map(roff),
    '.fi',
    '.SH DESCRIPTION',
    ...help.paragraphs.flatMap((p) => ['.PP', fill(p)]),
  ];
  const shared = new Set(help.sections.filter((s) => s.title !== 'Commands' && s.title !== 'Examples').flatMap((s) => s.entries.map(([l]) => l)));
  for (const s of help.sections.filter((s) => s.title !== 'Examples')) {
    out.push(`.SH ${roff(s.title.toUpperCase())}`, ...sectionRoff(s.title, s.entries));
  }
  // Each subcommand's own options (completion aside: it has none).
  const subs = (help.sections.find((s) => s.title === 'Commands')?.entries ?? [])
    .map(([label]) => label.split(' ')[1])
    .filter((sub) => sub && sub !== 'completion');
  for (const sub of subs) {
    const h = parseHelp(helpOf(pkg, tool, [sub]));
    out.push(`.SH ${roff(`COMMAND ${sub.toUpperCase()}`)}`, '.nf', ...breakText(h.usage).map(roff), '.fi', ...h.paragraphs.flatMap((p) => ['.PP', fill(p)]));
    for (const s of h.sections.filter((s) => s.title !== 'Examples')) {
      const own = s.entries.filter(([l]) => !shared.has(l));
      if (own.length) out.push(`.SS ${roff(s.title)}`, ...sectionRoff(s.title, own));
    }
  }
  const examples = help.sections.find((s) => s.title === 'Examples');
  if (examples) out.push('.SH EXAMPLES', ...sectionRoff('Examples', examples.entries));
  out.push(
    '.SH EXIT STATUS',
    tool === 'mmio-diff' ? '0 same, 1 different, 2 trouble.' : '0 success (also when the reader closed early), 1 bad input or failure, 2 usage error.',
    '.SH SEE ALSO',
    roff(['mmio-tools(7)', ...TOOLS.filter((t) => t.tool !== tool).map((t) => `${t.tool}(1)`)].join(', ')),
    '',
  );
  return out.join('\n');
}

for (const { pkg, tool, meta } of TOOLS) {
  const text = page(pkg, tool, meta);
  // In the tool's package, and in the umbrella package mmio-tools.
  for (const d of [join(ROOT, 'packages', pkg), UMBRELLA]) {
    mkdirSync(join(d, 'man'), { recursive: true });
    writeFileSync(join(d, 'man', `${tool}.1`), text);
  }
}

// mmio-tools(7): the overview that `mmio-tools --help` prints, lines of at most NOFILL columns.
const overview = readFileSync(join(UMBRELLA, 'overview.txt'), 'utf8');
const umbrella = JSON.parse(readFileSync(join(UMBRELLA, 'package.json'), 'utf8'));
const [title, ...body] = overview.trimEnd().split('\n\n');
writeFileSync(
  join(UMBRELLA, 'man', 'mmio-tools.7'),
  [
    `.TH MMIO-TOOLS 7 "" "mmio-tools ${umbrella.version}" "mmio-tools"`,
    '.nh',
    '.ad l',
    '.SH NAME',
    `mmio-tools \\- ${roff(title.replace(/^mmio-tools:\s*/, '').replace(/\n/g, ' '))}`,
    '.SH DESCRIPTION',
    '.nf',
    roff(body.join('\n\n')),
    '.fi',
    '.SH SEE ALSO',
    roff(TOOLS.map((t) => `${t.tool}(1)`).join(', ') + ', jq(1)'),
    '',
  ].join('\n'),
);
