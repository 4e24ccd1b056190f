import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  artifactsToDrop,
  artifactContentType,
  artifactNameProblem,
  artifactVersionProblem,
  parseArtifactUrl,
  type Artifact,
  type ByteRange,
} from '../domain/artifact.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { newId32 } from '../domain/ids.ts';
import type { Principal } from '../domain/identity.ts';
import type { Build } from '../domain/build.ts';
import {
  ArtifactGapError,
  ArtifactRefusedError,
  type ArtifactDownload,
  type ArtifactPart,
  type ArtifactUpload,
  type DirectArtifact,
  type DirectArtifactSource,
  type DirectArtifactTarget,
  type StoredArtifact,
} from '../protocol/runner-protocol.ts';
import { ArtifactTooLargeError } from '../storage/errors.ts';
import type { ArtifactBlobStore, Storage } from '../storage/ports.ts';
import { requireJob, userMay } from './access.ts';
import { buildUsers } from './build-users.ts';
import { heldRun } from './held-run.ts';
import { storedJobDocument, type StoredSecrets } from './stored-secrets.ts';
import { maskSecretText, planSecrets } from '../domain/secret-text.ts';
import type { BuildRun } from '../storage/ports.ts';
import { toJobSpec } from '../domain/job-config.ts';

/** How long a presigned URL stays good: the runner starts it at once, and asks again on a retry. */
const DIRECT_SECONDS = 15 * 60;

/** Unfinished uploads untouched this long are dropped; unreferenced bytes this old are swept. */
const STALE_MS = 24 * 3_600_000;
const ORPHAN_MS = 3_600_000;

/**
 * Artifacts: what `upload_artifact` steps keep of a build, served through Kiln's artifact API and
 * ShowOutputInfo, and fetched by later builds' `download_artifact` steps. Bytes live in an
 * ArtifactBlobStore; a row is written once they are stored and deleted before they are, so a crash
 * leaves at most bytes no row names, which `sweep` (at start) deletes.
 */
