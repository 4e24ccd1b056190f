import type { RunnerTools } from '../domain/tools.ts';
import { formatDuration } from '../domain/duration.ts';
import type { BuildState } from '../domain/build.ts';
import type { StepTests } from '../domain/test-report.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import { maskSecretText, planSecrets } from '../domain/secret-text.ts';
import { LeaseLostError, type Lease, type RunnerPeer } from '../protocol/runner-protocol.ts';
import { cleanBuildDirs, makeBuildDirs } from './build-dirs.ts';
import { mirrorFailureReason, type CheckoutOutcome } from './checkout.ts';
import { watchLimits, type BuildLimits, type LimitHit } from './limits-watch.ts';
import { LogStreamer } from './log-streamer.ts';
import type { MirrorCache, MirrorFailure, MirrorHold } from './mirrors.ts';
import { retryingPeer } from './retrying-peer.ts';
import type { BuildDirs, Sandbox, SandboxBackend } from './sandbox.ts';
import { SecretMasker } from './secret-masker.ts';
import { needsTools, stepWork, type StepWork } from './step-work.ts';
import { startHeartbeat } from './heartbeat.ts';
import { checkoutAction, checkoutRepository, type RepositoryCheckoutContext } from './repository-checkout.ts';
import { writeHomeFile, writeStepScripts } from './step-files.ts';
import { untilAborted } from './until-aborted.ts';
import { collectReports, keepReportZip } from './test-reports.ts';
import {
  downloadArtifact,
  downloadFile,
  uploadArtifacts,
  type TransferContext,
} from './artifact-transfer.ts';
import { readBuildFile } from './build-file-reader.ts';
import { predefinedParameters } from '../domain/predefined-parameters.ts';
import { resolveStepInputs } from '../domain/parameter-refs.ts';
import type { StepSpec } from '../domain/step-spec.ts';
import { CONTROL_CHARS } from '../domain/control-chars.ts';
import type { BuildParameter } from '../domain/build.ts';

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

/** Why a build stopped early. */
type StopReason = 'cancel' | 'timeout' | 'lost' | 'shutdown' | 'limit';

const FINAL_STATE: Record<StopReason, BuildState> = {
  cancel: 'ABORTED',
  timeout: 'timeout',
  lost: 'ABORTED',
  shutdown: 'ABORTED',
  limit: 'FAILURE',
};

