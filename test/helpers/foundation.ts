import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createHmac } from 'node:crypto';
import { describe, expect } from 'vitest';
import { operations, type OperationId } from '../../src/contract/operations.ts';
import { ADMIN_PASSWORD, jobBody, type TestKiln } from './app.ts';
import { TEST_DATABASE_URL } from './postgres.ts';

/**
 * Helpers for the foundation suites (auth matrix, operations, fuzz): error-body checks, shape checks
 * against the reference, identity set-up through the public API, and one valid request per operation.
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
// Shapes (field for field, type for type)

/** A JSON type, an object shape (exact keys), or `[item]` for an array. `?` marks an optional key. */
export type Shape =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'null'
  | 'any'
  | readonly [Shape]
  | { readonly [key: string]: Shape };

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return true;
  }
}

/** Asserts `value` has exactly the keys of `shape` (optional ones marked `key?`) with those types. */
export function expectShape(value: unknown, shape: Shape, path = '$'): void {
  if (typeof shape === 'string') {
    expect(typeOk(value, shape), `${path} should be ${shape}, got ${JSON.stringify(value)}`).toBe(true);
    return;
  }
  if (Array.isArray(shape)) {
    expect(Array.isArray(value), `${path} should be an array`).toBe(true);
    (value as unknown[]).forEach((item, i) => expectShape(item, shape[0] as Shape, `${path}[${i}]`));
    return;
  }
  expect(
    value !== null && typeof value === 'object' && !Array.isArray(value),
    `${path} should be an object`,
  ).toBe(true);
  const obj = value as Record<string, unknown>;
  const entries = Object.entries(shape as Record<string, Shape>);
  const required = entries.filter(([k]) => !k.endsWith('?')).map(([k]) => k);
  const optional = entries.filter(([k]) => k.endsWith('?')).map(([k]) => k.slice(0, -1));
  const extra = Object.keys(obj).filter((k) => !required.includes(k) && !optional.includes(k));
  expect(extra, `${path} has fields the reference does not have`).toEqual([]);
  const missing = required.filter((k) => !(k in obj));
  expect(missing, `${path} lacks fields of the reference`).toEqual([]);
  for (const [key, sub] of entries) {
    const name = key.endsWith('?') ? key.slice(0, -1) : key;
    if (name in obj) expectShape(obj[name], sub, `${path}.${name}`);
  }
}

/** Reference shapes of the answers (reference Appendix A; Kiln's own from its contract). */
export const SHAPES = {
  jobIdResult: { result: { job_id: 'string' }, error: 'null', status: 'string' },
  deleteBuildJob: { result: { job_id: 'string', project_id: 'string' }, status: 'string' },
  deleteTheJob: { result: { job_id: 'string', project_id: 'string' }, status: 'string', error: 'null' },
  statusOnly: { status: 'string' },
  jobListItem: {
    id: 'string',
    job_name: 'string',
    job_creator: 'string',
    user_name: 'string',
    last_build_time: 'number',
    health_score: 'integer',
    source_code: 'string',
    last_build_status: 'string',
    is_finished: 'boolean',
    disabled: 'boolean',
    favorite: 'boolean',
    is_modify: 'boolean',
    is_delete: 'boolean',
    is_execute: 'boolean',
    is_copy: 'boolean',
    is_forbidden: 'boolean',
    is_view: 'boolean',
    last_build_user: 'string',
    trigger_type: 'string',
    build_time: 'integer',
    scm_web_url: 'string',
    scm_type: 'string',
    repo_id: 'string',
    build_project_id: 'string',
    last_job_running_status: 'string',
    last_build_user_id: 'string',
  },
  relatedProjects: {
    result: {
      total: 'number',
      project_info_list: [
        {
          identifier: 'string',
          name: 'string',
          author_id: 'string',
          is_creator: 'boolean',
          author_domain_id: 'string',
        },
      ],
    },
    error: 'null',
    status: 'string',
  },
  relatedProjectsPage: {
    result: {
      total: 'number',
      project_info_list: [
        {
          identifier: 'string',
          name: 'string',
          author_id: 'string',
          status: 'integer',
          author_domain_id: 'string',
        },
      ],
    },
    error: 'null',
    status: 'string',
  },
  user: {
    id: 'string',
    domain_id: 'string',
    name: 'string',
    display_name: 'string',
    is_admin: 'boolean',
    disabled: 'boolean',
    created_at: 'integer',
  },
  member: { user_id: 'string', user_name: 'string', display_name: 'string', role: 'string' },
  project: {
    id: 'string',
    name: 'string',
    description: 'string',
    creator_id: 'string',
    created_at: 'integer',
  },
  domain: { domain_id: 'string', name: 'string', admin_user_id: 'string', iam_project_id: 'string' },
} as const satisfies Record<string, Shape>;

