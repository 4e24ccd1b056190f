import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

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
  let ek: EngineKiln;
  let repo: TestRepo;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 } });
    repo = new TestRepo();
    repo.commit('first');
  });
  afterAll(() => ek?.close());

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