/** Exit code of a process killed by SIGXFSZ: it wrote past the largest file allowed. */
const FILE_TOO_LARGE = 128 + 25;

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
  const abort = new AbortController();
  let reason: StopReason | undefined;
  let limitHit: LimitHit | undefined;
  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    abort.abort();
  };
  const onShutdown = () => stop('shutdown');
  shutdown.addEventListener('abort', onShutdown, { once: true });
  const timeout = setTimeout(() => stop('timeout'), plan.timeoutMs);
  const heartbeat = startHeartbeat(lease, peer, stop);

  const streamer = new LogStreamer(peer, lease.recordId, {
    maxBytes: lease.logMaxBytes,
    startOffset: lease.logOffset ?? 0,
    onError: (e) => options.onError?.(e, 'sending log'),
  });
  const secrets = planSecrets(plan);
  const masker = new SecretMasker(secrets);
  const write = (data: Buffer) => streamer.write(masker.push(data));
  // Kiln's own lines are kept past the log's cap (within a little room), so a cut log still ends
  // with how its steps and the build ended. Each is a line of its own: the output before it is
  // let out of the masker (a Kiln line ends it), and when it did not end its last line (a progress
  // bar, a last line without its newline), a newline comes first.
  // A control character in the text (a line break a parameter's value brought into an image, a
  // branch, a path Kiln names) becomes a space, as in step names: no value can start a forged
  // `[kiln]` line. The masker knows sensitive values in that one-line form too (planSecrets).
  const line = (text: string) => {
    write(masker.end());
    const start = streamer.endsLine ? '' : '\n';
    streamer.writeOwn(masker.push(Buffer.from(`${start}[kiln] ${text.replace(CONTROL_CHARS, ' ')}\n`)));
  };
  const stopReason = (why: StopReason) =>
    why === 'timeout'
      ? `the job's timeout of ${formatDuration(plan.timeoutMs)} passed`
      : why === 'cancel'
        ? 'the build was stopped'
        : why === 'limit'
          ? (limitHit?.message ?? 'a limit was hit')
          : why;

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

    limits = watchLimits(sandbox, dirs.root, options.limits, (hit) => {
      limitHit = hit;
      stop('limit');
    });
    // The checkout runs once the mirror has answered, while the mirror's refs stay as resolved.
    const repositories: RepositoryCheckoutContext = {
      mirrors: options.mirrors,
      slot,
      sandbox,
      ctl: dirs.ctl,
      owner,
      env: baseEnv,
      signal: abort.signal,
      write,
      freshSince,
      standalone: plan.keepWorkspace,
      holds: mirrors,
      onBranchOrTag: plan.onBranchOrTag === true,
    };
    let checkingOut: Promise<CheckoutOutcome | MirrorFailure> | undefined;
    if (plan.scm) {
      line(`fetching ${maskUrlCredentials(plan.scm.url)} into the runner's mirror`);
      const started = checkoutRepository(repositories, plan.scm);
      if ('error' in started) {
        line(`checkout failed: ${started.error}`);
        return (state = 'FAILURE');
      }
      checkingOut = started;
    }

    let commitId = '';
    let branch = plan.scm?.ref ?? '';
    let checkedOut: { commitTime: number | null; commitMessage: string; commitAuthor?: string } | undefined;
    if (plan.scm && checkingOut) {
      const result = await untilAborted(checkingOut, abort.signal);
      if (reason === 'shutdown' && !(result && !('failure' in result) && result.ok)) {
        // The runner is stopping before the checkout was done (or the stop is what failed it: the
        // mirror's sandbox ended with the runner): nothing of the build ran, so it goes back to
        // its place in the queue, as for a runner lost during checkout, not ABORTED by a restart.
        line('checkout interrupted (the runner is stopping); the build goes back to the queue');
        await streamer.flush();
        await peer.release(lease.recordId);
        handedBack = true;
        return undefined;
      }
      if (!result) {
        line(`checkout interrupted (${stopReason(reason ?? 'cancel')})`);
        return (state = FINAL_STATE[reason ?? 'cancel']);
      }
      if ('failure' in result) {
        line(`checkout failed: ${mirrorFailureReason(result, plan.scm)}`);
        return (state = 'FAILURE');
      }
      if (!result.ok) {
        line(reason ? `checkout interrupted (${stopReason(reason)})` : `checkout failed: ${result.reason}`);
        state = reason ? FINAL_STATE[reason] : 'FAILURE';
        return state;
      }
      commitId = result.commitId;
      branch = result.branch;
      checkedOut = result;
      // Kiln's own line: the subject is whoever committed it's text, its control characters (a CR
      // overwriting the line, an escape sequence) spaces, as in a step's name.
      const subject = result.commitMessage.replace(CONTROL_CHARS, ' ');
      line(`checked out ${commitId}${subject ? ` "${subject}"` : ''}`);
    }
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
          abort.signal,
          dirs.workspace,
          plan.yaml.path,
          plan.parameters,
          predefined,
          { name: runnerName, arch: process.arch, pool: options.runnerPool },
          plan.yaml.inherited,
        ).catch((error: unknown) => {
          // A stop ends the read at once (a hostile file may take the reader up to its minute).
          if (reason) return undefined;
          throw error;
        })
      : graphicalSteps(plan.steps, plan.parameters, predefined);
    if (!defined) {
      line(`reading ${plan.yaml?.path} interrupted (${stopReason(reason ?? 'cancel')})`);
      return (state = FINAL_STATE[reason ?? 'cancel']);
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
    const checkout = {
      commitId,
      commitTime: checkedOut?.commitTime ?? null,
      commitMessage: checkedOut?.commitMessage ?? '',
      commitAuthor: checkedOut?.commitAuthor ?? '',
      branch,
    };
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
      signal: abort.signal,
      line,
      patienceMs: lease.leaseMs,
      fromFileManager: [],
    };
    // Nothing of the build runs before the server has heard it start. Until then a runner that
    // goes silent (its lease runs out) has its build put back in the queue, for another runner, as
    // one that ran nothing: a step begun before would run twice.
    await reported;
    let failedIgnored = 0;
    for (const [index, step] of steps.entries()) {
      if (reason) break;
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
      line(`step ${index + 1}/${steps.length} "${step.name}"`);
      const began = Date.now();
      const todo = work[index] as StepWork;
      const script = stepScripts[index];
      let ok: boolean;
      let tests: StepTests | undefined;
      if ('checkout' in todo) {
        ok = await checkoutAction(repositories, todo.checkout, line, abort.signal);
      } else if ('upload' in todo || 'download' in todo || 'file' in todo) {
        ok = await transfer(transfers, todo, line);
      } else if ('ok' in todo || script === undefined) {
        if ('message' in todo) line(todo.message);
        ok = 'ok' in todo && todo.ok;
      } else {
        for (const note of todo.notes ?? []) line(note);
        if (todo.mavenSettings !== undefined) {
          writeHomeFile(dirs.home, '.m2/settings.xml', todo.mavenSettings, owner);
          line(`wrote ~/.m2/settings.xml with the step's public repositories`);
        }
        const result = await sandbox.exec(
          {
            file: '/bin/bash',
            args: [
              '-c',
              STEP_SHELL,
              `${inside.ctl}/${script}`,
              'tool' in todo ? (todo.tool ?? '') : '',
              todo.missing ?? '',
            ],
            cwd: inside.workspace,
            env,
          },
          write,
          abort.signal,
        );
        ok = result.exitCode === 0 && !reason;
        write(masker.end());
        if (todo.reports !== undefined && !reason) {
          const collected = await collectReports(dirs.workspace, todo.reports, (text) =>
            maskSecretText(text, secrets),
          );
          for (const text of collected.lines) line(text);
          tests = collected.tests;
          if (collected.files.length > 0) await keepReportZip(transfers, dirs.root, index, collected.files);
        }
        line(
          ok
            ? `step "${step.name}" succeeded in ${formatDuration(Date.now() - began)}`
            : reason
              ? `step "${step.name}" stopped (${stopReason(reason)})`
              : result.exitCode === FILE_TOO_LARGE
                ? `step "${step.name}" failed: a file reached the largest size a build may write (KILN_BUILD_MAX_DISK_BYTES)`
                : `step "${step.name}" failed with exit code ${result.exitCode ?? result.signal} after ${formatDuration(Date.now() - began)}`,
        );
      }
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
      if (!ok && step.ignoreFail && !reason) {
        line(`step "${step.name}" may fail (ignore_fail): going on`);
        failedIgnored++;
        continue;
      }
      if (!ok) {
        state = reason ? FINAL_STATE[reason] : 'FAILURE';
        break;
      }
    }
    if (failedIgnored > 0 && state === 'SUCCESS')
      line(
        `${failedIgnored} step${failedIgnored === 1 ? '' : 's'} failed and ignore_fail let the build go on`,
      );
    await reported;
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
    limits?.stop();
    shutdown.removeEventListener('abort', onShutdown);
    // Every process of the build ends before the outcome is reported.
    await sandbox.close().catch((e: unknown) => options.onError?.(e, 'closing the sandbox'));
    for (const held of mirrors) held.release(slot);
    if (reason === 'limit' && limitHit) line(limitHit.message);
    write(masker.end());
    if (streamer.dropped > 0)
      line(
        `${streamer.dropped} bytes of output were not kept: the log is capped at ${lease.logMaxBytes} bytes (KILN_LOG_MAX_BYTES)`,
      );
    if (reason !== 'lost' && !handedBack) line(`build finished: ${reason ? FINAL_STATE[reason] : state}`);
    // The directories go first: a build that filled the disk must not keep the outcome from being stored.
    await cleanBuildDirs(options.workDir, dirs, plan.keepWorkspace ? lease.jobId : undefined).catch(
      (e: unknown) => options.onError?.(e, 'removing the build directories'),
    );
    // A lost build is the server's again: it takes no more of its log. Otherwise the rest is sent
    // while the server may still count the build as this runner's (a lease), and no longer: a
    // runner whose server is gone must still end the build, and stop when asked to.
    if (reason === 'lost') streamer.abandon();
    const giveUp = setTimeout(() => streamer.abandon(), lease.leaseMs);
    await streamer.flush();
    clearTimeout(giveUp);
    if (reason !== 'lost' && !handedBack && !streamer.leaseLost) {
      await peer
        .done(lease.recordId, { state: reason ? FINAL_STATE[reason] : state })
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
 * How a step's script runs: `bash -e script`, with stderr joined to stdout by bash itself. The
 * script is sourced, so bash still names it (as `$0` and in its error messages, with its own line
 * numbers). `$1` names the tool the step needs: when it is not on the PATH, `$2` says so and the
 * step fails at once (127, as bash for a missing command).
 */
const STEP_SHELL =
  'exec 2>&1; if [ -n "$1" ] && ! command -v "$1" >/dev/null 2>&1; then printf "%s\\n" "$2"; exit 127; fi; set -e; . "$0"';

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
