// `npm test` after the build: the rounds of vitest.config.ts, each a vitest run of its own, so that
// the two rounds that run one file at a time (the suites that run alone, and the dashboard's
// browser tests) run side by side: each uses about one core, and these machines have two. Run
// one after the other (as `vitest run` does), they took a third of the whole run.
//
// With arguments (`npm test -- test/cli`), it is one `vitest run` with them, rounds in order.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const running = new Set();
/** What the quiet round printed so far. */
let held = [];

/** Runs vitest with `args`; resolves with its exit code and, when `quiet`, what it printed. */
function vitest(args, quiet = false) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', ...args], {
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    running.add(child);
    const output = [];
    if (quiet) held = output;
    child.stdout?.on('data', (d) => output.push(d));
    child.stderr?.on('data', (d) => output.push(d));
    child.on('error', (error) => {
      output.push(Buffer.from(`vitest ${args.join(' ')}: ${error.message}\n`));
      if (!quiet) process.stderr.write(Buffer.concat(output));
      running.delete(child);
      resolve({ code: 1, output: Buffer.concat(output) });
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) });
    });
  });
}

// Stopped (CI's timeout, Ctrl-C): the rounds running stop too, and what the quiet one printed is shown.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    process.stdout.write(Buffer.concat(held));
    process.exit(1);
  });
}

const args = process.argv.slice(2);
if (args.length > 0) process.exit((await vitest(args)).code);

const codes = [];
codes.push((await vitest(['--project', 'unit'])).code);
// The browser round prints when it is done, after the other: their lines would interleave.
const [alone, browser] = await Promise.all([
  vitest(['--project', 'alone']),
  vitest(['--project', 'browser'], true),
]);
process.stdout.write(`\n--- the browser round, which ran beside the one above ---\n`);
process.stdout.write(browser.output);
codes.push(alone.code, browser.code);
codes.push((await vitest(['--project', 'last'])).code);
const failed = codes.some((c) => c !== 0);
if (failed) process.stdout.write('\nA round failed: see its report above.\n');
process.exit(failed ? 1 : 0);
