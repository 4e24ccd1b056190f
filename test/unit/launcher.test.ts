import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launch, runCommand } from '../../src/runner/launcher.ts';

/** The parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the launcher', () => {
  it('starts a process from its helper, not from this process; stdin, stdout, exit code and stderr reach the caller', async () => {
    const child = launch(
      '/bin/bash',
      [
        '--norc',
        '-c',
        'read -r line; echo "got $line"; echo "to stderr" >&2; read -r again; echo "$again"; exit 7',
      ],
      { PATH: '/usr/bin:/bin', ONLY: 'this' },
    );
    let out = '';
    child.onData((data) => (out += data.toString('utf8')));
    child.stdin.write('first\n'); // before the helper has even started it: kept until then
    await until('the pid', () => child.pid !== undefined);
    const helper = parentOf(child.pid as number);
    expect(helper).not.toBe(process.pid);
    expect(parentOf(helper)).toBe(process.pid);
    child.stdin.write('second\n');
    const closed = await child.closed;
    expect(closed).toEqual({ code: 7, signal: null, stderr: 'to stderr\n' });
    expect(out).toBe('got first\nsecond\n');
  });

  it('gives the process exactly the environment asked for', async () => {
    // It prints nothing before it has read its input (see launcher.ts).
    const child = launch('/bin/bash', ['--norc', '-c', 'read -r; exec /usr/bin/env'], {
      PATH: '/usr/bin:/bin',
      ONLY: 'this',
    });
    let out = '';
    child.onData((data) => (out += data.toString('utf8')));
    child.stdin.end('go\n');
    await child.closed;
    const bashOwn = /^(PWD|SHLVL|_)=/; // what bash itself sets
    expect(
      out
        .trim()
        .split('\n')
        .filter((v) => !bashOwn.test(v))
        .sort(),
    ).toEqual(['ONLY=this', 'PATH=/usr/bin:/bin']);
  });

  it('a process whose stdin closes sees its end; kill ends it with the signal', async () => {
    const reader = launch('/bin/cat', [], { PATH: '/usr/bin:/bin' });
    reader.stdin.end('bye\n');
    expect((await reader.closed).code).toBe(0);

    const sleeper = launch('/bin/sleep', ['30'], { PATH: '/usr/bin:/bin' });
    await until('the pid', () => sleeper.pid !== undefined);
    sleeper.kill('SIGTERM');
    expect(await sleeper.closed).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('a program that cannot be started closes with the reason', async () => {
    const missing = launch('/nonexistent/program', [], {});
    const closed = await missing.closed;
    expect(closed.code).toBeNull();
    expect(closed.stderr).toMatch(/ENOENT/);
  });

  it('runs host commands: stdout, and why one failed', async () => {
    expect(await runCommand('echo', ['hello'])).toEqual({ stdout: 'hello\n' });
    const failed = await runCommand('sh', ['-c', 'echo partial; exit 3']);
    expect(failed.stdout).toBe('partial\n');
    expect(failed.error).toMatch(/Command failed/);
  });

  it('when the helper dies, what it started ends and the next launch starts another helper', async () => {
    const sleeper = launch('/bin/sleep', ['30'], { PATH: '/usr/bin:/bin' });
    await until('the pid', () => sleeper.pid !== undefined);
    const helper = parentOf(sleeper.pid as number);
    process.kill(helper, 'SIGKILL');
    expect(await sleeper.closed).toMatchObject({ code: null, signal: 'SIGKILL' });
    process.kill(sleeper.pid as number, 'SIGKILL'); // a plain sleep has no --die-with-parent

    const next = launch('/bin/bash', ['--norc', '-c', 'read -r line; echo "$line"'], {
      PATH: '/usr/bin:/bin',
    });
    let out = '';
    next.onData((data) => (out += data.toString('utf8')));
    await until('the pid', () => next.pid !== undefined);
    expect(parentOf(next.pid as number)).not.toBe(helper);
    next.stdin.end('again\n');
    expect((await next.closed).code).toBe(0);
    expect(out).toBe('again\n');
  });

  it('the helper ends when the process it works for is killed (SIGKILL)', async () => {
    const script = `
      import { launch } from ${JSON.stringify(fileURLToPath(new URL('../../src/runner/launcher.ts', import.meta.url)))};
      const child = launch('/bin/sleep', ['30'], { PATH: '/usr/bin:/bin' });
      const timer = setInterval(() => { if (child.pid) { console.log(child.pid); clearInterval(timer); } }, 10);
    `;
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) =>
      owner.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    const helper = parentOf(pid);
    owner.kill('SIGKILL');
    await until('the helper to exit', () => !alive(helper));
    process.kill(pid, 'SIGKILL');
  });

  it('a helper whose owner was killed while it started does not stay (its parent is init from the start)', async () => {
    // Killed before, while and after the helper's bash and Node start (about 100 ms here): a
    // helper that started an orphan took init for the parent it watches, and stayed for good.
    for (const delay of [0, 20, 50, 100]) {
      // The helper gets its owner's PATH: this one tells it apart from any other.
      const path = `/usr/bin:/bin:/kiln-launcher-test-${process.pid}-${delay}`;
      const script = `
        import { launch } from ${JSON.stringify(fileURLToPath(new URL('../../src/runner/launcher.ts', import.meta.url)))};
        process.env.PATH = ${JSON.stringify(path)};
        launch('/bin/true', [], { PATH: '/usr/bin:/bin' });
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), ${delay});
      `;
      const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await new Promise((resolve) => owner.once('exit', resolve));
      await until(
        `no helper of an owner killed after ${delay} ms`,
        () => processesWith(`PATH=${path}`).length === 0,
      );
    }
  });
});

/** The processes with `entry` in their environment. */
function processesWith(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
      } catch {
        return false;
      }
    })
    .map(Number);
}
