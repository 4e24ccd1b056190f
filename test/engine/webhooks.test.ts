import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Push webhooks (Kiln's own POST /v1/kiln/webhooks/{job_id}): each git host's signature or token,
 * a push to a branch the code_update trigger names starts a CodeUpdate build of the pushed commit,
 * everything else is ignored (202, with a reason) or refused (401) and builds nothing.
 */

let ek: EngineKiln;
let repo: TestRepo;
const c = { one: '', two: '', rel: '' };

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 2 } });
  repo = new TestRepo();
  c.one = repo.commit('one', { 'v.txt': 'one\n' });
  c.two = repo.commit('two', { 'v.txt': 'two\n' });
  repo.branch('release/2.0');
  c.rel = repo.commit('release', { 'v.txt': 'release\n' });
  repo.git('checkout', '--quiet', 'main');
});
afterAll(() => ek?.close());

type Sender = 'github' | 'gitlab' | 'gitea' | 'gitee';
const SENDERS: Sender[] = ['github', 'gitlab', 'gitea', 'gitee'];

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** Headers as each host sends a delivery; `event` is the host's own event name. */
function headersFor(sender: Sender, secret: string, body: string, event?: string): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  switch (sender) {
    case 'github':
      return {
        ...json,
        'x-github-event': event ?? 'push',
        'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
      };
    case 'gitlab':
      return { ...json, 'x-gitlab-event': event ?? 'Push Hook', 'x-gitlab-token': secret };
    case 'gitea':
      return { ...json, 'x-gitea-event': event ?? 'push', 'x-gitea-signature': hmacHex(secret, body) };
    case 'gitee':
      return { ...json, 'x-gitee-event': event ?? 'Push Hook', 'x-gitee-token': secret };
  }
}

const NON_PUSH: Record<Sender, string> = {
  github: 'issues',
  gitlab: 'Merge Request Hook',
  gitea: 'pull_request',
  gitee: 'Merge Request Hook',
};

function pushBody(ref: string, after: string): string {
  return JSON.stringify({
    ref,
    before: c.one,
    after,
    checkout_sha: after,
    repository: { name: 'app', clone_url: repo.url },
    commits: [{ id: after, message: 'pushed' }],
  });
}

/** POST a delivery without any X-Auth-Token. */
function deliver(jobId: string, headers: Record<string, string>, body: string) {
  return ek.kiln.app.inject({ method: 'POST', url: `/v1/kiln/webhooks/${jobId}`, headers, payload: body });
}

async function newPushJob(): Promise<{ job: string; secret: string }> {
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main,release/*' }] }],
    steps: [shell('show', 'echo "HEAD=$(git rev-parse HEAD)"; echo "BRANCH=$CODE_BRANCH"')],
  });
  const info = await ek.get(`/v1/kiln/jobs/${job}/webhook`);
  expect(info.statusCode).toBe(200);
  const { url, secret } = info.json().result;
  expect(url).toContain(`/v1/kiln/webhooks/${job}`);
  expect(typeof secret).toBe('string');
  expect(secret.length).toBeGreaterThanOrEqual(16);
  return { job, secret };
}

async function buildCount(job: string): Promise<number> {
  return (await ek.records(job)).length;
}

describe.each(SENDERS)('%s push webhook', (sender) => {
  let job: string;
  let secret: string;
  beforeAll(async () => {
    ({ job, secret } = await newPushJob());
  });

  it('a push to a matching branch starts a CodeUpdate build of the pushed commit', async () => {
    // The pushed commit is not the head of main: the build must build exactly it.
    const body = pushBody('refs/heads/main', c.one);
    const res = await deliver(job, headersFor(sender, secret, body), body);
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    expect(res.json()).toMatchObject({ status: 'started', build_number: 1 });
    expect(typeof res.json().daily_build_number).toBe('string');

    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(r).toMatchObject({ trigger_type: 'CodeUpdate', commit_id: c.one, code_branch: 'main' });
    expect(log).toContain(`HEAD=${c.one}`);
    expect(log).toContain('BRANCH=main');
    expect((await ek.recordInfo(job, 1)).trigger_type).toBe('CODE_UPDATE');
  });

  it('a push to a branch matching a pattern (release/*) builds that branch', async () => {
    const body = pushBody('refs/heads/release/2.0', c.rel);
    const res = await deliver(job, headersFor(sender, secret, body), body);
    expect(res.statusCode).toBe(200);
    const n = res.json().build_number;
    const r = await ek.waitFinished(job, n);
    expect(r.state).toBe('SUCCESS');
    expect(r).toMatchObject({ trigger_type: 'CodeUpdate', commit_id: c.rel, code_branch: 'release/2.0' });
  });

  it('ignores (202, with a reason) a non-matching branch, a tag push, a branch deletion and a non-push event', async () => {
    const before = await buildCount(job);
    const cases: [string, string, string | undefined][] = [
      ['non-matching branch', pushBody('refs/heads/feature/x', c.two), undefined],
      ['tag push', pushBody('refs/tags/v1.0', c.two), undefined],
      ['branch deletion', pushBody('refs/heads/main', '0000000000000000000000000000000000000000'), undefined],
      ['non-push event', pushBody('refs/heads/main', c.two), NON_PUSH[sender]],
    ];
    for (const [what, body, event] of cases) {
      const res = await deliver(job, headersFor(sender, secret, body, event), body);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 202 });
      expect(res.json()).toMatchObject({ status: 'ignored', build_number: 0 });
      expect(typeof res.json().reason).toBe('string');
      expect(res.json().reason.length).toBeGreaterThan(0);
    }
    expect(await buildCount(job)).toBe(before);
  });

  it('refuses a bad signature or token with 401 APIGW.0301 and builds nothing', async () => {
    const before = await buildCount(job);
    const body = pushBody('refs/heads/main', c.two);
    const missing = { ...headersFor(sender, secret, body) };
    for (const h of ['x-hub-signature-256', 'x-gitlab-token', 'x-gitea-signature', 'x-gitee-token'])
      delete missing[h];
    const cases: [string, Record<string, string>, string][] = [
      ['wrong secret', headersFor(sender, 'not-the-secret', body), body],
      ['no signature or token', missing, body],
    ];
    if (sender === 'github' || sender === 'gitea') {
      // An HMAC signs the body: a signature made for one body does not admit another.
      cases.push([
        'signed for another body',
        headersFor(sender, secret, body),
        pushBody('refs/heads/main', c.one),
      ]);
    }
    for (const [what, headers, payload] of cases) {
      const res = await deliver(job, headers, payload);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 401 });
      expect(res.json().error_code).toBe('APIGW.0301');
    }
    expect(await buildCount(job)).toBe(before);
  });
});

it('the webhook secret is shown only with a token; the webhook needs none', async () => {
  const { job } = await newPushJob();
  const anonymous = await ek.kiln.app.inject({ method: 'GET', url: `/v1/kiln/jobs/${job}/webhook` });
  expect(anonymous.statusCode).toBe(401);
  expect(anonymous.json().error_code).toBe('APIGW.0301');
});

it('a job without a code_update trigger ignores pushes', async () => {
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    steps: [shell('s', 'true')],
  });
  const secret = (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret;
  const body = pushBody('refs/heads/main', c.two);
  const res = await deliver(job, headersFor('github', secret, body), body);
  expect(res.statusCode).toBe(202);
  expect(res.json().status).toBe('ignored');
  expect(await buildCount(job)).toBe(0);
});
