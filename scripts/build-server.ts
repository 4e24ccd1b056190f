/**
 * Builds the server and CLI into dist/cmd/: src/cmd/main.ts bundled with esbuild, `kiln serve` and
 * `kiln runner` in chunks of their own that load only when those commands run.
 *
 * Why a bundle: every `kiln` command is a new process, and Node loads ES modules one file at a
 * time. Unbundled, `kiln --help` loaded about 750 files (679 of them TypeBox's) and `kiln serve`
 * about 1,200 (Kysely's 263 more, our 259): most of a CLI command's time. The packages of many
 * small modules go into the bundle (yaml's CommonJS build alone was 72 files loaded by every
 * command); the rest (native addons, packages that find files beside their own) stay in
 * node_modules. Type checking is `npm run typecheck`'s job, not this one's.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Dependencies bundled in: pure JavaScript packages of many files, or loaded by every command. */
const INLINE = new Set(['typebox', 'kysely', 'diff', 'yaml', 'commander', 'cli-table3']);

const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
};
rmSync(`${ROOT}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  // The thread that reads build files (src/runner/build-file-reader.ts) starts from a file of its
  // own, beside main.js.
  entryPoints: { main: 'src/cmd/main.ts', 'build-file-worker': 'src/runner/build-file-worker.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks beside main.js: code that finds files relative to its own module (the dashboard's
  // ../../web/dist) sees the same directory depth as in src/cmd/.
  outdir: 'dist/cmd',
  chunkNames: '[name]-[hash]',
  external: Object.keys(pkg.dependencies).filter((name) => !INLINE.has(name)),
  // The CommonJS packages bundled in call `require` for Node's own modules: give them one.
  banner: {
    js: "import { createRequire as __kilnRequire } from 'node:module'; const require = __kilnRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
