// The start of every tool (copied by scripts/bundle.mjs into each package's dist/): the tool is one
// bundled file, and loading one file rather than fifty modules is most of the start-up. --version and
// --jq-path need none of it. Plain JavaScript, no imports of ours: it runs before anything is loaded.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Run the tool whose bin is at `binUrl`: its bundle is `../dist/<bundle>` beside the bin. */
export async function launch(binUrl, bundle = 'bundle.js') {
  const only = process.argv.length === 3 ? process.argv[2] : undefined;
  if (only === '--version') {
    process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', binUrl), 'utf8')).version + '\n');
  } else if (only === '--jq-path') {
    // The folder of the jq module: jq -L "$(mmio-parse --jq-path)" 'include "mmio"; ...'
    process.stdout.write(fileURLToPath(new URL('../jq', binUrl)) + '\n');
  } else {
    await import(new URL(`../dist/${bundle}`, binUrl).href);
  }
}
