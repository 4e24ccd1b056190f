import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { newYamlJob, param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { expectError } from '../helpers/records.ts';

/**
 * A step's environment is built from scratch: Kiln's own variables and the job's parameters,
 * nothing of the server's. Sensitive parameters never show, in the log or in history details.
 */

const MARKER = 'leak';
const SERVER_SECRET = 'test-secret-key-0123456789'; // the secretKey createTestKiln gives the engine
const saved = { marker: process.env.KILN_SECRET_TEST_MARKER, db: process.env.DATABASE_URL };

let ek: EngineKiln;
let repo: TestRepo;
let head: string;
let job: string;

beforeAll(async () => {
  // Secrets of the server process, set before Kiln starts: no build may see them.
  process.env.KILN_SECRET_TEST_MARKER = MARKER;
  process.env.DATABASE_URL = `postgres://kiln:${MARKER}@db.invalid/kiln`;
  ek = await startEngineKiln({ runner: { slots: 2 } });
  repo = new TestRepo();
  head = repo.commit('first');
  job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    parameters: [
      param('GREETING', 'hello'),
      param('TARGET', 'world'),
      param('SECRET', 'topsecret-value', true),
    ],
    steps: [
      shell('show env', 'env | sort\necho "CWD=$(pwd)"'),
      shell(
        'secret in pieces',
        `printf '%s' "\${SECRET:0:5}"\nsleep 0.3\nprintf '%s\\n' "\${SECRET:5}"\necho "whole: $SECRET."`,
      ),
    ],
  });
});
afterAll(async () => {
  await ek?.close();
  for (const [key, value] of [
    ['KILN_SECRET_TEST_MARKER', saved.marker],
    ['DATABASE_URL', saved.db],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** The `env` output of the first step, as a map. */
function envOf(log: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of log.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env.set(m[1] as string, m[2] as string);
  }
  return env;
}

function expectNothingOfTheServer(log: string, env: Map<string, string>): void {
  expect([...env.keys()].filter((k) => k.startsWith('KILN_'))).toEqual([]);
  expect([...env.keys()].filter((k) => /DATABASE/i.test(k))).toEqual([]);
  expect(log).not.toContain(MARKER);
  expect(log).not.toContain(SERVER_SECRET);
  if (process.env.KILN_TEST_DATABASE_URL) expect(log).not.toContain(process.env.KILN_TEST_DATABASE_URL);
}

it('gives a step only Kiln variables and the job parameters (defaults), nothing of the server', async () => {
  const run = await ek.run(job);
  const r = await ek.waitFinished(job, 1);
  const log = await ek.log(job, 1);
  expect(r.state, log).toBe('SUCCESS');
  const env = envOf(log);
  expectNothingOfTheServer(log, env);

  expect(env.get('BUILD_NUMBER')).toBe('1');
  expect(env.get('DAILY_BUILD_NUMBER')).toBe(run.daily_build_number);
  expect(env.get('COMMIT_ID')).toBe(head);
  expect(env.get('CODE_BRANCH')).toBe('main');
  expect(env.get('JOB_ID')).toBe(job);
  expect(env.get('WORKSPACE')).toBeTruthy();
  expect(env.get('WORKSPACE')).toBe(env.get('CWD'));
  expect(env.get('GREETING')).toBe('hello');
  expect(env.get('TARGET')).toBe('world');
  expect(env.get('SECRET')).toBe('******');
});

it('masks a sensitive value in the log, also when it is written in pieces, and in history details', async () => {
  const log = await ek.log(job, 1);
  expect(log).not.toContain('topsecret-value');
  // The two printf calls wrote "topse" and "cret-value" 0.3 s apart: neither piece shows.
  expect(log).not.toContain('topse');
  expect(log).not.toContain('cret-value');
  expect(log).toContain('whole: ******.');
  expect(log.split('\n')).toContain('******');

  const d = await ek.details(job, 1);
  expect(d.parameters).toEqual({ GREETING: 'hello', TARGET: 'world', SECRET: '******' });
  // The full download is masked the same way.
  const recordId = (await ek.recordInfo(job, 1)).id;
  const full = await ek.get(`/v4/${recordId}/download-log`);
  expect(full.body).toBe(log);
  const task = await ek.get(`/v4/${recordId}/task-log?task_name=${encodeURIComponent('secret in pieces')}`);
  expect(task.statusCode).toBe(200);
  expect(task.body).not.toContain('topse');
  expect(task.body).toContain('******');
});

it('RunJob parameter[] overrides defaults, sensitive ones stay masked', async () => {
  const run = await ek.run(job, {
    parameter: [
      { name: 'TARGET', value: 'kiln' },
      { name: 'SECRET', value: 'run-time-secret-42' },
    ],
  });
  expect(run.actual_build_number).toBe('2');
  const r = await ek.waitFinished(job, 2);
  const log = await ek.log(job, 2);
  expect(r.state, log).toBe('SUCCESS');
  const env = envOf(log);
  expectNothingOfTheServer(log, env);
  expect(env.get('BUILD_NUMBER')).toBe('2');
  expect(env.get('GREETING')).toBe('hello');
  expect(env.get('TARGET')).toBe('kiln');
  expect(env.get('SECRET')).toBe('******');
  expect(log).not.toContain('run-time-secret-42');
  expect(log).not.toContain('run-t');
  expect(log).not.toContain('ime-secret-42');
  expect(log).not.toContain('topsecret-value');
  expect((await ek.details(job, 2)).parameters).toEqual({
    GREETING: 'hello',
    TARGET: 'kiln',
    SECRET: '******',
  });
});

it('refuses a parameter the job does not have with a 400 naming it, and queues nothing', async () => {
  const res = await ek.post('/v3/jobs/build', {
    job_id: job,
    parameter: [{ name: 'NO_SUCH_PARAM', value: 'x' }],
  });
  expectError(res, 400, 'CB.00060200', /NO_SUCH_PARAM/);
  const v1 = await ek.post('/v1/job/execute', {
    job_id: job,
    parameter: [{ name: 'OTHER_UNKNOWN', value: 'x' }],
  });
  expectError(v1, 400, 'CB.00060200', /OTHER_UNKNOWN/);
  // No number was used up.
  expect((await ek.get(`/v1/record/${job}/3/build-info-record`)).statusCode).toBe(404);
  expect((await ek.run(job)).actual_build_number).toBe('3');
  expect((await ek.waitFinished(job, 3)).state).toBe('SUCCESS');
});

it("refuses at run time what CodeArts' parameter rules forbid, naming the parameter and the rule", async () => {
  const yamlJob = await newYamlJob(ek, repo.url);
  const refused: [string, string, RegExp][] = [
    ['BASH_ENV', '/tmp/x', /parameter\[0\]\.name: "BASH_ENV" cannot be a parameter: CodeArts forbids/],
    ['GIT_SSH_COMMAND', 'ssh -o x', /"GIT_SSH_COMMAND" cannot be a parameter/],
    ['LD_LIBRARY_PATH', '/tmp', /"LD_LIBRARY_PATH" cannot be a parameter/],
    ['LD_PRELOAD', '/tmp/x.so', /"LD_PRELOAD" cannot be a parameter/],
    ['PATH', '/tmp', /"PATH" cannot be a parameter/],
    ['BUILDNUMBER', '1', /"BUILDNUMBER" is set by Kiln and cannot be a parameter/],
    ['HOME', '/tmp', /"HOME" is set by Kiln and cannot be a parameter/],
    ['bad-name', 'x', /"bad-name" must be a name of at most 128 letters, digits and _/],
    [
      'GREETING',
      'x'.repeat(9000),
      /parameter\[0\]\.value: the value of "GREETING" has 9000 characters; a parameter's value may have at most 8192/,
    ],
    ['GREETING', '{{ 7*7 }}', /the value of "GREETING" contains "\{\{"; CodeArts refuses \{\{, \{%, \{#/],
  ];
  for (const id of [job, yamlJob])
    for (const [name, value, message] of refused) {
      const res = await ek.post('/v3/jobs/build', { job_id: id, parameter: [{ name, value }] });
      expectError(res, 400, 'CB.00060200', message);
    }
  // Nothing was queued: the code-based job's first build is still to come.
  expect((await ek.get(`/v1/record/${yamlJob}/1/build-info-record`)).statusCode).toBe(404);
});
