import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Nothing a build leaves outlives it (docs/security.md: fresh directories, its own namespaces).
 * The kernel's keyrings are not namespaced by bubblewrap's PID, mount, IPC or UTS namespaces:
 * with a root runner a build runs as its slot's uid in the host's user namespace, and that uid's
 * user keyring (`@u`, also its user-session keyring, which is what `@s` falls back to) lives in
 * the kernel for as long as the machine does. A build stores a key there; a later build of
 * another job on the same slot reads it (and a build could fill the uid's key quota for every
 * later build). Each key planted here expires after two minutes, fixed or not.
 */

/** Python for the add_key(2) and keyctl(2) system calls (x86-64 numbers; Python is in /usr). */
const PLANT = (description: string, payload: string) => `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
kid = libc.syscall(248, b'user', b'${description}', b'${payload}', ${payload.length}, -4)
if kid > 0:
    libc.syscall(250, 15, kid, 120)  # KEYCTL_SET_TIMEOUT
print('planted' if kid > 0 else f'not planted (errno {ctypes.get_errno()})')
`;
const READ = (description: string) => `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
kid = libc.syscall(250, 10, -4, b'user', b'${description}', 0)  # KEYCTL_SEARCH in @u
buf = ctypes.create_string_buffer(256)
n = libc.syscall(250, 11, kid, buf, 256) if kid > 0 else -1  # KEYCTL_READ
print('FOUND ' + buf.raw[:n].decode() if n > 0 else 'nothing found')
`;

describe("a build's keyring", () => {
  let ek: EngineKiln;
  let repo: TestRepo;
  beforeAll(async () => {
    // One slot: both builds run as its user.
    ek = await startEngineKiln({ runner: { slots: 1 } });
    repo = new TestRepo();
    repo.commit('first');
  });
  afterAll(() => ek?.close());

  const python = (code: string) => `python3 - <<'PY'\n${code}\nPY`;

  it('is not there for a later build of another job', async () => {
    const description = `kiln-${randomBytes(6).toString('hex')}`;
    const payload = `left-by-${randomBytes(6).toString('hex')}`;
    const scms = [{ url: repo.url, scm_type: 'git', branch: 'main' }];
    const planter = await ek.newJob({ scms, steps: [shell('plant', python(PLANT(description, payload)))] });
    await ek.run(planter);
    expect((await ek.waitFinished(planter, 1, 30_000)).state, await ek.log(planter, 1)).toBe('SUCCESS');

    const later = await ek.newJob({ scms, steps: [shell('look', python(READ(description)))] });
    await ek.run(later);
    const r = await ek.waitFinished(later, 1, 30_000);
    const log = await ek.log(later, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log).toContain('nothing found');
    expect(log).not.toContain(payload);
  }, 90_000);
});
