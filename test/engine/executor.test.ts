import { expect, it } from 'vitest';
import { ProcessExecutor, type ExecSpec } from '../../src/runner/executor.ts';

// The three ways stderr reaches a build's output, with real processes.

const executor = new ProcessExecutor();
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function run(spec: Omit<ExecSpec, 'cwd' | 'env'>): Promise<{ out: string; exitCode: number | null }> {
  const chunks: Buffer[] = [];
  const result = await executor.exec(
    { ...spec, cwd: '/', env },
    (d) => chunks.push(d),
    new AbortController().signal,
  );
  return { out: Buffer.concat(chunks).toString('utf8'), exitCode: result.exitCode };
}

// Alternates between the two streams, each write flushed at once.
const INTERLEAVED = 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; exit 3';

it('shell (the default): stderr joined by a shell in front, in the order written', async () => {
  const { out, exitCode } = await run({ file: 'bash', args: ['-c', INTERLEAVED] });
  expect(out).toBe([1, 2, 3, 4, 5].map((i) => `out ${i}\nerr ${i}\n`).join(''));
  expect(exitCode).toBe(3);
});

it('program: the program joins stderr itself, no shell in front', async () => {
  const { out, exitCode } = await run({
    file: 'bash',
    args: ['-c', `exec 2>&1; ${INTERLEAVED}`],
    stderr: 'program',
  });
  expect(out).toBe([1, 2, 3, 4, 5].map((i) => `out ${i}\nerr ${i}\n`).join(''));
  expect(exitCode).toBe(3);
  // Without joining it, its stderr is not part of the output.
  expect((await run({ file: 'bash', args: ['-c', INTERLEAVED], stderr: 'program' })).out).not.toContain(
    'err',
  );
});

it('apart: both streams arrive, each in its own order, and the exit waits for both', async () => {
  const { out, exitCode } = await run({ file: 'bash', args: ['-c', INTERLEAVED], stderr: 'apart' });
  const lines = out.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('out'))).toEqual([1, 2, 3, 4, 5].map((i) => `out ${i}`));
  expect(lines.filter((l) => l.startsWith('err'))).toEqual([1, 2, 3, 4, 5].map((i) => `err ${i}`));
  expect(exitCode).toBe(3);
  const failed = await run({ file: 'git', args: ['checkout', '--quiet', 'no-such-branch'], stderr: 'apart' });
  expect(failed.exitCode).not.toBe(0);
  expect(failed.out).toMatch(/not a git repository/);
});

it('a program that cannot start fails with an error that does not carry its arguments (they may hold secrets)', async () => {
  const secret = 'https://bot:s3cret-arg@host/r.git';
  const error = await executor
    .exec(
      { file: '/no/such/program', args: ['clone', secret], cwd: '/', env, stderr: 'program' },
      () => {},
      new AbortController().signal,
    )
    .then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
  expect(error?.code).toBe('ENOENT');
  expect(error?.message).toContain('/no/such/program');
  // What a logger would print of it (pino copies every enumerable property).
  expect(JSON.stringify({ ...error, message: error?.message, stack: error?.stack })).not.toContain(
    's3cret-arg',
  );
});
