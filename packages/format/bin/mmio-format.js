#!/usr/bin/env node
// The tool is one bundled file, dist/bundle.js (npm run build makes it from dist/cli.js): loading
// one file rather than fifty modules is most of the start-up. --version needs none of it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const only = process.argv.length === 3 ? process.argv[2] : undefined;
if (only === '--version') {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else if (only === '--jq-path') {
  // The folder of the jq module: jq -L "$(mmio-parse --jq-path)" 'include "mmio"; ...'
  process.stdout.write(fileURLToPath(new URL('../jq', import.meta.url)) + '\n');
} else {
  await import('../dist/bundle.js');
}
