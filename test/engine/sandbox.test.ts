import { createServer, type AddressInfo, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { processesWith, shell, startEngineKiln, uniqueSleep, type EngineKiln } from '../helpers/engine.ts';
import { sharedDir, TEST_SHARED } from '../helpers/runner.ts';

/**
 * What a build's sandbox is, seen from inside: its own processes only, the host's system read-only,
 * nothing of the runner's, an unprivileged user, a fresh HOME and /tmp, the network on or off, and
 * its limits of processes and disk, each ending the build FAILURE with a line that says so.
 */

let repo: TestRepo;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit('first');
});
const scm = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];

/** Lines `KEY=value` of a log. */
function values(log: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of log.split('\n')) {
    const m = /^([A-Z_0-9]+)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

describe('a sandbox, network on (the default)', () => {
  let ek: EngineKiln;
  let listener: Server;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 } });
    listener = createServer((s) => s.end('hello from the host\n'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    listener.close();
    await ek?.close();
  });

  it('shows a build its own processes, an unprivileged user, and the host read-only', async () => {
    const port = (listener.address() as AddressInfo).port;
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'look around',
          [
            'echo "UID=$(id -u)"',
            'echo "USER=$(id -un)"',
            'echo "PROCS=$(ls /proc | grep -c "^[0-9]")"',
            'echo "PID1=$(tr "\\0" " " < /proc/1/cmdline)"',
            'echo "ROOTFS=$(ls / | tr "\\n" " ")"',
            'touch /usr/kiln-test 2>/dev/null && echo "USR=writable" || echo "USR=read-only"',
            'touch /etc/kiln-test 2>/dev/null && echo "ETC=writable" || echo "ETC=read-only"',
            `test -r ${TEST_SHARED} && echo "SHARED=readable"`,
            `touch ${TEST_SHARED}/x 2>/dev/null && echo "SHARED_WRITE=yes" || echo "SHARED_WRITE=no"`,
            'echo "HOME_DIR=$HOME $(ls -A $HOME | wc -l)"',
            `echo "NET=$(head -1 < /dev/tcp/127.0.0.1/${port})"`,
            'echo "CAPS=$(grep CapEff /proc/self/status | cut -f2)"',
            'echo "NNP=$(grep NoNewPrivs /proc/self/status | cut -f2)"',
          ].join('\n'),
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    const v = values(log);
    // Root is never the build's user, and a user without an entry would break ssh and friends.
    expect(Number(v.UID)).toBeGreaterThan(0);
    expect(v.USER).toBe('kiln');
    // The sandbox's init, the supervisor, the step's shell and its few commands.
    expect(Number(v.PROCS)).toBeLessThan(10);
    expect(v.PID1).toMatch(/^\S*bwrap /);
    expect(v.ROOTFS?.trim().split(' ').sort()).toEqual(
      [
        'bin',
        'dev',
        'etc',
        'home',
        'kiln',
        'lib',
        'lib64',
        'opt',
        'proc',
        'sbin',
        'tmp',
        'usr',
        'var',
        'workspace',
      ]
        .filter((d) => d !== 'opt' || v.ROOTFS?.includes('opt'))
        .sort(),
    );
    expect(v).toMatchObject({
      USR: 'read-only',
      ETC: 'read-only',
      SHARED: 'readable',
      SHARED_WRITE: 'no',
      HOME_DIR: '/home/kiln 0',
      NET: 'hello from the host',
      CAPS: '0000000000000000',
      NNP: '1',
    });
  });

  it('ends a build that reaches its process limit FAILURE, saying so', async () => {
    const tag = `sleep ${uniqueSleep()}`;
    const job = await ek.newJob({
      scms: scm(),
      // A fork bomb that keeps what it made: forks fail at the cap, and the runner stops the build.
      // Sixteen forkers side by side: one loop alone made some 30 processes a second on a busy
      // machine, and took most of the test's time to reach the default cap of 1024.
      steps: [
        shell(
          'fork',
          `for j in $(seq 1 16); do (for i in $(seq 1 400); do (${tag}) & done; wait) & done 2>/dev/null; wait`,
        ),
      ],
    });
    await ek.run(job);
    // Forks are slow on a loaded machine: the cap may take a while to reach.
    const r = await ek.waitFinished(job, 1, 80_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toMatch(/reached its limit of \d+ processes \(KILN_BUILD_MAX_PROCESSES\)/);
    expect(processesWith(tag)).toEqual([]);
  }, 90_000);
});

