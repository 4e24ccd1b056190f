import type { BuildParameter, BuildState } from '../domain/build.ts';
import { CONTROL_CHARS } from '../domain/control-chars.ts';
import { resolveStepInputs } from '../domain/parameter-refs.ts';
import { predefinedParameters } from '../domain/predefined-parameters.ts';
import { planSecrets } from '../domain/secret-text.ts';
import type { StepSpec } from '../domain/step-spec.ts';
import type { StepTests } from '../domain/test-report.ts';
import type { RunnerTools } from '../domain/tools.ts';
import { LeaseLostError, type Lease, type RunnerPeer } from '../protocol/runner-protocol.ts';
import {
  downloadArtifact,
  downloadFile,
  uploadArtifacts,
  type TransferContext,
} from './artifact-transfer.ts';
import { cleanBuildDirs, makeBuildDirs } from './build-dirs.ts';
import { readBuildFile } from './build-file-reader.ts';
import { BuildOutput } from './build-output.ts';
import { BuildStop } from './build-stop.ts';
import { startHeartbeat } from './heartbeat.ts';
import { checkOutJob } from './job-checkout.ts';
import { watchLimits, type BuildLimits } from './limits-watch.ts';
import { LogStreamer } from './log-streamer.ts';
import type { MirrorCache, MirrorHold } from './mirrors.ts';
import { checkoutAction, type RepositoryCheckoutContext } from './repository-checkout.ts';
import { retryingPeer } from './retrying-peer.ts';
import type { BuildDirs, Sandbox, SandboxBackend } from './sandbox.ts';
import { runScriptStep, type ScriptStepContext } from './script-step.ts';
import { SecretMasker } from './secret-masker.ts';
import { stepEndLine, type StepEnd } from './step-end.ts';
import { writeStepScripts } from './step-files.ts';
import { needsTools, stepWork, type StepWork } from './step-work.ts';

/** A sandbox started for the next build of a slot, with the build's directories. */
export interface ReadySandbox {
  slot: number;
  dirs: BuildDirs & { root: string };
  sandbox: Sandbox;
}

/**
 * Makes a slot's next build's directories and starts its sandbox, before the build is known:
 * starting a sandbox takes longer than anything else a build waits for.
 */
export async function prepareSandbox(
  options: Pick<ExecutionOptions, 'sandbox' | 'mirrors' | 'workDir'>,
  slot: number,
  name: string,
): Promise<ReadySandbox> {
  const dirs = makeBuildDirs(options.workDir, name, options.sandbox.buildOwner(slot));
  try {
    const sandbox = await options.sandbox.openBuild({ dirs, slot, mirrors: options.mirrors.dir });
    return { slot, dirs, sandbox };
  } catch (error) {
    await cleanBuildDirs(options.workDir, dirs, undefined);
    throw error;
  }
}

/** Where and how a runner runs builds. */
export interface ExecutionOptions {
  sandbox: SandboxBackend;
  mirrors: MirrorCache;
  /** Parent of build directories, mirrors and kept workspaces. */
  workDir: string;
  /** PATH builds see. */
  path: string;
  limits: BuildLimits;
  /**
   * The machine's host name: the first line of each build's log shows it, and messages name the
   * runner by it when the server does not name the runner in the lease (a server older than
   * Lease.runnerName).
   */
  hostName: string;
  /** The runner's pool, which a build.yml's `env.resource.pool` may name (KILN_RUNNER_POOL). */
  runnerPool: string;
  /** The tools builds find (settles once the runner has looked, at start). */
  tools: Promise<RunnerTools>;
  onError?: (error: unknown, context: string) => void;
}

/**
 * Runs one leased build in a sandbox of its own: fresh directories, the repository's mirror updated
 * while the sandbox starts, checkout, the enabled steps in order (each with `bash -e` in the
 * workspace, in an environment built from scratch), output streamed to the log with sensitive
 * values masked, heartbeats that renew the lease and carry stop requests, the job's timeout and
 * the build's limits, and the outcome reported once every process of the build has ended.
 */
