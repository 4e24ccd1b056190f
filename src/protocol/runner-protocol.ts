import type { BuildState, StepStatus, TestCounts } from '../domain/build.ts';
import type { BuildPlan } from '../domain/build-plan.ts';
import type { Coverage, TestCase } from '../domain/test-report.ts';
import type { FlowJob, FlowStrategy } from '../domain/build-flow.ts';
import type { RunnerPlace } from '../domain/resource-match.ts';

export type { RunnerPlace } from '../domain/resource-match.ts';

/**
 * The server <-> runner contract. A runner knows the server only through a RunnerPeer: the local
 * runner gets one that calls the engine in process, a remote runner one that speaks HTTP
 * (/v1/kiln/runner/...). Same calls, same rules, so both run builds identically.
 *
 * Lifecycle of one build on a runner:
 *   next()        -> a Lease: the build is claimed for this runner until lease expiry. The runner
 *                 says where it is (arch, pool): builds that need another place are not handed to it.
 *   extend()      every few seconds while working: renews the lease; answers `cancel` when someone
 *                 asked to stop the build and `held: false` when the server took it back (the
 *                 runner then kills everything and reports nothing more).
 *   requeue()     instead of started(), when the checked-out build.yml asks for what this runner
 *                 cannot give: the server hands the build back to the queue for a runner that can
 *                 (or fails it when it knows none). Either way the build is no longer the runner's.
 *   release()     instead of started(), when the runner got the lease while stopping: the build goes
 *                 back to its place in the queue, untouched, for another runner. Idempotent.
 *   started()     once the workspace is checked out: the build becomes Running. The same report
 *                 again (a resend after a lost answer) is answered alike; another checkout is refused.
 *   step()        when each step starts and ends, with the log offset at that moment (of a step
 *                 the build has: another index is refused).
 *   log()         output as ordered chunks {offset, bytes}. The server acknowledges each chunk; a
 *                 chunk it already has is acknowledged again without being stored twice (a resend
 *                 after a lost answer), a chunk that would leave a hole is refused (LogGapError
 *                 with the size the server has), so the runner resends from there.
 *   artifact()    an `upload_artifact` step's file, streamed from `offset` (what the server holds of it:
 *                 a part it already has is refused with ArtifactGapError naming its size, and the
 *                 runner resumes from there, so a dropped connection costs only what was in flight;
 *                 a resumed part announces the size its upload began with).
 *   fetchArtifact() a `download_artifact` step's file, streamed; the server checks that every
 *                 user the build acts for (its job's creator, last saver and starter) may read it.
 *   done()        the outcome. Only the runner holding the lease can finish the build.
 * A runner that stops extending loses the build when the lease expires: the server ends it
 * ABORTED with a log line saying the runner was lost, or, when it never reported started(), puts
 * it back in the queue for another runner (a lease lost on the wire ran nothing).
 *
 * Apart from builds, a runner calls announce() once it has found its tools (at start, retried
 * until the server answers): the server keeps the last announcement to show in the runner list.
 */

/** A build handed to a runner. */
export interface Lease {
  recordId: string;
  jobId: string;
  buildNumber: number;
  dailyBuildNumber: string;
  /** The runner must call extend() well within this many ms. */
  leaseMs: number;
  plan: BuildPlan;
  /** The log is cut at this many bytes (with a line saying so); the build keeps running. */
  logMaxBytes: number;
  /**
   * How long the build had waited when it was claimed, by the server's clock. A fetch of its
   * repository that the runner started later than `now - queuedForMs` (its own clock, when the
   * lease arrived) sees the repository as it was when the build was triggered, or newer: builds
   * queued together share one fetch.
   */
  queuedForMs: number;
  /**
   * Size of the build's log at the claim: a build handed back by another runner has lines already,
   * and this runner's output goes after them.
   */
  logOffset?: number;
  /**
   * The runner as the server names it (in `kiln queue`, the dashboard and its log lines): a
   * registered runner's name (`kiln runners create NAME`), or the server's own runner's (its server
   * name). The build's first log line says it, so that runners on one host are told apart. Absent
   * from servers older than the field (and for a runner no longer registered): the runner names
   * itself by its host name.
   */
  runnerName?: string;
}

