import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { mergeTools, probeVersion, TOOL_PROBES, type RunnerTools, type ToolProbe } from '../domain/tools.ts';

/** Where and how long to look for tools. */
export interface DetectSettings {
  /** The PATH builds see. */
  path: string;
  /** True for a host directory builds see at the same place (the sandbox hides the rest). */
  visible: (hostPath: string) => boolean;
  /** Longest a probe may run (then its tool counts as there, version unknown). */
  timeoutMs?: number;
  /** Probes run at once. */
  concurrency?: number;
  probes?: readonly ToolProbe[];
}

/** Probes of the longest-starting tools (a JVM, a daemon check) finish well within this. */
const PROBE_TIMEOUT_MS = 8_000;

/**
 * The tools of the action catalogue on the PATH builds see, with their versions: each program is
 * looked up in the PATH's directories that builds see too (a program only the runner's user has,
 * say under /root, does not count) and asked for its version (`--version` and the like), a few at
 * once, each with a timeout, in child processes with an empty HOME of their own.
 */
export function detectTools(settings: DetectSettings): Promise<Record<string, string>> {
  const dirs = settings.path.split(delimiter).filter((d) => d.startsWith('/') && settings.visible(d));
  const probes = settings.probes ?? TOOL_PROBES;
  // Everything the answer depends on: a probe's pattern reads its version, the timeout cuts its output.
  const key = JSON.stringify([
    dirs,
    settings.timeoutMs ?? PROBE_TIMEOUT_MS,
    probes.map((p) => [p.tool, p.program, p.args, String(p.pattern ?? '')]),
  ]);
  let found = detected.get(key);
  if (!found) {
    found = probeAll(dirs, probes, settings);
    detected.set(key, found);
    // A failed detection is not kept: the next runner asks again.
    found.catch(() => detected.delete(key));
  }
  return found.then((tools) => ({ ...tools }));
}

/**
 * What was found, by the directories looked in, the probes and their timeout. A runner finds its
 * tools once, when it starts; a process that starts runner after runner (the test suites start
 * hundreds) asks the programs once: each time is about half a second of CPU, two JVMs among them.
 * A tool installed later is seen when the process starts again, as before.
 */
const detected = new Map<string, Promise<Record<string, string>>>();

async function probeAll(
  dirs: string[],
  probes: readonly ToolProbe[],
  settings: DetectSettings,
): Promise<Record<string, string>> {
  const path = dirs.join(delimiter);
  const home = await mkdtemp(join(tmpdir(), 'kiln-tools-'));
  const found: Record<string, string> = {};
  const queue = [...probes];
  const worker = async () => {
    for (let probe = queue.shift(); probe; probe = queue.shift()) {
      const file = await findProgram(probe.program, dirs);
      if (!file) continue;
      const output = await runProbe(
        file,
        probe.args,
        { PATH: path, HOME: home, LANG: 'C' },
        settings.timeoutMs,
      );
      found[probe.tool] = probeVersion(probe, output);
    }
  };
  try {
    await Promise.all(Array.from({ length: settings.concurrency ?? 4 }, worker));
  } finally {
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
  return found;
}

/** Detected tools with KILN_RUNNER_TOOLS over them (detection failing leaves the configured ones). */
export async function runnerTools(
  settings: DetectSettings,
  configured: RunnerTools,
): Promise<Record<string, string>> {
  const detected = await detectTools(settings).catch(() => ({}));
  return mergeTools(detected, configured);
}

async function findProgram(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const file = join(dir, name);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

/**
 * Output (stdout and stderr) of a probe. It runs in a process group of its own, killed whole at the
 * timeout: `mvn` is a script whose java would otherwise outlive it and keep its pipes open.
 */
function runProbe(
  file: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (data: Buffer) => {
      if (output.length < 64 * 1024) output += data.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve(output);
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(output);
    };
    child.on('error', done);
    child.on('close', done);
  });
}
