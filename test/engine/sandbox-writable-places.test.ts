import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * docs/security.md: a build's workspace, HOME and /tmp are its only writable places on disk, held
 * to KILN_BUILD_MAX_DISK_BYTES together, and its /dev/shm a bounded tmpfs of its own. The sandbox's
 * root and /dev are tmpfs as large as half the host's memory: read-only, whoever owns them. With
 * the root runner here (the test process's user); a runner that is not root is tried by
 * test/e2e/unprivileged-writable-places.test.ts.
 */

const MIB = 1024 * 1024;

describe("a build's sandbox", () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({
      runner: {
        slots: 1,
        env: { KILN_BUILD_MAX_DISK_BYTES: String(16 * MIB), KILN_BUILD_SHM_BYTES: String(32 * MIB) },
      },
    });
  });
  afterAll(() => ek?.close());

  it('lets a build write only in its workspace, HOME, /tmp and a bounded /dev/shm', async () => {
    const command = [
      'set +e',
      'for d in / /var /kiln /home /dev /usr /etc; do',
      '  echo x > "$d/fill" 2>/dev/null && echo "WROTE $d"',
      'done',
      'for d in "$PWD" "$HOME" /tmp /var/tmp /dev/shm; do',
      '  echo x > "$d/fill" && echo "OWN $d"',
      'done',
      'head -c 1048576 /dev/zero > /dev/shm/small && echo "SHM small"',
      // KILN_BUILD_SHM_BYTES (32 MiB) at most: a third file of 12 MiB (each under the largest file a
      // build may write) does not fit.
      'for i in 1 2 3; do head -c 12582912 /dev/zero > /dev/shm/big$i 2>/dev/null || echo "SHM full at $i"; done',
      'echo x > /dev/null && echo "NULL ok"',
    ].join('\n');
    const job = await ek.newJob({ scms: [], steps: [shell('write', command)] });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log.match(/^(WROTE|OWN|SHM|NULL) .*$/gm)).toEqual([
      'OWN /workspace',
      'OWN /home/kiln',
      'OWN /tmp',
      'OWN /var/tmp',
      'OWN /dev/shm',
      'SHM small',
      'SHM full at 3',
      'NULL ok',
    ]);
  });
});
