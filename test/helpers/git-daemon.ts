import { spawn } from 'node:child_process';
import { freePort } from './cli.ts';

/** A `git daemon` on loopback serving every repository under a directory. */
export interface GitDaemon {
  /** `git://127.0.0.1:<port>`: a repository's URL is this, `/`, and its path under the directory. */
  base: string;
  /** What the daemon has logged so far (each fetch or clone is a `Request upload-pack` line). */
  log(): string;
  stop(): void;
}

/** Starts `git daemon` serving the repositories under `dir`, and waits until it listens. */
export async function startGitDaemon(dir: string): Promise<GitDaemon> {
  const port = await freePort();
  const daemon = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--verbose',
      '--export-all',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${dir}`,
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let served = '';
  daemon.stderr.on('data', (d: Buffer) => (served += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!served.includes('Ready to rumble')) {
    if (Date.now() > deadline || daemon.exitCode !== null) {
      daemon.kill();
      throw new Error(`git daemon did not start: ${served}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { base: `git://127.0.0.1:${port}`, log: () => served, stop: () => daemon.kill() };
}
