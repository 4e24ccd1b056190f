import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { KILN_BIN, type CliResult } from '../helpers/cli.ts';

/**
 * A `kiln ...` process the test watches while it runs (test/helpers/cli.ts `runCli` only returns
 * at the end): wait for output, send Ctrl-C, then collect the result.
 */
export interface LiveCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches; fails with both streams when `timeoutMs` passes. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit code and output, once the process ended. */
  done: Promise<CliResult>;
}

/** Starts `node bin/kiln.js ...args` with `env` on top of the parent's (without its KILN_* names). */
export function startCli(args: string[], env: Record<string, string>, killAfterMs = 60_000): LiveCli {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^KILN_|^XDG_CONFIG_HOME$/.test(k)) base[k] = v;
  const child = spawn(process.execPath, [KILN_BIN, ...args], {
    env: { ...base, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitForStdout(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`stdout never matched ${pattern}\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    done,
  };
}