export async function executeBuild(
  lease: Lease,
  server: RunnerPeer,
  options: ExecutionOptions,
  shutdown: AbortSignal,
  ready: ReadySandbox,
): Promise<BuildState | undefined> {
  // Retries are not logged one by one: the runner's peer logs each outage once.
  const peer = retryingPeer(server, lease.leaseMs);
  const { dirs, sandbox, slot } = ready;
  const { plan } = lease;
  // The runner as Kiln knows it (its registered name, or the server's own runner's): the name
  // `kiln queue` and the server's log lines give it, which tells apart runners on one host.
  const runnerName = lease.runnerName?.replace(CONTROL_CHARS, ' ') || options.hostName;
  // A fetch made after the build was triggered is fresh enough for it: builds queued together share one.
  const freshSince = Date.now() - lease.queuedForMs;
  const stop = new BuildStop(plan.timeoutMs);
  const onShutdown = () => stop.stop('shutdown');
  shutdown.addEventListener('abort', onShutdown, { once: true });
  const timeout = setTimeout(() => stop.stop('timeout'), plan.timeoutMs);
  const heartbeat = startHeartbeat(lease, peer, (why) => stop.stop(why));

  const streamer = new LogStreamer(peer, lease.recordId, {
    maxBytes: lease.logMaxBytes,
    startOffset: lease.logOffset ?? 0,
    onError: (e) => options.onError?.(e, 'sending log'),
  });
  const secrets = planSecrets(plan);
  const output = new BuildOutput(streamer, new SecretMasker(secrets));
  const { line } = output;

  const owner = options.sandbox.buildOwner(slot);
  const inside = sandbox.inside;
  const baseEnv = baseEnvironment(options.path, inside.home);
  // Every mirror the build reads from (its repository's, its submodules'), released when it ends.
  const mirrors: MirrorHold[] = [];
  let limits: { stop(): void } | undefined;
  let state: BuildState = 'SUCCESS';
  /** The build went back to the server (for another runner, or as a BuildFlow whose jobs it makes): this runner reports nothing more. */
  let handedBack = false;
  let reported: Promise<unknown>;
  try {
    line(
      `build ${lease.dailyBuildNumber} (#${lease.buildNumber}) on runner ${runnerName} (${runnerName === options.hostName ? '' : `host ${options.hostName}, `}${process.platform} ${process.arch}, pool ${options.runnerPool || 'none'})`,
    );

    limits = watchLimits(sandbox, dirs.root, options.limits, (hit) => stop.stop('limit', hit));
    const repositories: RepositoryCheckoutContext = {
      mirrors: options.mirrors,
      slot,
      sandbox,
      ctl: dirs.ctl,
      owner,
      env: baseEnv,
      signal: stop.signal,
      write: output.write,
      freshSince,
      standalone: plan.keepWorkspace,
      holds: mirrors,
      onBranchOrTag: plan.onBranchOrTag === true,
    };
    const checked = await checkOutJob(repositories, plan.scm, output, stop);
    if ('handBack' in checked) {
      await streamer.flush();
      await peer.release(lease.recordId);
      handedBack = true;
      return undefined;
    }
    if ('end' in checked) return (state = checked.end);
    const { checkedOut: checkout } = checked;
    const { commitId, branch } = checkout;
    const predefined = predefinedParameters({
      context: plan.context,
      dailyBuildNumber: lease.dailyBuildNumber,
      buildNumber: lease.buildNumber,
      workspace: inside.workspace,
      tag: plan.scm?.buildType === 'tag' ? plan.scm.ref : '',
      commitId,
      branch,
    });
    const defined = plan.yaml
      ? await readBuildFile(
          stop.signal,
          dirs.workspace,
          plan.yaml.path,
          plan.parameters,
          predefined,
          { name: runnerName, arch: process.arch, pool: options.runnerPool },
          plan.yaml.inherited,
        ).catch((error: unknown) => {
          // A stop ends the read at once (a hostile file may take the reader up to its minute).
          if (stop.reason) return undefined;
          throw error;
        })
      : graphicalSteps(plan.steps, plan.parameters, predefined);
    if (!defined) {
      line(`reading ${plan.yaml?.path} interrupted (${stop.describe()})`);
      return (state = stop.state());
    }
    if ('elsewhere' in defined) {
      // Still Starting (nothing reported): another runner may take the build from the start.
      const { needs, reason: why } = defined.elsewhere;
      line(
        `runner ${runnerName} cannot give what env.resource asks (${why}); the build goes back to the server for a runner that can`,
      );
      await streamer.flush();
      await peer.requeue(lease.recordId, { ...needs, reason: why });
      handedBack = true;
      return undefined;
    }
    if ('flow' in defined) {
      // The server makes the flow's jobs builds of their own; this runner's part ends here.
      const { jobs, strategy } = defined.flow;
      line(
        `${plan.yaml?.path}: a BuildFlow of ${jobs.length} job${jobs.length === 1 ? '' : 's'} (${strategy}): ${jobs.map((j) => j.name).join(', ')}; each runs as a build of its own`,
      );
      await streamer.flush();
      await peer.started(lease.recordId, { ...checkout, script: defined.script, flow: defined.flow });
      handedBack = true;
      return undefined;
    }
    // What only the build.yml gave (the build's own and the predefined parameters are known).
    const fileParameters =
      plan.yaml && 'parameters' in defined
        ? [...defined.parameters]
            .filter(([name]) => !(name in predefined) && !plan.parameters.some((p) => p.name === name))
            .map(([name, value]) => ({ name, value }))
        : [];
    reported = peer.started(lease.recordId, {
      ...checkout,
      ...(plan.yaml && {
        stages: (defined.steps ?? []).map((s) => ({ name: s.name, moduleId: s.moduleId })),
        ...('script' in defined && defined.script && { script: defined.script }),
        ...(fileParameters.length > 0 && { fileParameters }),
      }),
    });
    reported.catch(() => {}); // awaited before the next report that must follow it
    if ('error' in defined) {
      line(plan.yaml ? `build.yml: ${defined.error}` : defined.error);
      await reported;
      return (state = 'FAILURE');
    }
    const steps = defined.steps;
    if (plan.yaml) line(`read ${plan.yaml.path}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);

    const env: Record<string, string> = {
      ...baseEnv,
      ...Object.fromEntries(defined.parameters),
      ...predefined,
      BUILD_NUMBER: String(lease.buildNumber),
      DAILY_BUILD_NUMBER: lease.dailyBuildNumber,
      COMMIT_ID: commitId,
      CODE_BRANCH: branch,
      JOB_ID: lease.jobId,
      WORKSPACE: inside.workspace,
    };
    // Only a step whose image names tools waits for the runner to have found its own (at start).
    const tools = steps.some(needsTools) ? await options.tools : {};
    const job = plan.scm && {
      url: plan.scm.url,
      ref: branch,
      commit: commitId,
      lfs: plan.scm.lfs === true,
      submodules: plan.scm.submodules === true,
    };
    const work = steps.map((step) => stepWork(step, job, runnerName, tools));
    const stepScripts = writeStepScripts(dirs.ctl, work, owner);
    const transfers: TransferContext = {
      peer,
      recordId: lease.recordId,
      workspace: dirs.workspace,
      buildWorkspace: inside.workspace,
      owner,
      signal: stop.signal,
      line,
      patienceMs: lease.leaseMs,
      fromFileManager: [],
    };
    const scripts: ScriptStepContext = { sandbox, dirs, owner, env, output, stop, transfers, secrets };
    // Nothing of the build runs before the server has heard it start. Until then a runner that
    // goes silent (its lease runs out) has its build put back in the queue, for another runner, as
    // one that ran nothing: a step begun before would run twice.
    await reported;
    let failedIgnored = 0;
    for (const [index, step] of steps.entries()) {
      if (stop.reason) break;
      if (!step.enabled) {
        line(`step ${index + 1} "${step.name}" is disabled; skipped`);
        continue;
      }
      const startOffset = streamer.offset;
      // The step does not wait for the server to hear that it starts: the report goes alongside.
      reported = reported.then(() =>
        peer.step(lease.recordId, { index, status: 'running', logOffset: startOffset }),
      );
      reported.catch(() => {});
      const began = Date.now();
      line(`step ${index + 1}/${steps.length} "${step.name}"`);
      const todo = work[index] as StepWork;
      const script = stepScripts[index];
      let end: StepEnd & { tests?: StepTests };
      if ('checkout' in todo) {
        end = { ok: await checkoutAction(repositories, todo.checkout, line, stop.signal) };
      } else if ('upload' in todo || 'download' in todo || 'file' in todo) {
        end = { ok: await transfer(transfers, todo, line) };
      } else if ('ok' in todo || script === undefined) {
        if ('message' in todo) line(todo.message);
        end = { ok: 'ok' in todo && todo.ok };
      } else {
        end = await runScriptStep(scripts, index, todo, script);
      }
      // The one place a step's end is told, whatever carried it out (the sandbox or the runner).
      line(stepEndLine(step.name, end, Date.now() - began, stop));
      const { ok, tests } = end;
      await reported;
      await peer.step(lease.recordId, {
        index,
        status: ok ? 'success' : 'error',
        logOffset: streamer.offset,
        ...(tests && {
          tests: tests.counts,
          cases: tests.cases,
          ...(tests.coverage && { coverage: tests.coverage }),
        }),
      });
      if (!ok && step.ignoreFail && !stop.reason) {
        line(`step "${step.name}" may fail (ignore_fail): going on`);
        failedIgnored++;
        continue;
      }
      if (!ok) {
        state = stop.reason ? stop.state() : 'FAILURE';
        break;
      }
    }
    if (failedIgnored > 0 && state === 'SUCCESS')
      line(
        `${failedIgnored} step${failedIgnored === 1 ? '' : 's'} failed and ignore_fail let the build go on`,
      );
    await reported;
    if (stop.reason) state = stop.state();
    return state;
  } catch (error) {
    if (error instanceof LeaseLostError) stop.leaseLost();
    else {
      options.onError?.(error, 'the runner failed while running the build');
      line(`the runner failed: ${(error as Error).message}`);
      state = 'FAILURE';
    }
    return stop.reason ? stop.state() : state;
  } finally {
    clearTimeout(timeout);
    heartbeat.stop();
    limits?.stop();
    shutdown.removeEventListener('abort', onShutdown);
    // Every process of the build ends before the outcome is reported.
    await sandbox.close().catch((e: unknown) => options.onError?.(e, 'closing the sandbox'));
    for (const held of mirrors) held.release(slot);
    if (stop.reason === 'limit' && stop.limitHit) line(stop.limitHit.message);
    output.end();
    if (streamer.dropped > 0)
      line(
        `${streamer.dropped} bytes of output were not kept: the log is capped at ${lease.logMaxBytes} bytes (KILN_LOG_MAX_BYTES)`,
      );
    const final = stop.reason ? stop.state() : state;
    if (stop.reason !== 'lost' && !handedBack) line(`build finished: ${final}`);
    // The directories go first: a build that filled the disk must not keep the outcome from being stored.
    await cleanBuildDirs(options.workDir, dirs, plan.keepWorkspace ? lease.jobId : undefined).catch(
      (e: unknown) => options.onError?.(e, 'removing the build directories'),
    );
    // A lost build is the server's again: it takes no more of its log. Otherwise the rest is sent
    // while the server may still count the build as this runner's (a lease), and no longer: a
    // runner whose server is gone must still end the build, and stop when asked to.
    if (stop.reason === 'lost') streamer.abandon();
    const giveUp = setTimeout(() => streamer.abandon(), lease.leaseMs);
    await streamer.flush();
    clearTimeout(giveUp);
    if (stop.reason !== 'lost' && !handedBack && !streamer.leaseLost) {
      await peer
        .done(lease.recordId, { state: final })
        .catch((e: unknown) => options.onError?.(e, 'reporting the outcome'));
    }
  }
}

/** An artifact step; a failure the server or the disk gives is the step's, said in its log. */
async function transfer(
  ctx: TransferContext,
  todo: Extract<StepWork, { upload: unknown } | { download: unknown } | { file: unknown }>,
  line: (text: string) => void,
): Promise<boolean> {
  try {
    if ('upload' in todo) return await uploadArtifacts(ctx, todo.upload);
    if ('file' in todo) return await downloadFile(ctx, todo.file.name);
    return await downloadArtifact(ctx, todo.download.url);
  } catch (error) {
    if (error instanceof LeaseLostError) throw error;
    if (ctx.signal.aborted) return false;
    const action =
      'upload' in todo ? 'upload_artifact' : 'file' in todo ? 'download_file' : 'download_artifact';
    line(`${action} failed: ${(error as Error).message}`);
    return false;
  }
}

/**
 * What every process of a build has before the build's own variables. Each name is one of
 * RESERVED_PARAMETERS (domain/parameter-rules.ts): a parameter may not replace it.
 */
export function baseEnvironment(path: string, home: string): Record<string, string> {
  return { PATH: path, HOME: home, LANG: 'C.UTF-8', CI: 'true', KILN: 'true' };
}

/**
 * A graphical job's steps, `${name}` in their inputs resolved as a build.yml's are (the predefined
 * parameters over the build's), and the build's parameters.
 */
function graphicalSteps(
  steps: readonly StepSpec[],
  parameters: readonly BuildParameter[],
  predefined: Readonly<Record<string, string>>,
):
  | { steps: StepSpec[]; parameters: Map<string, string> }
  | { error: string; steps?: undefined; script?: undefined } {
  const given = new Map(parameters.map((p) => [p.name, p.value]));
  const refs = new Map([...given, ...Object.entries(predefined)]);
  const resolved = resolveStepInputs(steps, refs);
  return 'error' in resolved ? resolved : { steps: resolved.steps, parameters: given };
}
