#!/usr/bin/env node
// @ts-check
/**
 * Bundles each tool into one file, dist/bundle.js in its package (and the parser's worker thread
 * into dist/worker.js where the tool can start one): a tool then loads one file, not fifty
 * modules, which is most of its start-up time. Run after `tsc -b` (npm run build does both).
 */
import { build } from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = [
  ['parse', 'mmio-parse', {}],
  ['filter', 'mmio-filter', {}],
  ['replay', 'mmio-replay', { writesFiles: true }],
  ['extract', 'mmio-extract', { writesFiles: true }],
  ['format', 'mmio-format', {}],
  ['annotate', 'mmio-annotate', {}],
  ['diff', 'mmio-diff', { failureCode: 2 }],
  ['regs', 'mmio-regs', {}],
  ['report', 'mmio-report', { writesFiles: true }],
  ['model', 'mmio-model', { writesFiles: true }],
];
const readsTraces = (pkg) => {
  const meta = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'));
  // The family's packages are build-time dependencies: the tool is bundled.
  return pkg === 'parse' || '@mmio-tools/parse' in { ...meta.dependencies, ...meta.devDependencies };
};

/** What every bundle is built with. */
const common = {
  bundle: true,
  platform: /** @type {const} */ ('node'),
  format: /** @type {const} */ ('esm'),
  target: 'node20',
  minify: true,
  logLevel: /** @type {const} */ ('warning'),
  // yargs and its helpers load CommonJS-only modules through require: give the bundle one.
  banner: { js: "import { createRequire as __mmioRequire } from 'node:module'; const require = __mmioRequire(import.meta.url);" },
};

/** uPlot (npm: uplot) as the report embeds it. */
function copyChartLib(to) {
  mkdirSync(to, { recursive: true });
  const from = join(ROOT, 'node_modules', 'uplot', 'dist');
  for (const f of ['uPlot.iife.min.js', 'uPlot.min.css']) cpSync(join(from, f), join(to, f));
  cpSync(join(ROOT, 'node_modules', 'uplot', 'LICENSE'), join(to, 'uPlot.LICENSE'));
}

await Promise.all(
  TOOLS.map(async ([pkg, tool, opts]) => {
    const dir = join(ROOT, 'packages', pkg);
    await build({
      ...common,
      stdin: {
        contents: `import { runCli } from '@mmio-tools/core';\nimport { main } from './dist/cli.js';\nrunCli(${JSON.stringify(tool)}, main, ${JSON.stringify(opts)});\n`,
        resolveDir: dir,
        sourcefile: `${tool}-entry.js`,
      },
      outfile: join(dir, 'dist', 'bundle.js'),
    });
    // The jq module, beside each tool (its bin's --jq-path names the folder), and the bin's launcher.
    cpSync(join(ROOT, 'packages', 'core', 'jq'), join(dir, 'jq'), { recursive: true });
    cpSync(join(ROOT, 'scripts', 'launch.js'), join(dir, 'dist', 'launch.js'));
    // The report's chart library, put in its page at run time: beside the bundle.
    if (pkg === 'report') copyChartLib(join(dir, 'dist', 'assets'));
    if (readsTraces(pkg) && pkg !== 'parse') {
      await build({ ...common, entryPoints: [join(ROOT, 'packages', 'parse', 'dist', 'worker.js')], outfile: join(dir, 'dist', 'worker.js') });
    }
  }),
);

/*
 * The umbrella package, mmio-tools: every tool bundled in one file of its own (dist/mmio-X.js),
 * the parser's worker, a library bundle (dist/lib.js) with its types (types/), the jq module, the
 * man pages and a bin per tool. It depends on nothing: `npm install -g mmio-tools-*.tgz` alone
 * gives every tool.
 */
