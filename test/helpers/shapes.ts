import { expect } from 'vitest';

/**
 * Shape checks for the foundation suites: an answer has the fields of the reference, field for
 * field and type for type, and the reference shapes of the answers.
 */

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
/** The string fields of a record-info result (RecordInfo of ShowRecordDetail and its v1/v3 twins). */
export const RECORD_INFO_STRING_FIELDS = [
  'id',
  'build_project_id',
  'build_record_id',
  'parent_record_id',
  'devcloud_project_id',
  'codeci_job_id',
  'user_id',
  'daily_build_num',
  'execution_id',
  'repo_name',
  'repo_id',
  'branch',
  'tag',
  'commit',
  'commit_message',
  'commit_create_time',
  'trigger_type',
  'build_type',
  'status',
  'domain_id',
  'create_time',
  'schedule_time',
  'queued_time',
  'start_time',
  'runnable_time',
  'finish_time',
  'record_status',
  'region',
  'err_msg',
  'build_config_type',
] as const;

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
