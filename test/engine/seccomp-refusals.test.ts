import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * What the sandbox's seccomp filter refuses a build, tried for real on a root runner (the tests run
 * as root; src/runner/seccomp-filter.ts; test/unit/seccomp-filter.test.ts checks every
 * architecture): the kernel's keyrings and new user namespaces. One server, one slot.
 *
 * Keyrings. Nothing a build leaves outlives it (docs/security.md: fresh directories, its own
 * namespaces). The kernel's keyrings are not namespaced by bubblewrap's PID, mount, IPC or UTS namespaces:
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

let ek: EngineKiln;
let repo: TestRepo;
beforeAll(async () => {
  // One slot: every build runs as its user.
  ek = await startEngineKiln({ runner: { slots: 1 } });
  repo = new TestRepo();
  repo.commit('first');
});
afterAll(() => ek?.close());

describe("a build's keyring", () => {
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

/**
 * A build may not make user namespaces of its own (docs/security.md, "An unprivileged user"): in
 * one it is root over its own namespaces and reaches the kernel's code for them, where most local
 * privilege escalations start. A runner that is not root forbids them through bwrap
 * (test/e2e/unprivileged-runner.test.ts); this is the root runner (the tests run as root), where
 * the sandbox's seccomp filter refuses clone and unshare with CLONE_NEWUSER, and clone3, whose
 * flags it cannot read, so that the C library falls back to clone. What builds do all day
 * (processes, threads, pipes) works as before.
 */
describe("a build's user namespaces", () => {
  it('cannot be made, while processes and threads start as ever', async () => {
    const script = [
      'unshare --user true 2>/dev/null && echo "USERNS=made" || echo "USERNS=refused"',
      'unshare --user --map-root-user --net true 2>/dev/null && echo "ROOTNS=made" || echo "ROOTNS=refused"',
      // A thread and a child process from Python (glibc tries clone3 for both, then clone).
      `python3 -c 'import threading, subprocess; t = threading.Thread(target=print, args=("THREAD=ran",)); t.start(); t.join(); print(subprocess.run(["echo", "CHILD=ran"], capture_output=True, text=True).stdout.strip())'`,
      'echo "HEAD=$(git rev-parse HEAD)"',
    ].join('\n');
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [shell('try', script)],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log).toContain('USERNS=refused');
    expect(log).toContain('ROOTNS=refused');
    expect(log).toContain('THREAD=ran');
    expect(log).toContain('CHILD=ran');
    expect(log).toContain(`HEAD=${repo.git('rev-parse', 'HEAD')}`);
  }, 60_000);
});
