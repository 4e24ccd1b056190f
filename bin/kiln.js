#!/usr/bin/env -S node --max-old-space-size=256 --initial-old-space-size=128 --max-semi-space-size=4
// The heap flags keep a busy server's memory in bounds (docs/performance.md): V8 would otherwise
// grow its heap freely on a large machine. `npm start` and `npx kiln` run this file directly.
// The `kiln` command. `npm ci` (prepare) and `npm run build` bundle the TypeScript sources into dist/cmd/.
try {
  await import('../dist/cmd/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cmd/main.js')) {
    process.stderr.write('kiln: not built yet; run `npm run build` in the Kiln directory\n');
    process.exit(1);
  }
  throw error;
}
