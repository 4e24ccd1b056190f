import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { addAbortSignal, Transform } from 'node:stream';
import picomatch from 'picomatch';
import { artifactNameProblem } from '../domain/artifact.ts';
import { isTransient, retry } from '../domain/retry.ts';
import type { UploadInputs } from '../domain/tool-inputs.ts';
import {
  ArtifactGapError,
  type ArtifactDownload,
  type ArtifactUpload,
  type RunnerPeer,
  type StoredArtifact,
} from '../protocol/runner-protocol.ts';
import { getDirect, putFileDirect } from './direct-transfer.ts';
import { openBeneath, type FileBeneath } from './file-beneath.ts';
import { REPORT_BACKOFF } from './persist.ts';
import { MAX_DEPTH, walkWorkspace } from './workspace-walk.ts';

/** Where a build's artifact steps read and write, and how they report. */
export interface TransferContext {
  peer: RunnerPeer;
  recordId: string;
  /** The workspace on the runner's side. */
  workspace: string;
  /** The workspace as the build sees it (`${WORKSPACE}`). */
  buildWorkspace: string;
  /** The build's user, who owns what a download writes (absent when the runner's user is the build's). */
  owner: { uid: number; gid: number } | undefined;
  signal: AbortSignal;
  line: (text: string) => void;
  /** How long transfers retry through an outage. */
  patienceMs: number;
  /**
   * The files of the file manager this build's download_file steps wrote so far (upload_artifact
   * keeps none of their bytes); absent where nothing downloads one.
   */
  fromFileManager?: { name: string; size: number; sha256: string }[];
}

/** Most files one upload_artifact step keeps, and most entries its walk of the workspace visits. */
const MAX_FILES = 1_000;
const MAX_VISITED = 200_000;

/**
 * An upload_artifact step: keeps each regular file of the workspace its glob matches as an artifact
 * of the build. The walk follows no symbolic link and skips `.git`; files are opened following no
 * link in any component (file-beneath.ts).
 * The previous command's processes are all gone when it runs (the runner checks from outside:
 * supervised-session.ts, settle), so nothing of the build changes the files meanwhile.
 */