describe('a sandbox, network off, small limits', () => {
  let ek: EngineKiln;
  let listener: Server;
  let gates: string;
  beforeAll(async () => {
    ek = await startEngineKiln({
      runner: {
        slots: 1,
        env: {
          KILN_SANDBOX_NETWORK: 'off',
          KILN_BUILD_MAX_PROCESSES: '64',
          KILN_BUILD_MAX_DISK_BYTES: String(64 * 1024 * 1024),
          KILN_BUILD_MAX_FILES: '5000',
        },
      },
    });
    listener = createServer((s) => s.end('hello\n'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    gates = sharedDir('sandbox');
  });
  afterAll(async () => {
    listener.close();
    await ek?.close();
  });

  it('gives a build only its own loopback; the checkout still works (the runner fetches)', async () => {
    const port = (listener.address() as AddressInfo).port;
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'network',
          [
            `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo "HOST=reachable" || echo "HOST=unreachable"`,
            'echo "LINKS=$(ls /sys/class/net 2>/dev/null | tr "\\n" " ")"',
            'echo "HEAD=$(git rev-parse HEAD)"',
          ].join('\n'),
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(values(log)).toMatchObject({ HOST: 'unreachable', HEAD: repo.git('rev-parse', 'HEAD') });
  });

  it('a process limit of 64: forks past it fail, and the build ends FAILURE saying so', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [shell('fork', `for i in $(seq 1 200); do sleep 60 & done 2>/dev/null; wait`)],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain('reached its limit of 64 processes (KILN_BUILD_MAX_PROCESSES)');
  });

  it('a file past the disk limit fails its writer, and the step says why', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [shell('big file', 'head -c 100M /dev/zero > big.bin; echo "wrote $(stat -c %s big.bin)"')],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain('a file reached the largest size a build may write (KILN_BUILD_MAX_DISK_BYTES)');
  });

  it('many files past the disk limit end the build FAILURE, saying how much it took', async () => {
    const gate = join(gates, 'disk');
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'many files',
          `for i in $(seq 1 8); do head -c 12M /dev/zero > f$i.bin; done; while [ ! -f ${gate} ]; do sleep 0.1; done`,
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    writeFileSync(gate, '');
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toMatch(/took \d+ MiB, more than its limit of 64 MiB \(KILN_BUILD_MAX_DISK_BYTES\)/);
  });

  it('counts files removed while still open: they take the disk until closed', async () => {
    const gate = join(gates, 'removed-open');
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'removed but open',
          [
            'for i in 3 4 5 6; do eval "exec $i>/tmp/big$i"; rm /tmp/big$i; head -c 24M /dev/zero >&$i; done',
            'echo "SEEN=$(du -s -m /tmp "$HOME" . | awk \'{s+=$1} END {print s}\')"',
            `while [ ! -f ${gate} ]; do sleep 0.1; done`,
          ].join('\n'),
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    writeFileSync(gate, '');
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    // du sees (almost) nothing; the limit sees the 96 MiB held.
    expect(Number(values(log).SEEN)).toBeLessThan(8);
    expect(log).toMatch(
      /took (9[6-9]|1\d\d) MiB, more than its limit of 64 MiB \(KILN_BUILD_MAX_DISK_BYTES\)/,
    );
  });

  it('many small files past the file limit end the build FAILURE, saying how many', async () => {
    const gate = join(gates, 'files');
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'many small files',
          `mkdir many && (cd many && seq 1 8000 | xargs touch); while [ ! -f ${gate} ]; do sleep 0.1; done`,
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 30_000);
    writeFileSync(gate, '');
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toMatch(/held \d{4,} files, more than its limit of 5000 \(KILN_BUILD_MAX_FILES\)/);
  });
});
