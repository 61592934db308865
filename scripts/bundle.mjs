#!/usr/bin/env node
// @ts-check
/**
 * Bundles each tool into one file, dist/bundle.js in its package (and the parser's worker thread
 * into dist/worker.js where the tool can start one): a tool then loads one file, not fifty
 * modules, which is most of its start-up time. Run after `tsc -b` (npm run build does both).
 */
import { build } from 'esbuild';
import { cpSync, readFileSync } from 'node:fs';
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
];
const readsTraces = (pkg) => {
  const deps = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')).dependencies ?? {};
  return pkg === 'parse' || '@mmio-tools/parse' in deps;
};

await Promise.all(
  TOOLS.map(async ([pkg, tool, opts]) => {
    const dir = join(ROOT, 'packages', pkg);
    const common = {
      bundle: true,
      platform: /** @type {const} */ ('node'),
      format: /** @type {const} */ ('esm'),
      target: 'node20',
      minify: true,
      keepNames: false,
      logLevel: /** @type {const} */ ('warning'),
      // yargs and its helpers load CommonJS-only modules through require: give the bundle one.
      banner: { js: "import { createRequire as __mmioRequire } from 'node:module'; const require = __mmioRequire(import.meta.url);" },
    };
    await build({
      ...common,
      stdin: {
        contents: `import { runCli } from '@mmio-tools/core';\nimport { main } from './dist/cli.js';\nrunCli(${JSON.stringify(tool)}, main, ${JSON.stringify(opts)});\n`,
        resolveDir: dir,
        sourcefile: `${tool}-entry.js`,
      },
      outfile: join(dir, 'dist', 'bundle.js'),
    });
    // The jq module, beside each tool (its bin's --jq-path names the folder).
    cpSync(join(ROOT, 'packages', 'core', 'jq'), join(dir, 'jq'), { recursive: true });
    if (readsTraces(pkg) && pkg !== 'parse') {
      await build({ ...common, entryPoints: [join(ROOT, 'packages', 'parse', 'dist', 'worker.js')], outfile: join(dir, 'dist', 'worker.js') });
    }
  }),
);
