/**
 * `npm start`'s build: builds the server (dist/) and the dashboard (web/dist/) only when a file they
 * are made from is newer than what was built, so a restart with nothing changed starts at once.
 * Plain JavaScript: it runs before anything is built, and loading TypeScript support would cost
 * more than the check.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// --root DIR: another checkout; --dry-run: say what would be built, build nothing.
const args = process.argv.slice(2);
const rootArg = args.indexOf('--root');
const ROOT = rootArg >= 0 ? args[rootArg + 1] : fileURLToPath(new URL('..', import.meta.url));
const DRY_RUN = args.includes('--dry-run');

/** The newest modification time of `paths` (files, or directories walked), skipping `skip`. */
function newest(paths, skip = new Set()) {
  let latest = 0;
  const visit = (path) => {
    if (skip.has(path)) return;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(join(ROOT, path));
  return latest;
}

/** When `file` was built, or 0 when it was not. */
const builtAt = (file) => statSync(join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;

const lock = ['package.json', 'package-lock.json'];
const parts = [
  {
    script: 'build:server',
    output: 'dist/cmd/main.js',
    inputs: ['src', 'scripts/build-server.ts', ...lock],
  },
  {
    script: 'build:web',
    output: 'web/dist/index.html',
    // The dashboard imports the contract and domain code of src/ too.
    inputs: ['web', 'src', ...lock],
    skip: new Set([join(ROOT, 'web', 'dist'), join(ROOT, 'web', 'node_modules')]),
  },
];

for (const part of parts) {
  if (newest(part.inputs, part.skip) < builtAt(part.output)) {
    console.log(`kiln: ${part.output} is up to date (npm run ${part.script} rebuilds it)`);
    continue;
  }
  if (DRY_RUN) console.log(`kiln: ${part.output} would be rebuilt (npm run ${part.script})`);
  else execFileSync('npm', ['run', '--silent', part.script], { cwd: ROOT, stdio: 'inherit' });
}
