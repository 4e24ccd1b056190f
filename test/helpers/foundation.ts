import { multipartForm } from '../../src/client/kiln-client.ts';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect } from 'vitest';
import { operations, type OperationId } from '../../src/contract/operations.ts';
import { reportZipName } from '../../src/domain/test-report.ts';
import { ADMIN_PASSWORD, jobBody, type TestKiln } from './app.ts';
import { TEST_DATABASE_URL } from './postgres.ts';

/**
 * Helpers for the foundation suites (auth matrix, operations, fuzz): error-body checks, identity
 * set-up through the public API, build history, and the fixture the per-operation recipes build on.
 * Shape checks against the reference are in shapes.ts, one valid request per operation in recipes.ts.
 */

// ---------------------------------------------------------------------------------------------
// Stores

/** Runs `body` once on SQLite and, when KILN_TEST_DATABASE_URL is set, once on PostgreSQL. */
export function onEveryStore(body: (store: 'sqlite' | 'postgres') => void): void {
  describe('on SQLite', () => body('sqlite'));
  describe.skipIf(!TEST_DATABASE_URL)('on PostgreSQL', () => body('postgres'));
}

// ---------------------------------------------------------------------------------------------
// Error bodies

/** The X-Request-Id every answer carries. */
export function expectRequestId(res: LightMyRequestResponse): void {
  const id = res.headers['x-request-id'];
  expect(typeof id, `X-Request-Id header on ${res.statusCode} ${res.body.slice(0, 200)}`).toBe('string');
  expect(String(id).length).toBeGreaterThan(0);
}

/** Words an error message must never carry: a stack, SQL, or a path of the server. */
export function expectNoLeak(message: string): void {
  expect(message).not.toMatch(/\n\s+at |node_modules|SQLITE_|\bselect\b.+\bfrom\b|\binsert into\b/i);
  expect(message).not.toContain(process.cwd());
}

/** A CodeArts error: `{error_code, error_msg}` and nothing else, JSON, with X-Request-Id. */
export function expectCodeArtsError(
  res: LightMyRequestResponse,
  status: number,
  errorCode: string,
  message?: string | RegExp,
): { error_code: string; error_msg: string } {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expectRequestId(res);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json() as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg']);
  expect(body.error_code).toBe(errorCode);
  expect(typeof body.error_msg).toBe('string');
  expect((body.error_msg as string).length).toBeGreaterThan(0);
  expectNoLeak(body.error_msg as string);
  if (typeof message === 'string') expect(body.error_msg).toBe(message);
  else if (message) expect(body.error_msg).toMatch(message);
  return body as { error_code: string; error_msg: string };
}

/** Keystone's titles, as IAM sends them. */
export const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An IAM error: `{error: {code, message, title}}` and nothing else, JSON, with X-Request-Id. */
export function expectKeystoneError(
  res: LightMyRequestResponse,
  status: number,
  message?: string | RegExp,
): { code: number; message: string; title: string } {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expectRequestId(res);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json() as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  const error = body.error as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'title']);
  expect(error.code).toBe(status);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expectNoLeak(error.message as string);
  if (KEYSTONE_TITLES[status]) expect(error.title).toBe(KEYSTONE_TITLES[status]);
  else expect(typeof error.title).toBe('string');
  if (typeof message === 'string') expect(error.message).toBe(message);
  else if (message) expect(error.message).toMatch(message);
  return error as { code: number; message: string; title: string };
}

/** An error in the style of the operation: Keystone for IAM operations, CodeArts otherwise. */
export function expectOperationError(
  id: OperationId,
  res: LightMyRequestResponse,
  status: number,
  errorCode: string,
  message?: string | RegExp,
): void {
  if ((operations[id] as { errorStyle?: string }).errorStyle === 'keystone')
    expectKeystoneError(res, status, message);
  else expectCodeArtsError(res, status, errorCode, message);
}

// ---------------------------------------------------------------------------------------------
// Identity through the public API

/** Who signs in: login name, password and domain name. */
export interface Credentials {
  name: string;
  password: string;
  domain: string;
}

