import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A step cannot reach into its sandbox's supervisor, its parent, which holds the marker that ends
 * each command: not its memory, its descriptors, its environment, nor by ptrace. The step runs as
 * the supervisor's user and there is no Yama here; what keeps it out is that the supervisor is not
 * dumpable (bwrap-sandbox.ts, supervisorShell). Tried for a root runner and for one that is not
 * root (a user namespace of its own, as in unprivileged-runner.test.ts), each in a sandbox of the
 * real backend started by test/helpers/sandbox-probe.ts.
 */

const PROBE = fileURLToPath(new URL('../helpers/sandbox-probe.ts', import.meta.url));

/** Tries each way into the parent's (the supervisor's) process; prints NAME=allowed|denied. */
const INTO_PARENT = `python3 - "$PPID" <<'PY'
import ctypes, os, sys
pid = int(sys.argv[1])
def attempt(name, f):
    try:
        f()
        print(f'{name}=allowed')
    except OSError:
        print(f'{name}=denied')
def mem():
    with open(f'/proc/{pid}/mem', 'rb') as m:
        m.seek(int(open(f'/proc/{pid}/maps').readline().split('-')[0], 16))
        m.read(16)
def fds():
    for fd in os.listdir(f'/proc/{pid}/fd'):
        os.readlink(f'/proc/{pid}/fd/{fd}')
attempt('MEM', mem)
attempt('FD', fds)
attempt('ENVIRON', lambda: open(f'/proc/{pid}/environ', 'rb').read())
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
    os.waitpid(pid, 0x40000000)
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH: the supervisor goes on
    print('PTRACE=allowed')
else:
    print('PTRACE=denied')
PY`;

const run = promisify(execFile);

describe("a step and its sandbox's supervisor", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function probe(wrap: string[]): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-probe-'));
    chmodSync(dir, 0o777);
    dirs.push(dir);
    const argv = [...wrap, process.execPath, '--import', 'tsx', PROBE, dir, INTO_PARENT];
    const { stdout } = await run(argv[0] as string, argv.slice(1), { timeout: 60_000 });
    return stdout;
  }

  it.each([
    ['a root runner', []],
    ['a runner that is not root', ['unshare', '--user', '--map-user=1000', '--map-group=1000', '--']],
  ])(
    'with %s, a step cannot read or trace the supervisor',
    async (_mode, wrap) => {
      const out = await probe(wrap);
      expect(out).toContain('exit=0');
      for (const way of ['MEM', 'FD', 'ENVIRON', 'PTRACE']) expect(out, out).toContain(`${way}=denied`);
    },
    90_000,
  );
});
