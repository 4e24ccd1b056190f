import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { openArtifact, type ArtifactAddress } from '../client/artifact-download.ts';
import type { KilnClient } from '../client/kiln-client.ts';
import { artifactNameProblem } from '../domain/artifact.ts';
import { formatBytes } from '../domain/artifact-text.ts';
import { CliError, EXIT } from './context.ts';
import { fileProblem } from './file-problem.ts';

/** What the list said about an artifact: what the file on disk is checked against. */
export interface ExpectedArtifact {
  name: string;
  size: number;
  sha256: string;
}

/** How a download ended: fetched (from `resumedFrom` on), or already on disk with the right digest. */
export type SaveOutcome = { kind: 'fetched'; resumedFrom: number } | { kind: 'present' };

/**
 * Where artifact `name` goes in `dir`. The name comes from the server, which already refuses names
 * with a directory part; the CLI checks again, because a name that climbs out (`../x`, `/etc/x`)
 * would write wherever the server said.
 */
export function artifactPath(dir: string, name: string): string {
  const root = resolve(dir);
  const target = resolve(root, name);
  const problem = artifactNameProblem(name) ?? (dirname(target) !== root ? 'it leaves the directory' : '');
  if (problem)
    throw new CliError(`refusing to write artifact ${JSON.stringify(name)} into ${dir}: ${problem}`);
  return target;
}

const sizeOf = (path: string) =>
  stat(path).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );

/** Feeds a file's bytes into `hash` (a resumed download's digest starts with what is on disk). */
async function hashInto(hash: Hash, path: string): Promise<Hash> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

const digestOf = async (path: string) => (await hashInto(createHash('sha256'), path)).digest('hex');

/** Longest file name most filesystems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;

/**
 * Where an unfinished download of `target` is kept: `target.part`, or a hidden name made from it,
 * the same each run so that an interrupted download is still resumed, when that name would be
 * longer than a file name may be (an artifact's name may use all 255 bytes) or is `taken` (the
 * build has an artifact of that name: its download would be taken for this one's start).
 */
export function partPath(target: string, taken = false): string {
  const name = basename(target);
  if (!taken && Buffer.byteLength(`${name}.part`) <= NAME_MAX) return `${target}.part`;
  return join(dirname(target), `.${createHash('sha256').update(name).digest('hex').slice(0, 32)}.part`);
}

/**
 * Saves one artifact as `target`: streamed to `target.part` (partPath; never whole in memory) while its
 * sha256 is computed, checked against the server's digest, then renamed into place. A `.part`
 * left by an interrupted run is resumed with a Range request (If-Range keeps it from being
 * spliced onto a different artifact: the server then sends the whole new one). A target already
 * holding the artifact's bytes is left as it is.
 */
export async function saveArtifact(
  client: KilnClient,
  at: ArtifactAddress,
  expected: ExpectedArtifact,
  target: string,
  onBytes: (bytesOnDisk: number, received: number) => void,
  options: { signal?: AbortSignal; partTaken?: boolean } = {},
): Promise<SaveOutcome> {
  const { signal } = options;
  if ((await sizeOf(target)) === expected.size && (await digestOf(target)) === expected.sha256)
    return { kind: 'present' };
  const part = partPath(target, options.partTaken);
  // Where the file goes is checked before any byte is fetched: a directory in the way, or a place
  // this user may not write, is said at once, and no retry would help.
  if ((await stat(target).catch(() => undefined))?.isDirectory())
    throw new CliError(`cannot save ${at.name}: ${target} is a directory`);
  let held = await sizeOf(part);
  await open(part, 'a').then(
    // A probe: a part made here goes again (a download that then fails leaves nothing).
    async (file) => {
      await file.close();
      if (held === undefined) await rm(part, { force: true });
    },
    (error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot write ${part}: ${fileProblem(error)}`);
    },
  );
  if (
    held !== undefined &&
    (held > expected.size || (held === expected.size && (await digestOf(part)) !== expected.sha256))
  ) {
    // Longer than the artifact, or all of its length but other bytes: not a prefix of it.
    await rm(part, { force: true });
    held = undefined;
  }
  let resumedFrom = 0;
  if (held !== expected.size) {
    // The bytes may take an hour to come, but not a minute of silence (a server or proxy that
    // stalled): the download then stops, its part kept for the next run to resume.
    const silent = new AbortController();
    const stop = () => silent.abort();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const listen = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        silent.abort();
      }, client.answerTimeoutMs);
    };
    const stream = await openArtifact(client, at, {
      from: held ?? 0,
      sha256: expected.sha256,
      signal: silent.signal,
    }).catch((error: unknown) => {
      signal?.removeEventListener('abort', stop);
      throw error;
    });
    if (stream.start !== 0 && stream.start !== held)
      throw new CliError(`the server sent ${at.name} from byte ${stream.start}, not from ${held ?? 0}`);
    resumedFrom = stream.start;
    const hash = resumedFrom > 0 ? await hashInto(createHash('sha256'), part) : createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        listen();
        hash.update(chunk);
        received += chunk.length;
        onBytes(resumedFrom + received, received);
        done(null, chunk);
      },
    });
    try {
      listen();
      await pipeline(
        Readable.fromWeb(stream.body as NodeReadableStream<Uint8Array>),
        meter,
        createWriteStream(part, { flags: resumedFrom > 0 ? 'a' : 'w' }),
      );
    } catch (error) {
      const local = (error as NodeJS.ErrnoException).syscall !== undefined;
      const why = signal?.aborted
        ? 'interrupted'
        : stalled
          ? `the server sent nothing for ${client.answerTimeoutMs / 1000} s`
          : local
            ? `writing ${part}: ${fileProblem(error as NodeJS.ErrnoException)}`
            : (error as Error).message;
      throw new CliError(
        `the download of ${at.name} stopped at ${formatBytes(resumedFrom + received)} of ` +
          `${formatBytes(expected.size)} (${why}); run the command again to resume`,
        signal?.aborted ? EXIT.interrupted : EXIT.failed,
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
    await checkDigest(part, hash.digest('hex'), stream.sha256 || expected.sha256, at.name);
  }
  await rename(part, target);
  return { kind: 'fetched', resumedFrom };
}

/** Removes a download whose bytes are not the artifact's: keeping it would resume a wrong prefix. */
async function checkDigest(part: string, actual: string, wanted: string, name: string): Promise<void> {
  if (actual === wanted) return;
  await rm(part, { force: true });
  throw new CliError(
    `${name}: sha256 mismatch (expected ${wanted}, got ${actual}); the download was removed, run the command again`,
  );
}
