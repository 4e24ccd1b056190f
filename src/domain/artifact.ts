import { hasControlChars } from './control-chars.ts';
import { MAX_BUILD_NUMBER } from './build.ts';
import { DAY_MS } from './time.ts';

/** The largest artifact kept, and the most a build keeps together, unless configured (KILN_ARTIFACT_*). */
export const DEFAULT_ARTIFACT_MAX_BYTES = 10 * 1024 ** 3;
export const DEFAULT_ARTIFACT_BUILD_MAX_BYTES = 50 * 1024 ** 3;

/**
 * What a build keeps of what it produced: files its `upload_artifact` steps matched (the release
 * repository of CodeArts), each stored once in Kiln's artifact store under a random key, with its
 * size, sha256 and content type. A build has at most one artifact of a name: a later upload of the
 * same name replaces it, as CodeArts' "setting it can overwrite" says.
 */
export interface Artifact {
  /** The key of its bytes in the artifact store (random, never derived from the name). */
  id: string;
  recordId: string;
  jobId: string;
  buildNumber: number;
  name: string;
  /** The release version it was uploaded as (the build number unless the step gave one). */
  version: string;
  size: number;
  sha256: string;
  contentType: string;
  createdAt: number;
}

/** A range of bytes, both ends included (as HTTP ranges). */
export interface ByteRange {
  start: number;
  end: number;
}

// TextEncoder rather than Buffer: the dashboard checks jobs with this module too.
const utf8 = new TextEncoder();

/** Longest artifact name and version. */
export const ARTIFACT_NAME_MAX = 255;

/**
 * Why `name` cannot name an artifact, or undefined when it can: a file name (no directory part),
 * not `.` or `..`, printable, at most 255 bytes.
 */
export function artifactNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'an artifact name must be a file name';
  // download_artifact writes into the workspace's top directory, where `.git` is the checkout's.
  if (name === '.git')
    return `".git" cannot be an artifact name (a download would replace the checkout's repository)`;
  if (utf8.encode(name).length > ARTIFACT_NAME_MAX)
    return `an artifact name is at most ${ARTIFACT_NAME_MAX} bytes`;
  if (/[/\\]/.test(name)) return `artifact name "${name}" has a directory part`;
  if (hasControlChars(name)) return 'an artifact name has no control characters';
  return undefined;
}

/** A version: what artifactNameProblem allows, and no wider. */
export function artifactVersionProblem(version: string): string | undefined {
  if (version === '') return undefined;
  const problem = artifactNameProblem(version);
  return problem?.replace('artifact name', 'artifact version');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jar: 'application/java-archive',
  war: 'application/java-archive',
  ear: 'application/java-archive',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
  json: 'application/json',
  xml: 'application/xml',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
  png: 'image/png',
  svg: 'image/svg+xml',
  apk: 'application/vnd.android.package-archive',
  deb: 'application/vnd.debian.binary-package',
  rpm: 'application/x-rpm',
};

/** The content type an artifact is served with, by its name's extension. */
export function artifactContentType(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Kiln's download path of an artifact (what ShowOutputInfo's `uri` and download_artifact's `url` use). */
export function artifactPath(jobId: string, buildNumber: number, name: string): string {
  return `/v1/kiln/jobs/${jobId}/${buildNumber}/artifacts/${encodeURIComponent(name)}`;
}

/** What a download_artifact `url` names: a job, a build of it, an artifact. */
export interface ArtifactAddress {
  jobId: string;
  buildNumber: number;
  name: string;
}

/**
 * Reads a download_artifact `url`: Kiln's download path, alone or in a full URL of any host
 * (the server that runs the build serves it), as artifactPath writes it. Undefined otherwise.
 */
export function parseArtifactUrl(url: string): ArtifactAddress | undefined {
  let path = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  const m = /^\/v1\/kiln\/jobs\/([0-9a-z]{32})\/([1-9][0-9]{0,9})\/artifacts\/([^/?#]+)$/.exec(path);
  // Ten digits reach past the largest build number, which no build has (and PostgreSQL refuses).
  if (!m || Number(m[2]) > MAX_BUILD_NUMBER) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[3]!);
  } catch {
    return undefined;
  }
  if (artifactNameProblem(name)) return undefined;
  return { jobId: m[1]!, buildNumber: Number(m[2]), name };
}

/** A build that kept artifacts, as retention sees it. */
export interface BuildWithArtifacts {
  recordId: string;
  number: number;
  state: string;
  finishedAt: number | null;
  /** The BuildFlow whose job this build is (the flow's build), if any. */
  flow?: { recordId: string; finishedAt: number | null };
}

/**
 * The builds whose artifacts a job's retention lets go, of `builds` (newest first): those past
 * the newest `keep.builds`, and those that finished more than `keep.days` days before `now`.
 * Never a build still running, nor the last successful one of them. A BuildFlow's jobs count as
 * one build, the flow, as in build retention: their artifacts stay while the flow runs (a later
 * job of it may download an earlier one's) and go together, once the flow is past the rules.
 */
export function artifactsToDrop(
  builds: readonly BuildWithArtifacts[],
  keep: { builds?: number; days?: number },
  now: number,
): string[] {
  if (keep.builds === undefined && keep.days === undefined) return [];
  const lastSuccess = builds.find((b) => b.state === 'SUCCESS')?.recordId;
  // Newest first, as the builds: a flow where its newest job is.
  const units = new Map<string, { members: BuildWithArtifacts[]; running: boolean; finishedAt: number }>();
  for (const b of builds) {
    const key = b.flow?.recordId ?? b.recordId;
    const unit = units.get(key) ?? { members: [], running: false, finishedAt: 0 };
    unit.members.push(b);
    unit.running ||= b.finishedAt === null || (b.flow !== undefined && b.flow.finishedAt === null);
    // A flow's age is its end (its last job's, whether or not that job kept artifacts).
    unit.finishedAt = Math.max(unit.finishedAt, b.flow?.finishedAt ?? b.finishedAt ?? 0);
    units.set(key, unit);
  }
  return [...units.values()]
    .filter((unit, index) => {
      if (unit.running) return false;
      const tooMany = keep.builds !== undefined && index >= keep.builds;
      const tooOld = keep.days !== undefined && unit.finishedAt < now - keep.days * DAY_MS;
      return tooMany || tooOld;
    })
    .flatMap((unit) => unit.members.filter((b) => b.recordId !== lastSuccess).map((b) => b.recordId));
}