/** `{result: <shape>, error: null, status: string}`. */
export function envelope(result: Shape): Shape {
  return { result, error: 'null', status: 'string' };
}

/** The Keystone token body (reference §6.1). */
export function tokenShape(scope: 'project' | 'domain', catalog: boolean): Shape {
  const idName = { id: 'string', name: 'string' } as const;
  return {
    token: {
      ...(catalog && {
        catalog: [
          {
            endpoints: [
              { id: 'string', interface: 'string', region: 'string', region_id: 'string', url: 'string' },
            ],
            id: 'string',
            name: 'string',
            type: 'string',
          },
        ],
      }),
      ...(scope === 'domain'
        ? { domain: idName }
        : { project: { domain: idName, id: 'string', name: 'string' } }),
      expires_at: 'string',
      issued_at: 'string',
      methods: ['string'],
      roles: [idName],
      user: { domain: idName, id: 'string', name: 'string', password_expires_at: 'string' },
    },
  };
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
// One valid request per operation

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
  /** The job's push-webhook secret. */
  webhookSecret: string;
  /** A plain user of the default domain that admin operations may change freely. */
  spareUserId: string;
  /** Unique names for things a request creates. */
  unique(prefix: string): string;
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

  const spareUserId = await createUser(kiln, adminToken, 'spare', 'spare-password-1');
  let n = 0;
  return {
    kiln,
    adminToken,
    projectId,
    jobId,
    jobName,
    buildNo,
    recordId: detail.json().result.id as string,
    webhookSecret: hook.json().result.secret as string,
    spareUserId,
    unique: (prefix) => `${prefix}-${++n}`,
  };
}

/**
 * Which default-domain resource a request names: it decides what a stranger is told. `credential`
 * is a token or access key of the caller (for a stranger, one of the default admin's).
 */
export type Names = 'job' | 'record' | 'project' | 'user' | 'credential' | 'nothing';

/**
 * What the operation asks of the caller's role: project roles (`read` viewer, `write` developer,
 * `manage` owner), `admin` an administrator of the caller's domain, `operator` an administrator of
 * the default domain (things that span domains), `self` only a valid token.
 */
export type Needs = 'public' | 'read' | 'write' | 'manage' | 'admin' | 'operator' | 'self';

/** How to build one valid-shaped request of an operation. */
export interface Recipe {
  names: Names;
  needs: Needs;
  /** `caller` is who will send it (token operations check a fresh token of theirs). */
  request(fx: Fixture, caller: Credentials): Promise<InjectOptions>;
}

const BUILD_STEP = 'say hello';

const WINDOW = 'start_time=2023-11-01%2000%3A00%3A00&end_time=2023-11-30%2023%3A59%3A59';