/** A build handed back: what it needs of a runner and why this one cannot give it. */
export interface RequeueRequest extends RunnerPlace {
  reason: string;
}

/** What checkout resolved. */
export interface CheckoutInfo {
  commitId: string;
  /** Epoch ms of the commit. */
  commitTime: number | null;
  commitMessage: string;
  /** The commit's author's name (absent from runners older than the field). */
  commitAuthor?: string;
  /** The branch checked out (fills in the build's branch when the job names none). */
  branch: string;
  /**
   * A code-based build's steps, as its build.yml defines them (a graphical build's steps were
   * planned when it was triggered), and the file they were read from (its text '' when it could
   * not be read). The server keeps them with the build.
   */
  stages?: { name: string; moduleId: string }[];
  script?: { path: string; text: string };
  /**
   * A code-based build's parameters that only its build.yml gives (its `params`, and what a
   * BuildFlow passed down), with the values the build saw: its record lists them with its own.
   */
  fileParameters?: { name: string; value: string }[];
  /**
   * The build.yml is a BuildFlow: the jobs to run as builds of their own (each job's `params` are
   * its inputs over the flow file's). The server makes them; the runner's part of this build ends.
   */
  flow?: FlowReport;
}

/** A BuildFlow as the runner read it from the build's commit (domain/build-flow.ts). */
export interface FlowReport {
  strategy: FlowStrategy;
  jobs: FlowJob[];
}

/** A step starting (`running`) or ending (`success`, `error`). */
export interface StepReport {
  index: number;
  status: Exclude<StepStatus, ''>;
  /** Size of the build log when the step started or ended. */
  logOffset: number;
  /** At its end: the JUnit counts of the step's test reports, when its action names some. */
  tests?: TestCounts;
  /** With `tests`: the test cases kept (domain/test-report.ts bounds them). */
  cases?: TestCase[];
  /** With `tests`: the coverage of the step's JaCoCo or Cobertura reports, when it asked and had some. */
  coverage?: Coverage;
}

/** A piece of the build log. */
export interface LogChunk {
  offset: number;
  data: Uint8Array;
}

/** An artifact a build keeps: its name, release version and size. */
export interface ArtifactUpload {
  name: string;
  /** The release version ('' for the build number). */
  version: string;
  size: number;
}