/** The default domain's bootstrap administrator. */
export const ADMIN: Credentials = { name: 'admin', password: ADMIN_PASSWORD, domain: 'default' };

/** The body of KeystoneCreateUserTokenByPassword. */
export function tokenRequest(
  who: Credentials,
  scope: 'project' | 'domain' = 'project',
): Record<string, unknown> {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: who.name, password: who.password, domain: { name: who.domain } } },
      },
      scope: scope === 'project' ? { project: { name: 'local' } } : { domain: { name: who.domain } },
    },
  };
}

/** POST /v3/auth/tokens, answer as is. */
export function signIn(
  kiln: TestKiln,
  who: Credentials,
  scope: 'project' | 'domain' = 'project',
  query = '',
): Promise<LightMyRequestResponse> {
  return kiln.app.inject({
    method: 'POST',
    url: `/v3/auth/tokens${query}`,
    payload: tokenRequest(who, scope),
  });
}

/** A token for `who` (fails the test when sign-in fails). */
export async function tokenOf(
  kiln: TestKiln,
  who: Credentials,
  scope: 'project' | 'domain' = 'project',
): Promise<string> {
  const res = await signIn(kiln, who, scope);
  expect(res.statusCode, `sign-in of ${who.name}: ${res.body}`).toBe(201);
  return String(res.headers['x-subject-token']);
}

/** Revokes `subject` with the caller's token. */
export async function revoke(kiln: TestKiln, caller: string, subject: string): Promise<void> {
  const res = await kiln.call(caller, {
    method: 'DELETE',
    url: '/v3/auth/tokens',
    headers: { 'x-subject-token': subject },
  });
  expect(res.statusCode, res.body).toBe(204);
}

/** Creates a user of the caller's domain; returns their id. */
export async function createUser(
  kiln: TestKiln,
  adminToken: string,
  name: string,
  password: string,
  extra: { is_admin?: boolean; display_name?: string } = {},
): Promise<string> {
  const res = await kiln.call(adminToken, {
    method: 'POST',
    url: '/v1/kiln/users',
    payload: { name, password, ...extra },
  });
  expect(res.statusCode, `create user ${name}: ${res.body}`).toBe(201);
  return res.json().result.id as string;
}

/** Gives `user` (id or name) a role in a project. */
export async function setRole(
  kiln: TestKiln,
  token: string,
  projectId: string,
  user: string,
  role: 'viewer' | 'developer' | 'owner',
): Promise<void> {
  const res = await kiln.call(token, {
    method: 'PUT',
    url: `/v1/kiln/projects/${projectId}/members/${user}`,
    payload: { role },
  });
  expect(res.statusCode, `set ${user} ${role}: ${res.body}`).toBe(200);
}

/** Creates a domain with its first administrator (caller: an admin of the default domain). */
export async function createDomain(
  kiln: TestKiln,
  adminToken: string,
  name: string,
  adminName: string,
  adminPassword: string,
): Promise<{ domain_id: string; admin_user_id: string; iam_project_id: string }> {
  const res = await kiln.call(adminToken, {
    method: 'POST',
    url: '/v1/kiln/domains',
    payload: { name, admin_name: adminName, admin_password: adminPassword },
  });
  expect(res.statusCode, `create domain ${name}: ${res.body}`).toBe(201);
  return res.json().result;
}

/** Creates a project (caller: a domain admin); returns its id. */
export async function createProject(kiln: TestKiln, adminToken: string, name: string): Promise<string> {
  const res = await kiln.call(adminToken, { method: 'POST', url: '/v1/kiln/projects', payload: { name } });
  expect(res.statusCode, `create project ${name}: ${res.body}`).toBe(201);
  return res.json().result.id as string;
}

/** Creates a job; returns its id. */
export async function createJob(
  kiln: TestKiln,
  token: string,
  projectId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(projectId, overrides),
  });
  expect(res.statusCode, `create job: ${res.body}`).toBe(200);
  return res.json().result.job_id as string;
}

// ---------------------------------------------------------------------------------------------
// Build history

