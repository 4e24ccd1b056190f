import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/**
 * `kiln serve` and `kiln runner` log JSON lines; a warning the process emits (the AWS SDK's about
 * the Node versions it will support, emitted when the S3 store starts on Node 20) was Node's own
 * plain-text lines on stderr between them. A process of its own, as the commands are.
 */
const MODULE = fileURLToPath(new URL('../../src/cmd/process-warnings.ts', import.meta.url));

it("puts the process's warnings into the JSON log, one line each, and nothing on stderr", () => {
  const script = `
    import pino from 'pino';
    import { logProcessWarnings } from ${JSON.stringify(MODULE)};
    logProcessWarnings(pino({ base: { service: 'kiln' } }));
    process.emitWarning('NodeVersionSupportWarning: a library asks\\nfor a newer Node.');
    process.emitWarning('that API is old', { type: 'DeprecationWarning', code: 'DEP0999' });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual([
    expect.objectContaining({
      level: 40,
      service: 'kiln',
      warning: 'Warning',
      msg: 'NodeVersionSupportWarning: a library asks\nfor a newer Node.',
    }),
    expect.objectContaining({
      level: 40,
      warning: 'DeprecationWarning',
      code: 'DEP0999',
      msg: 'that API is old',
    }),
  ]);
});
