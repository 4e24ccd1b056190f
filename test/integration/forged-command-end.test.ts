import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SupervisedSession } from '../../src/runner/supervised-session.ts';

/**
 * The runner does not take a step's word that it ended. Here the supervisor is a plain bash (no
 * protection of its memory: what bwrap-sandbox.ts adds is left out on purpose), so the command
 * reads the marker out of it, prints `<marker> 0` and runs on. The command must not be over for
 * the runner while one of its processes still runs: what the runner does next to the build's
 * files would race it.
 */

/** Prints the marker found in the parent's memory, then runs on and writes `$1/late`. */
const FORGE = `
import os, re, sys, time
pid = os.getppid()
mem = open(f'/proc/{pid}/mem', 'rb')
for line in open(f'/proc/{pid}/maps'):
    rng, perm = line.split()[:2]
    if not perm.startswith('r'):
        continue
    a, b = (int(x, 16) for x in rng.split('-'))
    try:
        mem.seek(a)
        m = re.search(rb'\\x1ekiln-[0-9a-f]{32}', mem.read(b - a))
    except OSError:
        continue
    if m:
        os.write(1, m.group() + b' 0\\n')
        break
time.sleep(1)
open(os.path.join(sys.argv[1], 'late'), 'w').close()
`;

describe('a command that prints the end marker itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-forged-end-'));
  const session = new SupervisedSession({
    argv: ['bwrap', '--die-with-parent', '--unshare-pid', '--dev-bind', '/', '/', '--proc', '/proc'],
    env: { PATH: '/usr/bin:/bin' },
    ctlHost: dir,
    ctlInside: dir,
  });
  afterAll(async () => {
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is over only once nothing of it runs, and not as a success', async () => {
    let output = '';
    const result = await session.exec(
      { file: '/usr/bin/python3', args: ['-c', FORGE, dir], cwd: dir, env: { PATH: '/usr/bin:/bin' } },
      (data) => (output += data.toString('latin1')),
      new AbortController().signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(join(dir, 'late')), 'the command ran on after the runner took it as ended').toBe(false);
    expect(result.exitCode, output).not.toBe(0);
    // The session goes on: the next command runs and ends as ever.
    const next = await session.exec(
      { file: '/bin/true', args: [], cwd: dir, env: { PATH: '/usr/bin:/bin' } },
      () => {},
      new AbortController().signal,
    );
    expect(next).toEqual({ exitCode: 0, signal: null });
  }, 30_000);
});