export async function uploadArtifacts(ctx: TransferContext, upload: UploadInputs): Promise<boolean> {
  // `${WORKSPACE}/dist/*.jar` names the same files as `dist/*.jar`.
  const inside = `${ctx.buildWorkspace.replace(/\/+$/, '')}/`;
  const pattern = (
    upload.pattern.startsWith(inside) ? upload.pattern.slice(inside.length) : upload.pattern
  ).replace(/^\.\//, '');
  if (pattern.startsWith('/') || pattern.split('/').includes('..')) {
    ctx.line(`upload_artifact: path "${upload.pattern}" must be a glob inside the workspace`);
    return false;
  }
  const found = await matchFiles(ctx.workspace, pattern);
  if (found.overflow) {
    ctx.line(
      found.overflow === 'files'
        ? `upload_artifact: "${upload.pattern}" matches more than ${MAX_FILES} files; narrow it`
        : `upload_artifact: the workspace has more than ${MAX_VISITED} entries, or directories more than ${MAX_DEPTH} deep, to look through`,
    );
    return false;
  }
  if (found.files.length === 0) {
    ctx.line(`upload_artifact: no file of the workspace matches "${upload.pattern}"`);
    return false;
  }
  // Every name is checked before the first file goes: a name no artifact may have fails the step
  // before any file is kept.
  for (const file of found.files) {
    const problem = artifactNameProblem(upload.name || basename(file));
    if (problem) {
      ctx.line(`upload_artifact: ${JSON.stringify(file)} cannot be kept: ${problem}; nothing was kept`);
      return false;
    }
  }
  // A file of the file manager (a keystore, a settings.xml with passwords), or a copy of it, is
  // never kept: an artifact is downloadable by everyone who may see the job, who may not be allowed
  // to use the file. `**/*` or `*.jks` catches it easily.
  for (const file of found.files) {
    const secret = await fileManagerBytes(ctx, file);
    if (secret) {
      ctx.line(
        `upload_artifact: ${JSON.stringify(file)} holds the bytes of ${secret}, the file manager's file this build got with download_file; an artifact is downloadable by everyone who may see the job, so it cannot be kept; nothing was kept`,
      );
      return false;
    }
  }
  const kept = new Map<string, string>();
  for (const file of found.files) {
    if (ctx.signal.aborted) return false;
    const name = upload.name || basename(file);
    const earlier = kept.get(name);
    if (earlier) ctx.line(`upload_artifact: ${file} replaces ${earlier} as artifact ${name}`);
    const stored = await keepFile(ctx, { root: ctx.workspace, path: file }, name, upload.version);
    kept.set(name, file);
    ctx.line(
      `kept ${file} as artifact ${stored.name} ${stored.version} (${describeSize(stored.size)}, sha256 ${stored.sha256})`,
    );
  }
  return true;
}

/**
 * Sends one file (beneath a directory of the runner's, never through a link: file-beneath.ts) as an artifact of the build, resuming where the server's copy ends. After a failure the runner does not know
 * how much arrived, so it first sends an empty part at the file's end: the server answers with the
 * size it holds (or, holding it all, keeps the file), and no byte crosses the network twice.
 */
export async function keepFile(
  ctx: TransferContext,
  file: FileBeneath,
  name: string,
  version: string,
): Promise<StoredArtifact> {
  const size = await sizeOf(file);
  const direct = await sendDirect(ctx, file, { name, version, size });
  if (direct) return direct;
  let offset = 0;
  return retry(
    async () => {
      // Stopped while waiting to retry: no new attempt.
      ctx.signal.throwIfAborted();
      const handle = await openBeneath(file, constants.O_RDONLY);
      // A stop or the build's timeout ends the upload under way, not only the files after it.
      const body = addAbortSignal(
        ctx.signal,
        handle.createReadStream({ start: offset, highWaterMark: 1024 * 1024 }),
      );
      // The peer may read the body only after a while (the server's own runner reads the database
      // first): an error meanwhile (the stop) stays on the stream for it, instead of being an
      // 'error' nobody listens to, which ends the process.
      body.on('error', () => {});
      try {
        return await ctx.peer.artifact(ctx.recordId, { name, version, size, offset, body });
      } catch (error) {
        offset = error instanceof ArtifactGapError ? error.expectedOffset : size;
        throw error;
      } finally {
        body.destroy();
        await handle.close().catch(() => {});
      }
    },
    {
      backoff: REPORT_BACKOFF,
      patienceMs: ctx.patienceMs,
      signal: ctx.signal,
      transient: (error) => error instanceof ArtifactGapError || isTransient(error),
    },
  );
}

/**
 * A download_artifact step: the artifact its url names, written to the workspace's top directory
 * under the artifact's name (replacing what is there, never through a link), owned by the build's
 * user, its size and sha256 checked.
 */
export async function downloadArtifact(ctx: TransferContext, url: string): Promise<boolean> {
  return retry(
    async () => {
      const found = (await fetchDirect(ctx, url)) ?? (await ctx.peer.fetchArtifact(ctx.recordId, url));
      const sha256 = await writeDownload(ctx, found, 0o644);
      ctx.line(
        `downloaded artifact ${found.name} (${describeSize(found.size)}, sha256 ${sha256}) into the workspace`,
      );
      return true;
    },
    { backoff: REPORT_BACKOFF, patienceMs: ctx.patienceMs, signal: ctx.signal },
  );
}

/**
 * A download_file step: the file manager's file of that name, written to the workspace's top
 * directory (replacing what is there, never through a link), readable by the build's user alone
 * (0600), its size and sha256 checked. Its bytes never reach the log; it goes with the workspace.
 */
export async function downloadFile(ctx: TransferContext, name: string): Promise<boolean> {
  return retry(
    async () => {
      const found = await ctx.peer.fetchFile(ctx.recordId, name);
      await writeDownload(ctx, found, 0o600);
      ctx.fromFileManager?.push({ name: found.name, size: found.size, sha256: found.sha256 });
      ctx.line(
        `downloaded file ${found.name} (${describeSize(found.size)}) of the file manager into the workspace (mode 0600)`,
      );
      return true;
    },
    { backoff: REPORT_BACKOFF, patienceMs: ctx.patienceMs, signal: ctx.signal },
  );
}

/**
 * Writes a download to the workspace's top directory under its name (replacing what is there,
 * never through a link), owned by the build's user with `mode`; checks its size and sha256 (a
 * damaged one is removed and retried). Returns the sha256.
 */
async function writeDownload(ctx: TransferContext, found: ArtifactDownload, mode: number): Promise<string> {
  const target = join(ctx.workspace, basename(found.name));
  await rm(target, { force: true, recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const file = await open(
    target,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  if (ctx.owner) await file.chown(ctx.owner.uid, ctx.owner.gid);
  await pipeline(found.body, count, createWriteStream('', { fd: file }), { signal: ctx.signal });
  const sha256 = hash.digest('hex');
  if (size !== found.size || sha256 !== found.sha256) {
    await rm(target, { force: true });
    throw new Error(`${found.name} arrived damaged (${size} bytes, sha256 ${sha256})`);
  }
  return sha256;
}

/**
 * The name of the file manager's file (of those this build downloaded) whose bytes the workspace
 * file `path` holds, if any. Only a file of the same size is read (file-manager files are small).
 */
async function fileManagerBytes(ctx: TransferContext, path: string): Promise<string | undefined> {
  const downloaded = ctx.fromFileManager ?? [];
  if (downloaded.length === 0) return undefined;
  const file = { root: ctx.workspace, path };
  const size = await sizeOf(file);
  const same = downloaded.filter((d) => d.size === size);
  if (same.length === 0) return undefined;
  const handle = await openBeneath(file, constants.O_RDONLY);
  const hash = createHash('sha256');
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }))
      hash.update(chunk as Buffer);
  } finally {
    await handle.close().catch(() => {});
  }
  const sha256 = hash.digest('hex');
  return same.find((d) => d.sha256 === sha256)?.name;
}

