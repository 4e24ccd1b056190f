import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A step cannot make the runner believe it ended while its processes still run. The sandbox's
 * supervisor (a bash of the build's own user, the step's parent) holds the random marker that ends
 * each command; a step of the same user may read its parent's memory (/proc/<pid>/mem: same uid,
 * no Yama here) and print `<marker> 0` itself. The runner then goes on to the next step while the
 * "ended" step still runs, and an upload_artifact step, which the runner carries out on the host
 * (as root when the runner is root) on the promise that "the step's processes have all ended when
 * it runs", races a build that swaps a directory of its workspace for a symbolic link between the
 * walk and the open: O_NOFOLLOW guards only the last component, so the runner reads a host file
 * of its own and keeps it as the build's artifact.
 */

/** Finds the marker in the memory of the process whose pid is argv[1] (the supervisor). */
const FIND_MARKER = `
import os, re, sys
pid = int(sys.argv[1])
mem = open(f'/proc/{pid}/mem', 'rb')
for line in open(f'/proc/{pid}/maps'):
    rng, perm = line.split()[:2]
    if not perm.startswith('r'):
        continue
    a, b = (int(x, 16) for x in rng.split('-'))
    try:
        mem.seek(a)
        data = mem.read(b - a)
    except OSError:
        continue
    m = re.search(rb'\\x1ekiln-[0-9a-f]{32}', data)
    if m:
        sys.stdout.buffer.write(m.group())
        break
`;

/**
 * Says the step ended (exit 0), then waits for the runner to list a/ (inotify: the directory was
 * read and closed) and puts a symbolic link to the host directory in its place.
 */
const SWAP = `
import ctypes, os, sys, time
marker, target = sys.argv[1].encode(), sys.argv[2]
os.chdir('/workspace')
os.makedirs('a')
open('a/secret.txt', 'w').write('decoy\\n')
os.symlink(target, 'a-link')
# A directory the walk lists after a/: time enough for the swap.
os.makedirs('b')
for i in range(20000):
    open(f'b/{i}', 'w').close()
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
libc.inotify_add_watch(fd, b'/workspace/a', 0x10)  # IN_CLOSE_NOWRITE
sys.stdout.flush()
os.write(1, marker + b' 0\\n')
os.read(fd, 4096)
os.rename('a', 'a-real')
os.rename('a-link', 'a')
time.sleep(60)
`;

describe('a step that forges its own end', () => {
  let ek: EngineKiln;
  let repo: TestRepo;
  const hostDir = mkdtempSync(join(tmpdir(), 'kiln-host-only-'));
  const HOST_SECRET = 'host-only-secret-of-the-runner-8d1f\n';

  beforeAll(async () => {
    // A file of the runner's host that no build may read: outside every sandbox, the runner's alone.
    writeFileSync(join(hostDir, 'secret.txt'), HOST_SECRET, { mode: 0o600 });
    chmodSync(hostDir, 0o700);
    ek = await startEngineKiln({ runner: { slots: 1 } });
    repo = new TestRepo();
    repo.commit('sources', { 'README.md': 'sources\n' });
  });
  afterAll(async () => {
    await ek?.close();
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("does not get the runner to read a host file into the build's artifacts", async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell(
          'forge',
          [
            `cat > /tmp/find.py <<'PY'\n${FIND_MARKER}\nPY`,
            `cat > /tmp/swap.py <<'PY'\n${SWAP}\nPY`,
            'marker=$(python3 /tmp/find.py $PPID)',
            'echo "marker found: ${#marker} characters"',
            `python3 /tmp/swap.py "$marker" ${hostDir}`,
          ].join('\n'),
        ),
        {
          module_id: 'devcloud2018.codeci_action_20018.action',
          name: 'upload',
          properties: { file: 'a/secret.txt' },
        },
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 90_000);
    const log = await ek.log(job, 1);
    const kept = await ek.get(`/v1/kiln/jobs/${job}/1/artifacts/secret.txt`);
    const artifact = kept.statusCode === 200 ? kept.body : '';
    // The runner read the host's file for the build: it must never.
    expect(artifact, `build ${r.state}\n${log}`).not.toBe(HOST_SECRET);
  }, 120_000);
});