/** One import line: a finished BuildInfoRecord. */
export function recordLine(number: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    number,
    build_time: 1000,
    start_time: 1_700_000_000_000 + number * 60_000,
    job_running_status: 'Finished',
    state: 'SUCCESS',
    user_id: 'u',
    executor: 'admin',
    nickname: 'Admin',
    daily_build_number: `20231114.${number}`,
    trigger_type: 'Manual',
    cost_time: 1200,
    commit_id: 'abc',
    commit_info: { commit_id: 'abc', created_at: '2023-11-21T01:48:21.000+00:00' },
    build_type: 'branch',
    code_branch: 'main',
    scm_type: 'git',
    scm_web_url: '',
    commit_detail_url: '',
    ...overrides,
  });
}

/** Imports records into a job through the API. */
export async function importRecords(kiln: TestKiln, token: string, jobId: string, lines: string[]) {
  const res = await kiln.call(token, {
    method: 'POST',
    url: `/v1/kiln/jobs/${jobId}/import`,
    headers: { 'content-type': 'application/x-ndjson' },
    payload: `${lines.join('\n')}\n`,
  });
  expect(res.statusCode, `import: ${res.body}`).toBe(200);
  return res.json().result as { imported: number; skipped: number; lines: number };
}

// ---------------------------------------------------------------------------------------------
// The fixture of the per-operation recipes (recipes.ts)

/** What the per-operation recipes build on: real ids in the default domain. */
export interface Fixture {
  kiln: TestKiln;
  /** A project-scoped token of the default admin (never revoked in the suites that use it). */
  adminToken: string;
  projectId: string;
  /**
   * A job of `projectId` whose history holds build 1 (imported, 2023-11-14) and build `buildNo`
   * (run through the API and stopped before it started, so it has steps and a log).
   */
  jobId: string;
  jobName: string;
  buildNo: number;
  /** The record id (UUID) of build `buildNo`. */
  recordId: string;
  /** The record id of build 1, a BuildFlow whose one job is build `buildNo`. */
  flowRecordId: string;
  /** The job's push-webhook secret as created (rotateJobWebhookSecret may replace it). */
  webhookSecret: string;
  /** A plain user of the default domain that admin operations may change freely. */
  spareUserId: string;
  /** Unique names for things a request creates. */
  unique(prefix: string): string;
}

/** The artifact the fixture's build `buildNo` keeps. */
export const FIXTURE_ARTIFACT = 'fixture-report.txt';

/**
 * Keeps `text` as an artifact of a build, through the same store calls an upload makes (for
 * tests about reading artifacts, which need no build that makes one).
 */
export async function seedArtifact(
  kiln: TestKiln,
  at: { recordId: string; jobId: string; buildNumber: number; name: string },
  text: string,
): Promise<void> {
  const uploadId = `seed.${at.recordId}`;
  const bytes = Buffer.from(text);
  await kiln.artifactBlobs.appendPart(
    uploadId,
    0,
    (async function* () {
      yield bytes;
    })(),
    bytes.length,
  );
  const key = randomBytes(16).toString('hex');
  const stored = await kiln.artifactBlobs.commitPart(uploadId, key);
  await kiln.storage.artifacts.put({
    id: key,
    ...at,
    version: String(at.buildNumber),
    size: stored.size,
    sha256: stored.sha256,
    contentType: 'text/plain',
    createdAt: Date.now(),
  });
}

/**
 * What the artifact, test-report and flow-graph recipes read: the artifact FIXTURE_ARTIFACT of
 * build `buildNo`, a JUnit report read by its first step (and its zip),
 * and build 1 standing for a BuildFlow whose one job is build `buildNo`. Returns build 1's record id.
 */