const UMBRELLA = join(ROOT, 'packages', 'mmio-tools');
mkdirSync(join(UMBRELLA, 'bin'), { recursive: true });
await Promise.all(
  TOOLS.map(async ([pkg, tool, opts]) => {
    await build({
      ...common,
      stdin: { contents: `import { runCli } from '@mmio-tools/core';\nimport { main } from './dist/cli.js';\nrunCli(${JSON.stringify(tool)}, main, ${JSON.stringify(opts)});\n`, resolveDir: join(ROOT, 'packages', pkg), sourcefile: `${tool}-entry.js` },
      outfile: join(UMBRELLA, 'dist', `${tool}.js`),
    });
    const bin = join(UMBRELLA, 'bin', `${tool}.js`);
    writeFileSync(bin, `#!/usr/bin/env node\nimport { launch } from '../dist/launch.js';\n\nawait launch(import.meta.url, ${JSON.stringify(`${tool}.js`)});\n`);
    chmodSync(bin, 0o755);
  }),
);
await build({ ...common, entryPoints: [join(ROOT, 'packages', 'parse', 'dist', 'worker.js')], outfile: join(UMBRELLA, 'dist', 'worker.js') });
// mmio-tools itself: the overview of the family (mmio-tools --help; man 7 mmio-tools is made from
// the same text by scripts/man.mjs), under the family's one process policy (runCli).
{
  const overview = readFileSync(join(UMBRELLA, 'overview.txt'), 'utf8');
  await build({
    ...common,
    stdin: {
      contents: `import { runCli, UsageError } from '@mmio-tools/core';
runCli('mmio-tools', async (argv) => {
  const help = argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'));
  if (!help) throw new UsageError('unknown argument ' + argv[0] + ': this command prints the overview of the family; each tool has its own options (mmio-parse --help, …)');
  process.stdout.write(${JSON.stringify(overview)});
});
`,
      resolveDir: join(ROOT, 'packages', 'parse'),
      sourcefile: 'mmio-tools-entry.js',
    },
    outfile: join(UMBRELLA, 'dist', 'mmio-tools.js'),
  });
  const bin = join(UMBRELLA, 'bin', 'mmio-tools.js');
  writeFileSync(bin, `#!/usr/bin/env node\nimport { launch } from '../dist/launch.js';\n\nawait launch(import.meta.url, 'mmio-tools.js');\n`);
  chmodSync(bin, 0o755);
}
// The library: what a program needs to parse a trace, select events and replay them (README, "As a library").
const LIB = `export * from '@mmio-tools/core';
export { parseTrace, readInputs, inputOptionsOf, parseQemuLine, accessEvent, MmiotraceParser, decodeSimpleTrace, isSimpleTrace } from '@mmio-tools/parse';
export { EventFilter, parseFilterOptions } from '@mmio-tools/filter';
export { Replayer, SparseImage, writeImage, planImage, describeKey } from '@mmio-tools/replay';
export { findNvramRuns, bestNvramRun, nvramText, findFirmware } from '@mmio-tools/extract';
`;
await build({ ...common, minify: false, stdin: { contents: LIB, resolveDir: UMBRELLA, sourcefile: 'lib.js' }, outfile: join(UMBRELLA, 'dist', 'lib.js') });
// Its types: each package's declarations, with the imports between them made relative.
for (const pkg of ['core', 'parse', 'filter', 'replay', 'extract']) {
  const from = join(ROOT, 'packages', pkg, 'dist');
  const to = join(UMBRELLA, 'types', pkg);
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from).filter((n) => n.endsWith('.d.ts'))) {
    const text = readFileSync(join(from, f), 'utf8')
      .replace(/from '@mmio-tools\/(\w+)'/g, "from '../$1/index.js'")
      // The package ships no yargs: the option helpers' parser type is the stand-in below.
      .replace(/from 'yargs'/g, "from '../yargs.js'");
    writeFileSync(join(to, f), text);
  }
}
writeFileSync(join(UMBRELLA, 'types', 'index.d.ts'), LIB.replace(/'@mmio-tools\/(\w+)'/g, "'./$1/index.js'"));
// The tools' option helpers (cliParser, selectorOptions, inputOptions) take and give a yargs parser;
// a program of the library needs neither them nor yargs, and its types must check without yargs'
// types (no skipLibCheck): an opaque stand-in that a real yargs parser also satisfies.
writeFileSync(
  join(UMBRELLA, 'types', 'yargs.d.ts'),
  `/** A yargs parser (the package does not ship yargs: install it and its types to use these helpers). */
export interface Argv<T = {}> {
  readonly argv: T | Promise<T>;
}
`,
);
cpSync(join(ROOT, 'packages', 'core', 'jq'), join(UMBRELLA, 'jq'), { recursive: true });
cpSync(join(ROOT, 'scripts', 'launch.js'), join(UMBRELLA, 'dist', 'launch.js'));
copyChartLib(join(UMBRELLA, 'dist', 'assets'));