/** A recipe for every operation of the route table (a missing one fails the auth matrix). */
export const RECIPES: Record<OperationId, Recipe> = {
  keystoneCreateUserTokenByPassword: {
    names: 'nothing',
    needs: 'public',
    request: async () => ({ method: 'POST', url: '/v3/auth/tokens', payload: tokenRequest(ADMIN) }),
  },
  keystoneValidateToken: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-subject-token': await tokenOf(fx.kiln, caller) },
    }),
  },
  keystoneRevokeToken: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-subject-token': await tokenOf(fx.kiln, caller) },
    }),
  },
  showRelatedProject: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'GET', url: '/v1/domain/project/related' }),
  },
  listRelatedProjectInfo: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'GET', url: '/v1/domain/project/related-page?page_no=1&page_size=10' }),
  },
  createBuildJob: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(fx.projectId, { job_name: fx.unique('job') }),
    }),
  },
  createNewJob: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/create',
      payload: jobBody(fx.projectId, { job_name: fx.unique('job') }),
    }),
  },
  updateBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/update',
      payload: { ...jobBody(fx.projectId, { job_name: fx.jobName }), job_id: fx.jobId },
    }),
  },
  updateNewJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/update',
      payload: { ...jobBody(fx.projectId, { job_name: fx.jobName }), job_id: fx.jobId },
    }),
  },
  listJobConfig: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/query` }),
  },
  showJobConfig: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/config` }),
  },
  deleteBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/delete` }),
  },
  deleteTheJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'DELETE', url: `/v1/job/${fx.jobId}/delete` }),
  },
  disableBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/disable` }),
  },
  enableBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/recover` }),
  },
  showJobListByProjectId: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/${fx.projectId}/jobs?page_index=0&page_size=10` }),
  },
  listProjectJobs: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.projectId}/list?page_index=0&page_size=10` }),
  },
  listBuildInfoRecord: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/build-info-records?${WINDOW}` }),
  },
  listBuildInfoRecordByJobId: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/list?${WINDOW}` }),
  },
  showBuildInfoRecord: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/1/build-info-record` }),
  },
  showJobSuccessRatio: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/success-ratio?start_time=2023-11-01&end_time=2023-11-30`,
    }),
  },
  importBuildRecords: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/kiln/jobs/${fx.jobId}/import`,
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `${recordLine(1)}\n`,
    }),
  },
  runJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: '/v3/jobs/build', payload: { job_id: fx.jobId } }),
  },
  executeJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: '/v1/job/execute', payload: { job_id: fx.jobId } }),
  },
  stopBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/stop` }),
  },
  stopJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/stop',
      payload: { job_id: fx.jobId, build_no: String(fx.buildNo) },
    }),
  },
  showJobStatus: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/status` }),
  },
  showRunningStatus: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/running-status` }),
  },
  showListHistory: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/history?offset=0&limit=10&interval=7`,
    }),
  },
  showListPeriodHistory: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/period-history?start_time=2023-11-01&end_time=2023-11-30`,
    }),
  },
  showHistoryDetails: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/history-details` }),
  },
  showRecordDetail: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v4/jobs/${fx.jobId}/${fx.buildNo}/record-info` }),
  },
  downloadRealTimeLog: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/real-time-log?offset=0`,
    }),
  },
  downloadBuildLog: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v4/${fx.recordId}/download-log` }),
  },
  downloadTaskLog: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v4/${fx.recordId}/task-log?task_name=${encodeURIComponent(BUILD_STEP)}`,
    }),
  },
  receiveWebhook: {
    names: 'job',
    needs: 'public',
    // A correctly signed GitHub ping: accepted, and ignored since it is not a push.
    request: async (fx) => {
      const payload = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
      const signature = createHmac('sha256', fx.webhookSecret).update(payload).digest('hex');
      return {
        method: 'POST',
        url: `/v1/kiln/webhooks/${fx.jobId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-hub-signature-256': `sha256=${signature}`,
        },
        payload,
      };
    },
  },
  showJobWebhook: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/webhook` }),
  },
  createDomain: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/domains',
      payload: { name: fx.unique('domain'), admin_name: 'root', admin_password: 'root-password-1' },
    }),
  },
  listUsers: {
    names: 'nothing',
    needs: 'admin',
    request: async () => ({ method: 'GET', url: '/v1/kiln/users' }),
  },
  createUser: {
    names: 'nothing',
    needs: 'admin',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/users',
      payload: { name: fx.unique('user'), password: 'user-password-1' },
    }),
  },
  showCurrentUser: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/users/me' }),
  },
  showServerInfo: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/info' }),
  },
  changeOwnPassword: {
    names: 'nothing',
    needs: 'self',
    // The same password again: a real change (tokens die) that leaves the caller able to sign in.
    request: async (_fx, caller) => ({
      method: 'POST',
      url: '/v1/kiln/users/me/password',
      payload: { old_password: caller.password, new_password: caller.password },
    }),
  },
  updateUser: {
    names: 'user',
    needs: 'admin',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/users/${fx.spareUserId}`,
      payload: { display_name: 'Spare User' },
    }),
  },
  setUserPassword: {
    names: 'user',
    needs: 'admin',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/users/${fx.spareUserId}/password`,
      payload: { password: 'spare-password-2' },
    }),
  },
  createProject: {
    names: 'nothing',
    needs: 'admin',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/projects',
      payload: { name: fx.unique('project') },
    }),
  },
  listMembers: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/projects/${fx.projectId}/members` }),
  },
  setMember: {
    names: 'project',
    needs: 'manage',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/projects/${fx.projectId}/members/${fx.spareUserId}`,
      payload: { role: 'viewer' },
    }),
  },
  removeMember: {
    names: 'project',
    needs: 'manage',
    request: async (fx) => {
      // The spare user has to be a member for the removal to succeed.
      await setRole(fx.kiln, fx.adminToken, fx.projectId, fx.spareUserId, 'viewer');
      return { method: 'DELETE', url: `/v1/kiln/projects/${fx.projectId}/members/${fx.spareUserId}` };
    },
  },
  createRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/runners',
      payload: { name: fx.unique('runner') },
    }),
  },
  listRunners: {
    names: 'nothing',
    needs: 'operator',
    request: async () => ({ method: 'GET', url: '/v1/kiln/runners' }),
  },
  updateRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/runners/${await registerRunner(fx)}`,
      payload: { disabled: true },
    }),
  },
  deleteRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({ method: 'DELETE', url: `/v1/kiln/runners/${await registerRunner(fx)}` }),
  },
  createAccessKey: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: '/v1/kiln/access-keys', payload: { description: 'ci' } }),
  },
  listAccessKeys: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/access-keys' }),
  },
  updateAccessKey: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'PUT',
      url: `/v1/kiln/access-keys/${await accessKeyOf(fx, caller)}`,
      payload: { status: 'disabled' },
    }),
  },
  deleteAccessKey: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'DELETE',
      url: `/v1/kiln/access-keys/${await accessKeyOf(fx, caller)}`,
    }),
  },
};

/** Creates an access key of `who` (signing in as them); returns its AK. */
async function accessKeyOf(fx: Fixture, who: Credentials): Promise<string> {
  const res = await fx.kiln.call(await tokenOf(fx.kiln, who), {
    method: 'POST',
    url: '/v1/kiln/access-keys',
    payload: { description: 'made by a recipe' },
  });
  expect(res.statusCode, `create access key: ${res.body}`).toBe(201);
  return res.json().result.key.ak as string;
}

/** Registers a remote runner (as the default admin); returns its id. */
async function registerRunner(fx: Fixture): Promise<string> {
  const res = await fx.kiln.call(fx.adminToken, {
    method: 'POST',
    url: '/v1/kiln/runners',
    payload: { name: fx.unique('runner') },
  });
  expect(res.statusCode, `register runner: ${res.body}`).toBe(201);
  return res.json().result.runner.id as string;
}

/** The success status the route table declares for an operation. */
export function successStatus(id: OperationId): number {
  return Number(Object.keys(operations[id].response)[0]);
}

/** Every success status an operation declares (a webhook answers 200 when it builds, 202 when it ignores). */
export function successStatuses(id: OperationId): number[] {
  return Object.keys(operations[id].response).map(Number);
}

/** Adds or replaces the X-Auth-Token of a request. */
export function withToken(options: InjectOptions, token: string | undefined): InjectOptions {
  const headers = { ...(options.headers as Record<string, string> | undefined) };
  delete headers['x-auth-token'];
  if (token !== undefined) headers['x-auth-token'] = token;
  return { ...options, headers };
}