export class ArtifactService {
  /** Uploads in progress in this process, so that a resend stops the attempt it replaces first. */
  private readonly uploading = new Map<string, { abort: AbortController; done: Promise<unknown> }>();
  /**
   * The size each unfinished upload this process began announced, which its resumed parts must
   * announce too: one announcing less would be kept cut short, one announcing more with the bytes
   * of another file after those of the first. (An upload begun before a restart is not checked.)
   */
  private readonly announced = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly blobs: ArtifactBlobStore | undefined,
    private readonly limits: { fileBytes: number; buildBytes: number },
    private readonly logger: Logger,
    private readonly stored: StoredSecrets,
  ) {}

  private store(): ArtifactBlobStore {
    if (!this.blobs)
      throw new ArtifactRefusedError('this server keeps no artifacts (no artifact store is configured)');
    return this.blobs;
  }

  /** The runner side of upload_artifact (protocol `artifact`). */
  async upload(runnerId: string, recordId: string, part: ArtifactPart): Promise<StoredArtifact> {
    const run = await heldRun(this.storage, runnerId, recordId);
    const blobs = this.store();
    await this.check(part, run);
    const uploadId = uploadIdOf(recordId, part.name);
    // A resend replaces an attempt whose connection may not have noticed yet that it is dead.
    const before = this.uploading.get(uploadId);
    if (before) {
      before.abort.abort();
      await before.done.catch(() => {});
    }
    const abort = new AbortController();
    const attempt = this.receive(blobs, uploadId, part, abort.signal);
    const entry = { abort, done: attempt };
    this.uploading.set(uploadId, entry);
    let size: number;
    try {
      size = await attempt;
    } finally {
      if (this.uploading.get(uploadId) === entry) this.uploading.delete(uploadId);
    }
    if (size < part.size) throw new ArtifactGapError(size);
    const key = newId32();
    const stored = await blobs.commitPart(uploadId, key).catch(async (error: unknown) => {
      await this.refuseIfFull(blobs, uploadId, part.name, error);
      throw error;
    });
    this.announced.delete(uploadId);
    return this.record(blobs, run.build, key, { ...part, ...stored });
  }

  /**
   * The runner side of upload_artifact with an object store that takes presigned PUTs (protocol
   * `directArtifact`): where the runner sends the bytes, an object of a key only this build can
   * record; undefined when the store takes no direct uploads (the runner then uses upload()).
   */
  async directTarget(
    runnerId: string,
    recordId: string,
    upload: ArtifactUpload,
  ): Promise<DirectArtifactTarget | undefined> {
    const run = await heldRun(this.storage, runnerId, recordId);
    const blobs = this.store();
    await this.check(upload, run);
    if (!blobs.directUpload) return undefined;
    const key = `${recordId}.${newId32()}`;
    const put = await blobs.directUpload(key, upload.size, DIRECT_SECONDS);
    return put && { key, ...put };
  }

  /**
   * Records an artifact the runner sent to a directTarget() (protocol `commitDirectArtifact`): the
   * object must be of this build's keys and hold the bytes announced. The sha256 is the runner's,
   * counted as it sent them, as the server counts those it receives. Asked again, answers the same.
   */
  async commitDirect(runnerId: string, recordId: string, sent: DirectArtifact): Promise<StoredArtifact> {
    const run = await heldRun(this.storage, runnerId, recordId);
    const blobs = this.store();
    await this.check(sent, run);
    const [keyRecord, keyId, ...more] = sent.key.split('.');
    if (keyRecord !== recordId || !/^[0-9a-f]{32}$/.test(keyId ?? '') || more.length > 0)
      throw new ArtifactRefusedError(`${sent.key} is not an object this build was given to upload to`);
    if (!/^[0-9a-f]{64}$/.test(sent.sha256))
      throw new ArtifactRefusedError('sha256 must be 64 lowercase hexadecimal digits');
    const kept = await this.storage.artifacts.find(recordId, sent.name);
    if (kept?.id === sent.key) return storedOf(kept);
    if ((await this.storage.artifacts.known([sent.key])).has(sent.key))
      throw new ArtifactRefusedError(`${sent.key} already holds another artifact of this build`);
    const size = await blobs.blobSize(sent.key);
    if (size !== sent.size) {
      await blobs.delete([sent.key]);
      throw new ArtifactRefusedError(
        size === undefined
          ? `the object store holds nothing of ${sent.name}: send it again`
          : `the object store holds ${size} bytes of ${sent.name}, not the ${sent.size} announced: send it again`,
      );
    }
    return this.record(blobs, run.build, sent.key, sent);
  }

  /**
   * Refuses an artifact Kiln will not keep: a bad name or version, too many bytes, or a name or
   * version that holds a sensitive value of the build (`name: app-${TOKEN}`): the log masks it, but
   * artifact lists and ShowOutputInfo show names to whoever may see the job (the message does not
   * repeat it).
   */
  private async check(upload: ArtifactUpload, run: BuildRun): Promise<void> {
    const problem = artifactNameProblem(upload.name) ?? artifactVersionProblem(upload.version);
    if (problem) throw new ArtifactRefusedError(problem);
    const secrets = run.plan ? planSecrets(this.stored.plan(run.plan)) : [];
    for (const [what, text] of [
      ['name', upload.name],
      ['version', upload.version],
    ] as const)
      if (maskSecretText(text, secrets) !== text)
        throw new ArtifactRefusedError(
          `an artifact's ${what} holds the value of a sensitive parameter (or a URL's credentials), which everyone who may see the job would see: give it another ${what}`,
        );
    if (upload.size > this.limits.fileBytes)
      throw new ArtifactRefusedError(
        `${upload.name} has ${upload.size} bytes; an artifact is at most ${this.limits.fileBytes} bytes (KILN_ARTIFACT_MAX_BYTES)`,
      );
    // What the build keeps with this one (which replaces its namesake): a build's steps upload one
    // file at a time, so nothing of the build's is added meanwhile.
    const kept = (await this.storage.artifacts.listByBuild(run.build.recordId))
      .filter((a) => a.name !== upload.name)
      .reduce((sum, a) => sum + a.size, 0);
    if (kept + upload.size > this.limits.buildBytes)
      throw new ArtifactRefusedError(
        `the build keeps ${kept} bytes of artifacts; ${upload.name} (${upload.size} bytes) would take it past the ${this.limits.buildBytes} bytes a build may keep (KILN_ARTIFACT_BUILD_MAX_BYTES)`,
      );
  }

  /** Writes the row of stored bytes (replacing the build's artifact of the same name, whose bytes go). */
  private async record(
    blobs: ArtifactBlobStore,
    build: Build,
    key: string,
    stored: ArtifactUpload & { sha256: string },
  ): Promise<StoredArtifact> {
    const artifact: Artifact = {
      id: key,
      recordId: build.recordId,
      jobId: build.jobId,
      buildNumber: build.number,
      name: stored.name,
      version: stored.version || String(build.number),
      size: stored.size,
      sha256: stored.sha256,
      contentType: artifactContentType(stored.name),
      createdAt: this.clock.now(),
    };
    let replaced: string | undefined;
    try {
      replaced = await this.storage.artifacts.put(artifact);
    } catch (error) {
      await blobs.delete([key]).catch(() => {});
      throw error;
    }
    // The row names `key` now: a store that does not delete the replaced bytes leaves bytes no row
    // names, which the sweep deletes; it must not cost the bytes just recorded.
    if (replaced && replaced !== key)
      await blobs
        .delete([replaced])
        .catch((error: unknown) =>
          this.logger.warn(
            { err: error, recordId: build.recordId, artifact: artifact.name },
            'the bytes of a replaced artifact were not deleted (the sweep deletes them later)',
          ),
        );
    this.logger.info(
      { recordId: build.recordId, jobId: artifact.jobId, artifact: artifact.name, size: artifact.size },
      'artifact stored',
    );
    return storedOf(artifact);
  }

  /** Appends the part where the store's copy ends; returns the copy's size. */
  private async receive(
    blobs: ArtifactBlobStore,
    uploadId: string,
    part: ArtifactPart,
    signal: AbortSignal,
  ): Promise<number> {
    const held = await blobs.partSize(uploadId);
    const began = this.announced.get(uploadId);
    if (held > 0 && began !== undefined && began !== part.size)
      throw new ArtifactRefusedError(
        `${part.name}: its upload began as ${began} bytes, not ${part.size}; a resumed part must announce the size its upload began with`,
      );
    if (held === 0 && part.offset === 0) this.announced.set(uploadId, part.size);
    if (held !== part.offset || held > part.size) {
      if (held > part.size) await blobs.discardPart(uploadId);
      throw new ArtifactGapError(held > part.size ? 0 : held);
    }
    // A whole part (a resend after its answer was lost) is kept as it is; an empty file still needs its part.
    if (held === part.size && held > 0) return held;
    try {
      return await blobs.appendPart(uploadId, part.offset, part.body, part.size, signal);
    } catch (error) {
      if (error instanceof ArtifactTooLargeError) {
        this.announced.delete(uploadId);
        await blobs.discardPart(uploadId);
        throw new ArtifactRefusedError(`${part.name} sent more than the ${part.size} bytes it announced`);
      }
      await this.refuseIfFull(blobs, uploadId, part.name, error);
      throw error;
    }
  }

  /**
   * A full disk (or quota) under the store: the part goes at once, so that the space it took is
   * free again (by default the store shares its disk with the database, which could then write
   * nothing, not even the build's end), and the upload is refused, not retried into the same wall.
   */
  private async refuseIfFull(blobs: ArtifactBlobStore, uploadId: string, name: string, error: unknown) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') return;
    this.announced.delete(uploadId);
    await blobs.discardPart(uploadId).catch(() => {});
    this.logger.error({ err: error, artifact: name }, 'the artifact store is full');
    throw new ArtifactRefusedError(
      `the server's artifact store is full (no space left on its disk): nothing of ${name} was kept`,
    );
  }

  /** The runner side of download_artifact: the artifact `url` names, if the build's user may read it. */
  async fetchForBuild(runnerId: string, recordId: string, url: string): Promise<ArtifactDownload> {
    const artifact = await this.readableByBuild(runnerId, recordId, url);
    return {
      name: artifact.name,
      size: artifact.size,
      sha256: artifact.sha256,
      body: (await this.store().read(artifact.id)) as AsyncIterable<Uint8Array>,
    };
  }

  /**
   * fetchForBuild() as a presigned GET of the object store (protocol `directFetchArtifact`), good
   * for as long as a presigned PUT; undefined when the store hands none out.
   */
  async directFetchForBuild(
    runnerId: string,
    recordId: string,
    url: string,
  ): Promise<DirectArtifactSource | undefined> {
    const artifact = await this.readableByBuild(runnerId, recordId, url);
    const blobs = this.store();
    if (!blobs.directDownload) return undefined;
    return {
      name: artifact.name,
      size: artifact.size,
      sha256: artifact.sha256,
      url: await blobs.directDownload(artifact.id, DIRECT_SECONDS),
    };
  }

  /**
   * The artifact a download_artifact `url` names, if every user the build acts for (its job's
   * creator, last saver and starter: build-users.ts) may read it, as the file manager's download_file asks.
   * A refusal says the same whoever falls short and whether the artifact exists, so a build's steps
   * cannot probe other projects for jobs.
   */
  private async readableByBuild(runnerId: string, recordId: string, url: string): Promise<Artifact> {
    const run = await heldRun(this.storage, runnerId, recordId);
    // A server that keeps no artifacts says so before anything about the url.
    this.store();
    const address = parseArtifactUrl(url);
    if (!address)
      throw new ArtifactRefusedError(
        `"${url}" is not an artifact address (/v1/kiln/jobs/{job_id}/{build_no}/artifacts/{name}, as ShowOutputInfo's uri gives it)`,
      );
    const notFound = new ArtifactRefusedError(
      `no artifact ${address.name} of build ${address.buildNumber} of job ${address.jobId} that this build may read (its job’s creator, whoever last saved the job and who started the build must all be able to read it)`,
    );
    const [own, job] = await Promise.all([
      this.storage.jobs.findById(run.build.jobId),
      this.storage.jobs.findById(address.jobId),
    ]);
    if (!own || !job) throw notFound;
    for (const { user } of await buildUsers(this.storage, own, run)) {
      if (!user || !(await userMay(this.storage, user, job, 'view'))) throw notFound;
    }
    const build = await this.storage.builds.findByNumber(address.jobId, address.buildNumber);
    const artifact = build && (await this.storage.artifacts.find(build.recordId, address.name));
    if (!artifact) throw notFound;
    return artifact;
  }

  /** A build's artifacts (Kiln's list, ShowOutputInfo). */
  async list(
    caller: Principal,
    jobId: string,
    buildNumber: number,
  ): Promise<{ artifacts: Artifact[]; projectId: string; dailyBuildNumber: string }> {
    const { build, project } = await this.findBuild(caller, jobId, buildNumber);
    return {
      artifacts: await this.storage.artifacts.listByBuild(build.recordId),
      projectId: project.id,
      dailyBuildNumber: build.dailyBuildNumber,
    };
  }

  /** An artifact's bytes (describe() checked the caller), or a range of them. */
  async bytes(artifact: Artifact, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    return this.store().read(artifact.id, range);
  }

  /** An artifact's row, for the answer's headers before its bytes are read. */
  async describe(caller: Principal, jobId: string, buildNumber: number, name: string): Promise<Artifact> {
    const { build } = await this.findBuild(caller, jobId, buildNumber);
    const artifact = await this.storage.artifacts.find(build.recordId, name);
    if (!artifact) throw new AppError('NOT_FOUND', `build ${buildNumber} has no artifact ${name}`);
    return artifact;
  }

  private async findBuild(caller: Principal, jobId: string, buildNumber: number) {
    if (!Number.isSafeInteger(buildNumber) || buildNumber < 1)
      throw invalidParam('build_no must be a positive integer');
    const access = await requireJob(this.storage, caller, jobId, 'view');
    const build = await this.storage.builds.findByNumber(jobId, buildNumber);
    if (!build) throw new AppError('BUILD_NOT_FOUND', `build ${buildNumber} of this job not found`);
    return { ...access, build };
  }

  /**
   * Applies the job's retention (job document `kiln.artifacts_keep_builds` / `_days`): forgets the
   * artifacts of builds it lets go, then deletes their bytes. Returns how many artifacts went.
   */
  async retain(jobId: string): Promise<number> {
    const job = await this.storage.jobs.findById(jobId);
    if (!job) return 0;
    const keep = toJobSpec(storedJobDocument(job.config)).artifactRetention;
    if (keep.builds === undefined && keep.days === undefined) return 0;
    const drop = artifactsToDrop(
      await this.storage.artifacts.buildsWithArtifacts(jobId),
      keep,
      this.clock.now(),
    );
    if (drop.length === 0) return 0;
    // Rows first: a crash before the bytes go leaves bytes no row names, which sweep() deletes.
    const ids = await this.storage.transaction((tx) => tx.artifacts.deleteByBuilds(drop));
    await this.blobs?.delete(ids);
    this.logger.info({ jobId, builds: drop.length, artifacts: ids.length }, 'artifacts let go by retention');
    return ids.length;
  }

  /** retain() for every job that has artifacts (the days pass without builds). */
  async retainAll(): Promise<number> {
    let gone = 0;
    for (const jobId of await this.storage.artifacts.jobsWithArtifacts()) gone += await this.retain(jobId);
    return gone;
  }

  /**
   * A build ended (here or on another server): its unfinished uploads can never be finished (a
   * stop or a timeout cut them short), so their bytes go now rather than with the stale sweep.
   */
  async ended(recordId: string): Promise<void> {
    for (const uploadId of this.announced.keys())
      if (uploadId.startsWith(`${recordId}.`)) this.announced.delete(uploadId);
    const parts = (await this.blobs?.discardParts(`${recordId}.`)) ?? 0;
    if (parts > 0) this.logger.info({ recordId, parts }, 'unfinished uploads of an ended build discarded');
  }

  /** Deletes bytes no row names (a crash between storing and recording) and stale unfinished uploads. */
  async sweep(): Promise<{ orphans: number; parts: number }> {
    if (!this.blobs) return { orphans: 0, parts: 0 };
    const now = this.clock.now();
    const parts = await this.blobs.dropStaleParts(now - STALE_MS);
    let batch: string[] = [];
    let orphans = 0;
    const flush = async () => {
      const known = await this.storage.artifacts.known(batch);
      const gone = batch.filter((k) => !known.has(k));
      await this.blobs!.delete(gone);
      orphans += gone.length;
      batch = [];
    };
    for await (const blob of this.blobs.listBlobs()) {
      // Only bytes of the keys Kiln makes: a bucket or directory may hold someone else's files
      // (readme.txt, a backup, NFS's .nfsXXXX), which no row names either.
      if (blob.storedAt > now - ORPHAN_MS || !isBlobKey(blob.key)) continue;
      batch.push(blob.key);
      if (batch.length >= 500) await flush();
    }
    if (batch.length > 0) await flush();
    if (orphans + parts > 0) this.logger.info({ orphans, parts }, 'swept artifact bytes no build names');
    return { orphans, parts };
  }
}

/** The keys of artifact bytes: newId32() through the server, `<record id>.<newId32()>` direct. */
const BLOB_KEY = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.)?[0-9a-f]{32}$/;

/** True when `key` is of a form upload() or directTarget() makes. */
export function isBlobKey(key: string): boolean {
  return BLOB_KEY.test(key);
}

/** The id of a build's upload of the artifact `name` (the store's parts are named by it). */
export function uploadIdOf(recordId: string, name: string): string {
  return `${recordId}.${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
}

/** What the runner hears of a kept artifact. */
function storedOf(a: Artifact): StoredArtifact {
  return { name: a.name, version: a.version, size: a.size, sha256: a.sha256 };
}