/** An artifact's bytes from `offset` to the end of the file (`size` bytes in all). */
export interface ArtifactPart extends ArtifactUpload {
  offset: number;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Where a runner sends an artifact's bytes straight into the object store: a presigned PUT of
 * `url` with `headers`, good for a few minutes, into the object `key` names.
 */
export interface DirectArtifactTarget {
  url: string;
  key: string;
  headers: Record<string, string>;
}

/** An artifact sent straight into the object store: the object `key`, whose bytes hash to `sha256`. */
export interface DirectArtifact extends ArtifactUpload {
  key: string;
  sha256: string;
}

/** An artifact the server keeps. */
export interface StoredArtifact {
  name: string;
  version: string;
  size: number;
  sha256: string;
}

/** Where a runner fetches an artifact's bytes straight from the object store: a presigned GET of `url`. */
export interface DirectArtifactSource {
  name: string;
  size: number;
  sha256: string;
  url: string;
}

/** An artifact's bytes on their way to a build's workspace. */
export interface ArtifactDownload {
  name: string;
  size: number;
  sha256: string;
  body: AsyncIterable<Uint8Array>;
}

/** How the build ended, as the runner saw it. */
export interface BuildResult {
  state: BuildState;
}

/** Answer to extend(). */
export interface LeaseStatus {
  held: boolean;
  cancel: boolean;
}

/** What a runner says about itself: the machine it runs on and the tools builds find there. */
export interface RunnerInfo {
  /** The runner machine's host name. */
  host: string;
  /** Tool name -> version ('' when unknown): domain/tools.ts names them. */
  tools: Record<string, string>;
  /** Node's process.arch: builds that ask for an arch are routed by it. */
  arch?: string;
  /** The runner's pool (KILN_RUNNER_POOL). */
  pool?: string;
}

/** The server as a runner sees it. Every method may throw LeaseLostError once the build is no longer the runner's. */
export interface RunnerPeer {
  /** Waits for a build to run (long poll); undefined when `signal` aborts or the wait times out. */
  next(signal: AbortSignal, place?: RunnerPlace): Promise<Lease | undefined>;
  extend(recordId: string): Promise<LeaseStatus>;
  started(recordId: string, checkout: CheckoutInfo): Promise<void>;
  step(recordId: string, report: StepReport): Promise<void>;
  /**
   * Resolves with the log size after the chunk; throws LogGapError when the chunk leaves a hole,
   * LogCapError when it would go past the log's cap.
   */
  log(recordId: string, chunk: LogChunk): Promise<number>;
  done(recordId: string, result: BuildResult): Promise<void>;
  /**
   * Stores an artifact of the build (replacing one of the same name) once all its bytes arrived;
   * throws ArtifactGapError when the server holds another number of bytes of it than `offset`,
   * ArtifactRefusedError when it will not keep it.
   */
  artifact(recordId: string, part: ArtifactPart): Promise<StoredArtifact>;
  /**
   * Where to send an artifact's bytes straight into the object store, when the server's store
   * takes them so (undefined: send them with artifact()); ArtifactRefusedError when it will not
   * keep the artifact.
   */
  directArtifact(recordId: string, upload: ArtifactUpload): Promise<DirectArtifactTarget | undefined>;
  /**
   * Records an artifact sent to a directArtifact() target (replacing one of the same name; the same
   * call again answers the same); ArtifactRefusedError when the object is not what it announces.
   */
  commitDirectArtifact(recordId: string, artifact: DirectArtifact): Promise<StoredArtifact>;
  /** An artifact named by a download_artifact `url`; ArtifactRefusedError when there is none the build may read. */
  fetchArtifact(recordId: string, url: string): Promise<ArtifactDownload>;
  /**
   * fetchArtifact() as a presigned GET of the object store, when the server's store hands those
   * out (undefined: use fetchArtifact()); the same refusals.
   */
  directFetchArtifact(recordId: string, url: string): Promise<DirectArtifactSource | undefined>;
  /**
   * A file of the file manager a download_file step names; ArtifactRefusedError when there is none
   * or a user the build acts for (the job's creator, its last saver, the build's starter) may not use it.
   */
  fetchFile(recordId: string, name: string): Promise<ArtifactDownload>;
  /** Gives the build back before started(): see the lifecycle above. */
  requeue(recordId: string, request: RequeueRequest): Promise<void>;
  /**
   * Gives back a build the runner will not run (it is stopping), before started(): back at its
   * place in the queue. Answers alike when the build is no longer the runner's (a resend after a
   * lost answer, or the server took it back meanwhile).
   */
  release(recordId: string): Promise<void>;
  /** The runner's machine and tools (kept by the server, shown in the runner list). */
  announce(info: RunnerInfo): Promise<void>;
}

/** The build is no longer this runner's (stopped and taken back, lease expired, or finished). */
export class LeaseLostError extends Error {
  /** A decision, not a fault: asking again gets the same answer. */
  readonly transient = false;
  constructor(readonly recordId: string) {
    super(`build ${recordId} is no longer held by this runner`);
    this.name = 'LeaseLostError';
  }
}

/** A log chunk did not start where the server's log ends. */
export class LogGapError extends Error {
  readonly transient = false;
  constructor(readonly expectedOffset: number) {
    super(`log chunk out of place; the log has ${expectedOffset} bytes`);
    this.name = 'LogGapError';
  }
}

/** The chunk would take the build's log past the server's cap: nothing more of it is stored. */
export class LogCapError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'LogCapError';
  }
}

/** An artifact part did not start where the server's copy of the upload ends. */
export class ArtifactGapError extends Error {
  readonly transient = false;
  constructor(readonly expectedOffset: number) {
    super(`artifact part out of place; the server holds ${expectedOffset} bytes of it`);
    this.name = 'ArtifactGapError';
  }
}

/** The server will not keep or hand over this artifact (too large, a bad name, none to read). */
export class ArtifactRefusedError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactRefusedError';
  }
}
