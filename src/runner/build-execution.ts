import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildState } from '../domain/build.ts';
import { LeaseLostError, type Lease, type RunnerPeer } from '../protocol/runner-protocol.ts';
import { checkout, withoutCredentials } from './checkout.ts';
import type { Executor } from './executor.ts';
import { LogStreamer } from './log-streamer.ts';
import { persist } from './persist.ts';
import { SecretMasker } from './secret-masker.ts';

/** Where and how a runner runs builds. */
export interface ExecutionOptions {
  executor: Executor;
  /** Parent of workspaces, scripts and the builds' HOME. */
  workDir: string;
  /** PATH builds see. */
  path: string;
  onError?: (error: unknown, context: string) => void;
}

/** Why a build stopped early. */
type StopReason = 'cancel' | 'timeout' | 'lost' | 'shutdown';

const FINAL_STATE: Record<StopReason, BuildState> = {
  cancel: 'ABORTED',
  timeout: 'timeout',
  lost: 'ABORTED',
  shutdown: 'ABORTED',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Runs one leased build: a fresh workspace, checkout, the enabled steps in order (each with
 * `bash -e` in the workspace, in an environment built from scratch), output streamed to the log
 * with sensitive values masked, heartbeats that renew the lease and carry stop requests, the job's
 * timeout, and the outcome reported at the end.
 */
export async function executeBuild(
  lease: Lease,
  peer: RunnerPeer,
  options: ExecutionOptions,
  shutdown: AbortSignal,
): Promise<BuildState | undefined> {
  const { plan } = lease;
  const abort = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    abort.abort();
  };
  const onShutdown = () => stop('shutdown');
  shutdown.addEventListener('abort', onShutdown, { once: true });
  const timeout = setTimeout(() => stop('timeout'), plan.timeoutMs);
  const heartbeat = startHeartbeat(lease, peer, stop, options.onError);

  const streamer = new LogStreamer(peer, lease.recordId, {
    maxBytes: lease.logMaxBytes,
    onError: (e) => options.onError?.(e, 'sending log'),
  });
  const masker = new SecretMasker(plan.parameters.filter((p) => p.sensitive).map((p) => p.value));
  const write = (data: Buffer) => streamer.write(masker.push(data));
  const line = (text: string) => write(Buffer.from(`[kiln] ${text}\n`));
  const report = <T>(what: string, fn: () => Promise<T>) =>
    persist(fn, lease.leaseMs, (e) => options.onError?.(e, `reporting ${what} (retrying)`));

  const workspace = join(options.workDir, 'workspaces', `${lease.jobId}-${lease.buildNumber}`);
  // One directory for every build's scripts: a directory per build would cost a mkdir and a rmdir.
  const scripts = join(options.workDir, 'scripts');
  const stepScripts = plan.steps.map((_, index) => join(scripts, `${lease.recordId}-step-${index + 1}.sh`));
  const home = join(options.workDir, 'home');
  const baseEnv = { PATH: options.path, HOME: home, LANG: 'C.UTF-8', CI: 'true', KILN: 'true' };
  let state: BuildState = 'SUCCESS';
  try {
    // A workspace left by a crash can be large: that removal goes to the thread pool. The rest is a
    // few small files, made synchronously: faster than thread-pool trips, on the way to step one.
    if (existsSync(workspace)) await rm(workspace, { recursive: true, force: true });
    for (const dir of [workspace, scripts, home]) mkdirSync(dir, { recursive: true });
    // Written now, while nothing waits on them: once checked out, the first step starts at once.
    writeStepScripts(stepScripts, plan.steps);
    line(
      `build ${lease.dailyBuildNumber} (#${lease.buildNumber}) on ${process.platform}, workspace ${workspace}`,
    );

    let commitId = '';
    let branch = plan.scm?.ref ?? '';
    if (plan.scm) {
      line(
        `checking out ${withoutCredentials(plan.scm.url)} (${plan.scm.buildType} ${plan.scm.buildType === 'commit' ? plan.scm.commit : plan.scm.ref || 'default branch'})`,
      );
      const env = { ...baseEnv, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' };
      const result = await checkout(
        {
          executor: options.executor,
          workspace,
          env,
          signal: abort.signal,
          write,
          standalone: plan.keepWorkspace,
        },
        plan.scm,
      );
      if (!result.ok) {
        line(reason ? `checkout interrupted (${reason})` : `checkout failed: ${result.reason}`);
        state = reason ? FINAL_STATE[reason] : 'FAILURE';
        return state;
      }
      commitId = result.commitId;
      branch = result.branch;
      line(`checked out ${commitId}${result.commitMessage ? ` "${result.commitMessage}"` : ''}`);
      await peer.started(lease.recordId, {
        commitId,
        commitTime: result.commitTime,
        commitMessage: result.commitMessage,
        branch,
      });
    } else {
      await peer.started(lease.recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
    }

    const env: Record<string, string> = {
      ...baseEnv,
      ...Object.fromEntries(plan.parameters.map((p) => [p.name, p.value])),
      BUILD_NUMBER: String(lease.buildNumber),
      DAILY_BUILD_NUMBER: lease.dailyBuildNumber,
      COMMIT_ID: commitId,
      CODE_BRANCH: branch,
      JOB_ID: lease.jobId,
      WORKSPACE: workspace,
    };
    for (const [index, step] of plan.steps.entries()) {
      if (reason) break;
      if (!step.enabled) {
        line(`step ${index + 1} "${step.name}" is disabled; skipped`);
        continue;
      }
      const startOffset = streamer.offset;
      await report('a step start', () =>
        peer.step(lease.recordId, { index, status: 'running', logOffset: startOffset }),
      );
      line(`step ${index + 1}/${plan.steps.length} "${step.name}"`);
      const began = Date.now();
      const result = await options.executor.exec(
        {
          file: '/bin/bash',
          args: ['-c', STEP_SHELL, stepScripts[index]!],
          cwd: workspace,
          env,
          stderr: 'program',
        },
        write,
        abort.signal,
      );
      const ok = result.exitCode === 0 && !reason;
      write(masker.end());
      line(
        ok
          ? `step "${step.name}" succeeded in ${seconds(Date.now() - began)}`
          : reason
            ? `step "${step.name}" stopped (${reason === 'timeout' ? `the job's timeout of ${seconds(plan.timeoutMs)} passed` : reason === 'cancel' ? 'the build was stopped' : reason})`
            : `step "${step.name}" failed with exit code ${result.exitCode ?? result.signal} after ${seconds(Date.now() - began)}`,
      );
      await peer.step(lease.recordId, {
        index,
        status: ok ? 'success' : 'error',
        logOffset: streamer.offset,
      });
      if (!ok) {
        state = reason ? FINAL_STATE[reason] : 'FAILURE';
        break;
      }
    }
    if (reason) state = FINAL_STATE[reason];
    return state;
  } catch (error) {
    if (error instanceof LeaseLostError) reason = 'lost';
    else {
      options.onError?.(error, `build ${lease.recordId}`);
      line(`the runner failed: ${(error as Error).message}`);
      state = 'FAILURE';
    }
    return reason ? FINAL_STATE[reason] : state;
  } finally {
    clearTimeout(timeout);
    heartbeat.stop();
    shutdown.removeEventListener('abort', onShutdown);
    write(masker.end());
    if (reason !== 'lost') line(`build finished: ${reason ? FINAL_STATE[reason] : state}`);
    await streamer.flush();
    if (reason !== 'lost' && !streamer.leaseLost) {
      await reportOutcome(lease, peer, { state: reason ? FINAL_STATE[reason] : state }, options.onError);
    }
    await Promise.all(stepScripts.map((path) => rm(path, { force: true })));
    await cleanWorkspace(options.workDir, lease, workspace);
  }
}

/**
 * How a step's script runs: `bash -e script`, with stderr joined to stdout by bash itself. The
 * script is sourced, so bash still names it (as `$0` and in its error messages, with its own line
 * numbers).
 */
const STEP_SHELL = 'exec 2>&1; set -e; . "$0"';

/** Writes each step's command to its script file (`paths`, by step index). */
function writeStepScripts(paths: string[], steps: Lease['plan']['steps']): void {
  for (const [index, step] of steps.entries())
    writeFileSync(paths[index]!, `${step.command}\n`, { mode: 0o600 });
}

/**
 * Reports the outcome, retrying while the server is unreachable. When an earlier attempt reached
 * the server but its answer was lost, the retry is told the build is no longer this runner's:
 * that means the outcome was recorded.
 */
async function reportOutcome(
  lease: Lease,
  peer: RunnerPeer,
  result: { state: BuildState },
  onError?: (error: unknown, context: string) => void,
): Promise<void> {
  let attempts = 0;
  try {
    await persist(
      () => {
        attempts++;
        return peer.done(lease.recordId, result);
      },
      lease.leaseMs,
      (e) => onError?.(e, 'reporting the outcome (retrying)'),
    );
  } catch (error) {
    if (!(error instanceof LeaseLostError && attempts > 1)) onError?.(error, 'reporting the outcome');
  }
}

/** Removes the workspace; a job that keeps its last workspace keeps only the newest one. */
async function cleanWorkspace(workDir: string, lease: Lease, workspace: string): Promise<void> {
  if (!lease.plan.keepWorkspace) {
    await rm(workspace, { recursive: true, force: true });
    return;
  }
  const keptDir = join(workDir, 'kept');
  const kept = join(keptDir, lease.jobId);
  await mkdir(keptDir, { recursive: true });
  await rm(kept, { recursive: true, force: true });
  await rename(workspace, kept).catch(() => rm(workspace, { recursive: true, force: true }));
}

/** Renews the lease every few seconds; a stop request or a lost lease stops the build. */
function startHeartbeat(
  lease: Lease,
  peer: RunnerPeer,
  stop: (why: StopReason) => void,
  onError?: (error: unknown, context: string) => void,
): { stop(): void } {
  const every = Math.max(200, Math.min(1_500, Math.floor(lease.leaseMs / 4)));
  let lastOk = Date.now();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const status = await peer.extend(lease.recordId);
      lastOk = Date.now();
      if (!status.held) stop('lost');
      else if (status.cancel) stop('cancel');
    } catch (error) {
      if (error instanceof LeaseLostError) stop('lost');
      else {
        onError?.(error, 'heartbeat');
        // Past the lease the server has taken the build back: stop working on it.
        if (Date.now() - lastOk > lease.leaseMs) stop('lost');
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), every);
  void tick();
  return { stop: () => clearInterval(timer) };
}