export async function seedOutputs(kiln: TestKiln, jobId: string, buildNo: number): Promise<string> {
  const build = (await kiln.storage.builds.findByNumber(jobId, buildNo))!;
  await seedArtifact(
    kiln,
    { recordId: build.recordId, jobId, buildNumber: buildNo, name: FIXTURE_ARTIFACT },
    'kept bytes\n',
  );
  // A runner announced its tools: the build environment ShowDockerfileTemplate writes out.
  await kiln.storage.runners.putTools({
    runnerId: 'local:fixture',
    host: 'fixture',
    tools: { git: '2.39.5' },
    arch: 'x64',
    pool: null,
    reportedAt: Date.now(),
  });
  // Step 1 read a JUnit report: its counts, one failing case, and the zip of its files.
  await kiln.storage.steps.update(build.recordId, 0, {
    tests: { tests: 2, failures: 1, errors: 0, skipped: 0 },
  });
  await kiln.storage.testCases.replace(build.recordId, 0, [
    {
      suite: 's',
      className: 'demo.T',
      name: 'fails',
      status: 'failed',
      durationMs: 3,
      message: 'expected 1',
      detail: '',
    },
    {
      suite: 's',
      className: 'demo.T',
      name: 'passes',
      status: 'passed',
      durationMs: 1,
      message: '',
      detail: '',
    },
  ]);
  await seedArtifact(
    kiln,
    { recordId: build.recordId, jobId, buildNumber: buildNo, name: reportZipName(0) },
    'PK fixture zip bytes',
  );
  const flowRecordId = (await kiln.storage.builds.findByNumber(jobId, 1))!.recordId;
  await kiln.storage.flows.create(flowRecordId, 'eager', [
    {
      childId: build.recordId,
      position: 0,
      name: 'only-job',
      dependsOn: [],
      buildRef: 'job.yml',
      started: true,
    },
  ]);
  return flowRecordId;
}

/** Sets up a Fixture through the API (an admin token, a job with two builds, a spare user). */
export async function buildFixture(kiln: TestKiln, jobName = 'fixture-job'): Promise<Fixture> {
  const adminToken = await tokenOf(kiln, ADMIN);
  const projectId = await kiln.defaultProjectId();
  const jobId = await createJob(kiln, adminToken, projectId, { job_name: jobName });
  await importRecords(kiln, adminToken, jobId, [recordLine(1)]);

  const run = await kiln.call(adminToken, {
    method: 'POST',
    url: '/v3/jobs/build',
    payload: { job_id: jobId },
  });
  expect(run.statusCode, `run: ${run.body}`).toBe(200);
  const buildNo = Number(run.json().actual_build_number);
  const stop = await kiln.call(adminToken, { method: 'POST', url: `/v3/jobs/${jobId}/${buildNo}/stop` });
  expect(stop.statusCode, `stop: ${stop.body}`).toBe(200);
  const detail = await kiln.call(adminToken, {
    method: 'GET',
    url: `/v4/jobs/${jobId}/${buildNo}/record-info`,
  });
  expect(detail.statusCode, `record-info: ${detail.body}`).toBe(200);
  const hook = await kiln.call(adminToken, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/webhook` });
  expect(hook.statusCode, `webhook: ${hook.body}`).toBe(200);

  const recordId = detail.json().result.id as string;
  const flowRecordId = await seedOutputs(kiln, jobId, buildNo);

  const spareUserId = await createUser(kiln, adminToken, 'spare', 'spare-password-1');
  let n = 0;
  return {
    kiln,
    adminToken,
    projectId,
    jobId,
    jobName,
    buildNo,
    recordId,
    flowRecordId,
    webhookSecret: hook.json().result.secret as string,
    spareUserId,
    unique: (prefix) => `${prefix}-${++n}`,
  };
}

/** A multipart/form-data body with text fields and one file (field "file"), as browsers and SDKs send it. */
export function formBody(
  fields: Record<string, string>,
  file?: { name: string; data: Buffer | string },
): { payload: Buffer; headers: Record<string, string> } {
  const form = multipartForm(fields, file && { name: file.name, data: Buffer.from(file.data) });
  return { payload: Buffer.from(form.data), headers: { 'content-type': form.contentType } };
}

/** Uploads a file to the file manager as `token`'s user; its id. */
export async function uploadFile(
  kiln: TestKiln,
  token: string,
  name: string,
  data: Buffer | string,
  privacy: 'public' | 'private' = 'private',
): Promise<string> {
  const res = await kiln.call(token, {
    method: 'POST',
    url: '/v2/keystore/upload',
    ...formBody({ privacy, description: `the ${name} file` }, { name, data }),
  });
  expect(res.statusCode, `upload ${name}: ${res.body}`).toBe(200);
  return res.json().result.keystore_id as string;
}
