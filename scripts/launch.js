// The start of every tool (copied by scripts/bundle.mjs into each package's dist/): the tool is one
// bundled file, and loading one file rather than fifty modules is most of the start-up. --version and
// --jq-path need none of it. Plain JavaScript, no imports of ours: it runs before anything is loaded.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

// While the tool loads (some 50 ms), signals have Node's own action: SIGUSR1 would open the inspector,
// a debugger port on 127.0.0.1:9229, and SIGQUIT, SIGUSR2, SIGALRM, SIGVTALRM and SIGXCPU would end
// the process otherwise than the tool's policy (core/cleanup.ts: 128 + the signal number). Until the
// tool's own handlers are there, these end the process as those do (there is nothing to remove yet);
// once they are, these step aside, and they are taken off when the tool has loaded. (SIGINT, SIGTERM
// and SIGHUP keep their default action, which is the same here.) Node starts its SIGUSR1 watch before
// any JavaScript runs: a signal in those first milliseconds is beyond the reach of any script.
const EARLY = ['SIGUSR1', 'SIGQUIT', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU'];
const early = EARLY.map((sig) => {
  const h = () => {
    if (process.listenerCount(sig) === 1) process.exit(128 + constants.signals[sig]);
  };
  process.on(sig, h);
  return [sig, h];
});

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
    for (const [sig, h] of early) process.off(sig, h);
  }
}