/** Workspace files (relative paths) the glob matches. */
async function matchFiles(
  workspace: string,
  pattern: string,
): Promise<{ files: string[]; overflow?: 'files' | 'entries' }> {
  const matches = picomatch(pattern, { dot: true });
  const files: string[] = [];
  const whole = await walkWorkspace(
    workspace,
    (path, isDirectory) => {
      if (isDirectory || !matches(path)) return;
      files.push(path);
      return files.length > MAX_FILES ? 'stop' : undefined;
    },
    MAX_VISITED,
  );
  const overflow = files.length > MAX_FILES ? 'files' : whole ? undefined : 'entries';
  return { files, ...(overflow && { overflow }) };
}

/** The size of a regular file, opened following no link; throws for anything else. */
export async function sizeOf(file: FileBeneath): Promise<number> {
  const handle = await openBeneath(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${file.path} is not a regular file`);
    return stat.size;
  } finally {
    await handle.close();
  }
}

/** "6 bytes", "2.4 MiB", "1.2 GiB". */
export function describeSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/**
 * Sends a file straight into the server's object store when the store takes it so (a presigned
 * PUT: the bytes never pass through the server), then has the server record it. Undefined when the
 * store does not, or cannot be reached from this runner (its address may be one only the servers
 * reach): the caller then sends the bytes through the server.
 */
async function sendDirect(
  ctx: TransferContext,
  file: FileBeneath,
  upload: ArtifactUpload,
): Promise<StoredArtifact | undefined> {
  const target = await ctx.peer.directArtifact(ctx.recordId, upload);
  if (!target) return undefined;
  let sha256: string;
  try {
    sha256 = await putFileDirect(target, file, upload.size, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.line(
      `upload_artifact: the object store did not take ${upload.name} from this runner (${(error as Error).message}); sending it through the server`,
    );
    return undefined;
  }
  return ctx.peer.commitDirectArtifact(ctx.recordId, { ...upload, key: target.key, sha256 });
}

/**
 * An artifact straight from the server's object store when the store hands out presigned GETs
 * (the bytes never pass through the server; writeDownload checks them as ever). Undefined when it
 * does not, or cannot be reached from this runner: the caller then fetches through the server.
 */
async function fetchDirect(ctx: TransferContext, url: string): Promise<ArtifactDownload | undefined> {
  const source = await ctx.peer.directFetchArtifact(ctx.recordId, url);
  if (!source) return undefined;
  try {
    return { ...source, body: await getDirect(source, ctx.signal) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.line(
      `download_artifact: the object store did not give ${source.name} to this runner (${(error as Error).message}); fetching it through the server`,
    );
    return undefined;
  }
}
