import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody } from '../helpers/app.ts';
import { param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { createUser, expectCodeArtsError, setRole, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TestRepo } from '../helpers/git.ts';
import {
  deliver as deliverTo,
  headersFor,
  newDelivery,
  pushBody as pushBodyOf,
  SENDERS,
  ZERO,
  type Sender,
} from '../helpers/webhooks.ts';

/**
 * Push webhooks (Kiln's own POST /v1/kiln/webhooks/{job_id}): each git host's signature or token,
 * a push to a branch the code_update trigger names starts a CodeUpdate build of the commit the
 * payload names as the branch's new head, once per delivery; everything else is ignored (202,
 * with a reason) or refused (400, 401) and builds nothing. The secret can be replaced.
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

const NON_PUSH: Record<Sender, string> = {
  github: 'issues',
  gitlab: 'Merge Request Hook',
  gitea: 'pull_request',
  gitee: 'Merge Request Hook',
};

function pushBody(sender: Sender, ref: string, after: string, head?: string | null): string {
  return pushBodyOf(sender, ref, after, {
    before: c.one,
    cloneUrl: repo.url,
    ...(head !== undefined && { head }),
  });
}

/** POST a delivery without any X-Auth-Token. */
function deliver(jobId: string, headers: Record<string, string>, body: string) {
  return deliverTo(ek.kiln, jobId, headers, body);
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
    const body = pushBody(sender, 'refs/heads/main', c.one);
    const res = await deliver(job, headersFor(sender, secret, body), body);
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    expect(res.json()).toMatchObject({ status: 'started', build_number: 1 });
    expect(typeof res.json().daily_build_number).toBe('string');

    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    // A build of the branch (pinned to the pushed commit): branch filters and reports count it.
    expect(r).toMatchObject({
      trigger_type: 'CodeUpdate',
      commit_id: c.one,
      code_branch: 'main',
      build_type: 'branch',
    });
    expect(log).toContain(`HEAD=${c.one}`);
    expect(log).toContain('BRANCH=main');
    expect((await ek.recordInfo(job, 1)).trigger_type).toBe('CODE_UPDATE');
    const filtered = await ek.get(`/v1/record/${job}/records?branches=main&triggers=CODE_UPDATE`);
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(filtered.json().result.pagination.total).toBe(1);
  });

  it('a push to a branch matching a pattern (release/*) builds that branch', async () => {
    const body = pushBody(sender, 'refs/heads/release/2.0', c.rel);
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
      ['non-matching branch', pushBody(sender, 'refs/heads/feature/x', c.two), undefined],
      ['tag push', pushBody(sender, 'refs/tags/v1.0', c.two), undefined],
      ['branch deletion', pushBody(sender, 'refs/heads/main', ZERO), undefined],
      ['non-push event', pushBody(sender, 'refs/heads/main', c.two), NON_PUSH[sender]],
    ];
    for (const [what, body, event] of cases) {
      const res = await deliver(job, headersFor(sender, secret, body, { ...(event && { event }) }), body);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 202 });
      expect(res.json()).toMatchObject({ status: 'ignored', build_number: 0 });
      expect(typeof res.json().reason).toBe('string');
      expect(res.json().reason.length).toBeGreaterThan(0);
    }
    expect(await buildCount(job)).toBe(before);
  });

  it('refuses a bad signature or token with 401 APIGW.0301 and builds nothing', async () => {
    const before = await buildCount(job);
    const body = pushBody(sender, 'refs/heads/main', c.two);
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
        pushBody(sender, 'refs/heads/main', c.one),
      ]);
    }
    for (const [what, headers, payload] of cases) {
      const res = await deliver(job, headers, payload);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 401 });
      expect(res.json().error_code).toBe('APIGW.0301');
      // A delivery without any signature says so (the host was given no secret), not "does not match".
      if (what === 'no signature or token')
        expect(res.json().error_msg).toMatch(
          /has no X-[A-Za-z0-9-]+ header: give the git host the job's webhook secret/,
        );
      else expect(res.json().error_msg).toContain('does not match');
    }
    expect(await buildCount(job)).toBe(before);
  });

  it('checks the signature before the JSON: garbage signed with another secret is 401; a signed message holding a NUL builds', async () => {
    const garbage = '{"ref": "refs/heads/main", broken';
    const forged = await deliver(job, headersFor(sender, 'not-the-secret', garbage), garbage);
    expect(forged.statusCode, forged.body).toBe(401);
    const body = JSON.stringify({
      ...(JSON.parse(pushBody(sender, 'refs/heads/main', c.two)) as Record<string, unknown>),
      message: 'fix \u0000 nul',
    });
    const signed = await deliver(job, headersFor(sender, secret, body), body);
    expect(signed.statusCode, signed.body).toBe(200);
    await ek.waitFinished(job, signed.json().build_number);
  });

  it('refuses (400) a payload that does not name one full commit as the new head of the branch', async () => {
    const before = await buildCount(job);
    const good = JSON.parse(pushBody(sender, 'refs/heads/main', c.two)) as Record<string, unknown>;
    const cases: [string, string, RegExp][] = [
      // The branch is one the trigger watches, but the head commit named is another commit.
      [
        'head commit other than after',
        pushBody(sender, 'refs/heads/main', c.two, c.one),
        /'after' .*is not its head commit/,
      ],
      ['no after', JSON.stringify({ ...good, after: undefined }), /'after'/],
      ['an abbreviated after', pushBody(sender, 'refs/heads/main', c.two.slice(0, 8)), /'after'/],
    ];
    for (const [what, body, message] of cases) {
      const res = await deliver(job, headersFor(sender, secret, body), body);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 400 });
      expectCodeArtsError(res, 400, 'CB.00060200', message);
    }
    expect(await buildCount(job)).toBe(before);
  });

  it('builds a delivery once: the same delivery id again is ignored as a duplicate (202)', async () => {
    const body = pushBodyOf(sender, 'refs/heads/main', c.two, { before: c.two, cloneUrl: repo.url });
    const headers = headersFor(sender, secret, body);
    const first = await deliver(job, headers, body);
    expect(first.statusCode, first.body).toBe(200);
    const before = await buildCount(job);
    for (let i = 0; i < 2; i++) {
      const again = await deliver(job, headers, body);
      expect(again.statusCode, again.body).toBe(202);
      expect(again.json()).toMatchObject({ status: 'ignored', build_number: 0 });
      expect(again.json().reason).toMatch(/^duplicate delivery/);
    }
    expect(await buildCount(job)).toBe(before);
    await ek.waitFinished(job, first.json().build_number);
  });

  it.runIf(sender === 'github' || sender === 'gitea')(
    'builds a signed body once, whatever delivery id it comes with (the id is not signed)',
    async () => {
      const body = pushBodyOf(sender, 'refs/heads/main', c.one, { before: c.rel, cloneUrl: repo.url });
      const first = await deliver(job, headersFor(sender, secret, body), body);
      expect(first.statusCode, first.body).toBe(200);
      const before = await buildCount(job);
      const again = await deliver(
        job,
        headersFor(sender, secret, body, { delivery: newDelivery(sender) }),
        body,
      );
      expect(again.statusCode, again.body).toBe(202);
      expect(again.json().reason).toMatch(/^duplicate delivery/);
      expect(await buildCount(job)).toBe(before);
      await ek.waitFinished(job, first.json().build_number);
    },
  );

  it.runIf(sender === 'gitlab')(
    'knows a GitLab retry by its Idempotency-Key, or its X-Gitlab-Event-UUID, not its new X-Gitlab-Webhook-UUID',
    async () => {
      const body = pushBodyOf(sender, 'refs/heads/main', c.one, { before: c.two, cloneUrl: repo.url });
      const { 'idempotency-key': _none, ...headers } = headersFor(sender, secret, body);
      const first = await deliver(job, headers, body);
      expect(first.statusCode, first.body).toBe(200);
      // An older GitLab's retry: no Idempotency-Key, the event's UUID again, a new Webhook-UUID.
      const again = await deliver(job, { ...headers, 'x-gitlab-webhook-uuid': 'another-attempt' }, body);
      expect(again.statusCode, again.body).toBe(202);
      expect(again.json().reason).toMatch(/^duplicate delivery/);
      await ek.waitFinished(job, first.json().build_number);
    },
  );
});

describe.each(SENDERS)('%s push to a job whose repository names no branch', (sender) => {
  it("watches the repository's default branch, as the push names it", async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git' }],
      triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: '' }] }],
      steps: [shell('show', 'echo "BRANCH=$CODE_BRANCH"')],
    });
    const secret = (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret as string;
    const send = (ref: string, defaultBranch?: string | null) => {
      const body = pushBodyOf(sender, ref, c.two, { cloneUrl: repo.url, defaultBranch });
      return deliver(job, headersFor(sender, secret, body), body);
    };
    const master = await send('refs/heads/master');
    expect(master.statusCode, master.body).toBe(202);
    expect(master.json().reason).toBe('branch master is not one the trigger names (main)');
    const unnamed = await send('refs/heads/main', null);
    expect(unnamed.statusCode, unnamed.body).toBe(202);
    expect(unnamed.json().reason).toMatch(
      /the delivery does not say which is the repository's default branch/,
    );
    const main = await send('refs/heads/main');
    expect(main.statusCode, main.body).toBe(200);
    const built = await ek.waitFinished(job, main.json().build_number);
    expect(built.state).toBe('SUCCESS');
    expect(await ek.log(job, main.json().build_number)).toContain('BRANCH=main');
  });
});

describe('a push of many commits', () => {
  /** A commit as GitHub lists it in a push: its message and the files it touched. */
  const listed = (i: number) => ({
    id: i.toString(16).padStart(40, '0'),
    message: `change ${i}\n\nWhat it does and why, as a commit message says it.`,
    timestamp: '2026-12-07T03:00:00Z',
    author: { name: 'A Developer', email: 'dev@example.com', username: 'dev' },
    added: [],
    removed: [],
    modified: Array.from({ length: 12 }, (_, f) => `src/module-${i % 50}/file-${f}.ts`),
  });

  it('builds a payload over 1 MiB (GitHub lists up to 2,048 commits, with their files)', async () => {
    const { job, secret } = await newPushJob();
    const body = pushBodyOf('github', 'refs/heads/main', c.two, {
      before: c.one,
      cloneUrl: repo.url,
      extra: { commits: Array.from({ length: 2048 }, (_, i) => listed(i)) },
    });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await deliver(job, headersFor('github', secret, body), body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'started', build_number: 1 });
  });

  it("refuses (413) a body past GitHub's own cap of 25 MiB, naming the limit", async () => {
    const { job, secret } = await newPushJob();
    const body = pushBodyOf('github', 'refs/heads/main', c.two, {
      before: c.one,
      cloneUrl: repo.url,
      extra: { pad: 'x'.repeat(25 * 1024 * 1024) },
    });
    const res = await deliver(job, headersFor('github', secret, body), body);
    expectCodeArtsError(res, 413, 'CB.00060413');
    expect(res.json().error_msg).toContain(
      `at most ${25 * 1024 * 1024} bytes; this one has ${body.length} bytes`,
    );
    expect(await buildCount(job)).toBe(0);
  });
});

describe('recent deliveries (GET /v1/kiln/jobs/{job_id}/webhook/deliveries)', () => {
  it('lists each delivery, newest first, with what came of it: started, ignored and refused', async () => {
    const { job, secret } = await newPushJob();
    const push = pushBody('github', 'refs/heads/main', c.two);
    const started = headersFor('github', secret, push);
    expect((await deliver(job, started, push)).statusCode).toBe(200);
    const other = pushBody('github', 'refs/heads/feature', c.two);
    expect((await deliver(job, headersFor('github', secret, other), other)).statusCode).toBe(202);
    expect((await deliver(job, headersFor('github', 'wrong', push), push)).statusCode).toBe(401);
    const res = await ek.get(`/v1/kiln/jobs/${job}/webhook/deliveries`);
    expect(res.statusCode).toBe(200);
    const list = res.json().result.deliveries;
    expect(list.map((d: { outcome: string; status: number }) => [d.outcome, d.status])).toEqual([
      ['refused', 401],
      ['ignored', 202],
      ['started', 200],
    ]);
    expect(list[0]).toMatchObject({ sender: 'github', event: 'push', error_code: 'APIGW.0301' });
    expect(list[0].reason).toContain('does not match');
    expect(list[1].reason).toContain('branch feature is not one the trigger names');
    expect(list[2]).toMatchObject({ delivery: started['x-github-delivery'], build_number: 1, reason: '' });
    expect(list[0].received_at).toBeGreaterThanOrEqual(list[2].received_at);
  });

  it('keeps the newest 50 of a job', async () => {
    const { job, secret } = await newPushJob();
    const other = pushBody('gitlab', 'refs/heads/feature', c.two);
    for (let i = 0; i < 53; i++) await deliver(job, headersFor('gitlab', secret, other), other);
    const list = (await ek.get(`/v1/kiln/jobs/${job}/webhook/deliveries`)).json().result.deliveries;
    expect(list).toHaveLength(50);
    expect(await ek.kiln.storage.webhookDeliveries.recent(job, 100)).toHaveLength(50);
  });
});

describe("form deliveries (application/x-www-form-urlencoded: GitHub's default, one of Gitea's)", () => {
  /** The delivery started build 1 of `job`, of the commit pushed (c.two), and it succeeded. */
  const expectBuiltFromForm = async (job: string, res: Awaited<ReturnType<typeof deliver>>) => {
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({
      status: 200,
      body: { status: 'started' },
    });
    const r = await ek.waitFinished(job, 1);
    expect(r).toMatchObject({ trigger_type: 'CodeUpdate', commit_id: c.two, state: 'SUCCESS' });
  };

  it('builds a push sent as payload=<JSON>, its signature over the form bytes', async () => {
    const { job, secret } = await newPushJob();
    const json = pushBody('github', 'refs/heads/main', c.two);
    const form = `payload=${encodeURIComponent(json)}`;
    const headers = {
      ...headersFor('github', secret, form),
      'content-type': 'application/x-www-form-urlencoded',
    };
    const res = await deliver(job, headers, form);
    await expectBuiltFromForm(job, res);
    // A form without the payload field is refused with what is missing.
    const empty = 'other=1';
    const bad = await deliver(
      job,
      { ...headersFor('github', secret, empty), 'content-type': 'application/x-www-form-urlencoded' },
      empty,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_msg).toContain('no payload field');
  });

  it("builds Gitea's form delivery, whose signature covers the JSON in payload=, not the form", async () => {
    const { job, secret } = await newPushJob();
    const json = pushBody('gitea', 'refs/heads/main', c.two);
    const form = `payload=${encodeURIComponent(json)}`;
    // As Gitea's services/webhook/deliver.go sends it: every signature over the payload's JSON.
    const headers = {
      ...headersFor('gitea', secret, json),
      'content-type': 'application/x-www-form-urlencoded',
      'x-hub-signature-256': `sha256=${headersFor('gitea', secret, json)['x-gitea-signature']}`,
      'x-github-event': 'push',
    };
    const res = await deliver(job, headers, form);
    await expectBuiltFromForm(job, res);
    // Another secret's signature of the same JSON is still refused.
    const forged = { ...headers, ...headersFor('gitea', 'another-secret-entirely', json) };
    forged['content-type'] = 'application/x-www-form-urlencoded';
    const refused = await deliver(job, forged, form);
    expect(refused.statusCode).toBe(401);
  });

  it('reads a push labelled text/plain too (its bytes are the JSON the signature covers)', async () => {
    const { job, secret } = await newPushJob();
    const json = pushBody('github', 'refs/heads/main', c.two);
    const res = await deliver(
      job,
      { ...headersFor('github', secret, json), 'content-type': 'text/plain' },
      json,
    );
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({
      status: 200,
      body: { status: 'started' },
    });
    await ek.waitFinished(job, 1);
  });

  it('reads a delivery the same at any URL that reaches the webhook (a %-escaped letter in it)', async () => {
    const { job, secret } = await newPushJob();
    const form = `payload=${encodeURIComponent(pushBody('github', 'refs/heads/main', c.two))}`;
    const res = await ek.kiln.app.inject({
      method: 'POST',
      url: `/v1/kiln/web%68ooks/${job}`,
      headers: { ...headersFor('github', secret, form), 'content-type': 'application/x-www-form-urlencoded' },
      payload: form,
    });
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({
      status: 200,
      body: { status: 'started' },
    });
    // Not JSON and not signed with the job's secret: the signature is checked first.
    const garbage = await ek.kiln.app.inject({
      method: 'POST',
      url: `/v1/kiln/%77ebhooks/${job}`,
      headers: headersFor('github', 'another secret', '{not json'),
      payload: '{not json',
    });
    expect(garbage.statusCode, garbage.body).toBe(401);
    await ek.waitFinished(job, 1);
  });

  it('is still 415 on every other operation', async () => {
    const res = await ek.kiln.app.inject({
      method: 'POST',
      url: '/v3/jobs/build',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-auth-token': ek.token },
      payload: 'job_id=x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error_code).toBeTruthy();
    // No operation at all: 404 says so, whatever the body (as for text/plain).
    const none = await ek.kiln.app.inject({
      method: 'POST',
      url: '/v1/kiln/no-such-operation',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'payload=x',
    });
    expect(none.statusCode, none.body).toBe(404);
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
  const body = pushBody('github', 'refs/heads/main', c.two);
  const res = await deliver(job, headersFor('github', secret, body), body);
  expect(res.statusCode).toBe(202);
  expect(res.json().status).toBe('ignored');
  expect(await buildCount(job)).toBe(0);
});

it("sets the job's codeBranch parameter to the pushed branch, as the build ran with it", async () => {
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    parameters: [param('codeBranch', 'main')],
    triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'release/*' }] }],
    steps: [shell('show', 'echo "codeBranch=[$codeBranch]"')],
  });
  const secret = (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret;
  const body = pushBody('github', 'refs/heads/release/2.0', c.rel);
  const res = await deliver(job, headersFor('github', secret, body), body);
  expect(res.statusCode, res.body).toBe(200);
  // What the build's steps see and what its record says it was run with: the pushed branch.
  expect((await ek.details(job, 1)).parameters).toEqual({ codeBranch: 'release/2.0' });
  expect(await ek.waitLog(job, 1, /codeBranch=\[/)).toContain('codeBranch=[release/2.0]');
});

it('builds a GitLab system hook\'s push (every event of a system hook is a "System Hook"), and no other of its events', async () => {
  const { job, secret } = await newPushJob();
  const system = (body: string) => headersFor('gitlab', secret, body, { event: 'System Hook' });
  const body = pushBodyOf('gitlab', 'refs/heads/main', c.two, { cloneUrl: repo.url });
  const res = await deliver(job, system(body), body);
  // It answered 202 "System Hook events are not pushes" to a push.
  expect({ status: res.statusCode, body: res.json() }).toMatchObject({
    status: 200,
    body: { status: 'started' },
  });
  expect(await ek.waitFinished(job, res.json().build_number)).toMatchObject({
    commit_id: c.two,
    code_branch: 'main',
  });
  const others: [string, string][] = [
    [pushBodyOf('gitlab', 'refs/tags/v1.0', c.two, { extra: { object_kind: 'tag_push' } }), '"tag_push"'],
    [
      JSON.stringify({
        event_name: 'repository_update',
        changes: [{ after: c.one, ref: 'refs/heads/main' }],
      }),
      '"repository_update"',
    ],
  ];
  for (const [other, kind] of others) {
    const ignored = await deliver(job, system(other), other);
    expect({ status: ignored.statusCode, reason: ignored.json().reason }).toEqual({
      status: 202,
      reason: `the system hook's ${kind} events are not pushes`,
    });
  }
  expect(await buildCount(job)).toBe(1);
});

describe('rotating the webhook secret (POST /v1/kiln/jobs/{job_id}/webhook/secret)', () => {
  it('answers a new secret, stores it encrypted, and refuses the old one from then on', async () => {
    const { job, secret: old } = await newPushJob();
    const res = await ek.post(`/v1/kiln/jobs/${job}/webhook/secret`);
    expect(res.statusCode, res.body).toBe(200);
    const { url, secret } = res.json().result;
    expect(url).toContain(`/v1/kiln/webhooks/${job}`);
    expect(typeof secret).toBe('string');
    expect(secret).not.toBe(old);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret).toBe(secret);
    const stored = (await ek.kiln.storage.jobs.findById(job))?.webhookSecretEnc ?? '';
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);

    for (const sender of SENDERS) {
      const body = pushBody(sender, 'refs/heads/feature/none', c.two);
      const refused = await deliver(job, headersFor(sender, old, body), body);
      expectCodeArtsError(refused, 401, 'APIGW.0301');
    }
    const body = pushBody('github', 'refs/heads/main', c.two);
    const accepted = await deliver(job, headersFor('github', secret, body), body);
    expect(accepted.statusCode, accepted.body).toBe(200);
    await ek.waitFinished(job, accepted.json().build_number);
  });

  it('is for those who may change the job: 403 for a viewer, 404 outside the project', async () => {
    const { job, secret } = await newPushJob();
    const viewer = { name: 'hook-viewer', password: 'hook-viewer-password-1', domain: 'default' };
    const outsider = { name: 'hook-outsider', password: 'hook-outsider-password-1', domain: 'default' };
    for (const who of [viewer, outsider]) await createUser(ek.kiln, ek.token, who.name, who.password);
    await setRole(ek.kiln, ek.token, ek.projectId, viewer.name, 'viewer');
    const rotate = async (token: string | undefined) =>
      ek.kiln.call(token, { method: 'POST', url: `/v1/kiln/jobs/${job}/webhook/secret` });
    expectCodeArtsError(await rotate(await tokenOf(ek.kiln, viewer)), 403, 'CB.00060403');
    expectCodeArtsError(await rotate(await tokenOf(ek.kiln, outsider)), 404, 'CB.00060201');
    expectCodeArtsError(await rotate(undefined), 401, 'APIGW.0301');
    expect((await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret).toBe(secret);
  });
});

describe('a job whose creator may no longer run it', () => {
  /** A developer of the default project who creates a push job; returns the job and its secret. */
  async function jobOfNewDeveloper(name: string): Promise<{ job: string; secret: string }> {
    const password = `${name}-password-1`;
    await createUser(ek.kiln, ek.token, name, password);
    await setRole(ek.kiln, ek.token, ek.projectId, name, 'developer');
    const token = await tokenOf(ek.kiln, { name, password, domain: 'default' });
    const res = await ek.kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(ek.projectId, {
        job_name: `by-${name}`,
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
        steps: [shell('s', 'true')],
      }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const job = res.json().result.job_id as string;
    return { job, secret: (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret };
  }

  const CHANGES: [string, (name: string) => Promise<void>, RegExp][] = [
    [
      'is disabled',
      async (name) => {
        const res = await ek.kiln.call(ek.token, {
          method: 'PUT',
          url: `/v1/kiln/users/${name}`,
          payload: { disabled: true },
        });
        expect(res.statusCode, res.body).toBe(200);
      },
      /last editor .* is disabled, and pushes build as the user who last saved the job/,
    ],
    [
      'left the project',
      async (name) => {
        const res = await ek.kiln.call(ek.token, {
          method: 'DELETE',
          url: `/v1/kiln/projects/${ek.projectId}/members/${name}`,
        });
        expect(res.statusCode, res.body).toBe(200);
      },
      /last editor .* may no longer run jobs/,
    ],
    [
      'became a viewer',
      (name) => setRole(ek.kiln, ek.token, ek.projectId, name, 'viewer'),
      /last editor .* may no longer run jobs/,
    ],
  ];

  it.each(CHANGES)(
    'builds nothing from pushes once the creator %s (202, saying why)',
    async (what, change, why) => {
      const name = `hook-${what.replace(/\W+/g, '-')}`;
      const { job, secret } = await jobOfNewDeveloper(name);
      const first = pushBody('github', 'refs/heads/main', c.one);
      const built = await deliver(job, headersFor('github', secret, first), first);
      expect(built.statusCode, built.body).toBe(200);
      await ek.waitFinished(job, 1);

      await change(name);
      const body = pushBody('github', 'refs/heads/main', c.two);
      const res = await deliver(job, headersFor('github', secret, body), body);
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ status: 'ignored', build_number: 0 });
      expect(res.json().reason).toMatch(why);
      expect(await buildCount(job)).toBe(1);
    },
  );
});

describe('a job someone else last saved', () => {
  it("builds pushes as its last editor: a developer who edits another's job gets none of the creator's rights through it", async () => {
    // The admin's private file, which the admin's own job may download.
    await uploadFile(ek.kiln, ek.token, 'hook-secret.txt', 'only-for-the-admin\n');
    const doc = {
      job_name: 'admin-hook-file',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
      steps: [
        {
          module_id: 'devcloud2018.codeci_action_20061.action',
          name: 'get it',
          properties: { name: 'hook-secret.txt' },
        },
      ],
    };
    const job = await ek.newJob(doc);
    const secret = (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret as string;
    const push = async (after: string) => {
      const payload = pushBody('github', 'refs/heads/main', after);
      const res = await deliver(job, headersFor('github', secret, payload), payload);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().build_number as number;
    };
    expect((await ek.waitFinished(job, await push(c.one))).state).toBe('SUCCESS');

    // A developer of the project saves the job (what it runs is now their choice).
    await createUser(ek.kiln, ek.token, 'hook-editor', 'hook-editor-pass-1');
    await setRole(ek.kiln, ek.token, ek.projectId, 'hook-editor', 'developer');
    const dev = await tokenOf(ek.kiln, {
      name: 'hook-editor',
      password: 'hook-editor-pass-1',
      domain: 'default',
    });
    const saved = await ek.kiln.call(dev, {
      method: 'POST',
      url: '/v3/jobs/update',
      payload: { ...jobBody(ek.projectId, doc), job_id: job },
    });
    expect(saved.statusCode, saved.body).toBe(200);

    const number = await push(c.two);
    expect((await ek.waitFinished(job, number)).state).toBe('FAILURE');
    // The push started it as its last saver: the refusal names that user by the first of the two.
    expect(await ek.log(job, number)).toContain(
      'download_file failed: who last saved the job (hook-editor) may not use file hook-secret.txt',
    );
  }, 120_000);
});

/**
 * CodeArts Repo (formerly CodeHub): its webhook form sends the token in the header its "Token type"
 * names (X-Repo-Token, X-Gitlab-Token or X-Auth-Token), no signature, and Huawei documents no
 * event header, so these deliveries carry none; the payload is GitLab's shape.
 */
describe('CodeArts Repo push webhook', () => {
  let job: string;
  let secret: string;
  beforeAll(async () => {
    ({ job, secret } = await newPushJob());
  });

  function codeartsBody(ref: string, after: string, kind = 'push'): string {
    const deleted = after === ZERO;
    return JSON.stringify({
      object_kind: kind,
      ref,
      before: c.one,
      after,
      checkout_sha: deleted ? null : after,
      user_name: 'dev',
      project_id: 7,
      project: { name: 'app', default_branch: 'main' },
      repository: { name: 'app', git_http_url: repo.url, git_ssh_url: 'git@example.com:g/app.git' },
      commits: deleted ? [] : [{ id: after, message: 'pushed' }],
      total_commits_count: deleted ? 0 : 1,
    });
  }
  const json = { 'content-type': 'application/json' };

  it('a push with the token in X-Repo-Token, X-Gitlab-Token or X-Auth-Token builds the pushed commit', async () => {
    const body = codeartsBody('refs/heads/main', c.one);
    const res = await deliver(job, { ...json, 'x-repo-token': secret }, body);
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    expect(res.json()).toMatchObject({ status: 'started', build_number: 1 });
    const r = await ek.waitFinished(job, 1);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
    expect(r).toMatchObject({ trigger_type: 'CodeUpdate', commit_id: c.one, code_branch: 'main' });
    // The other token types (X-Auth-Token is the token, not a Kiln login, on this route), CodeHub's
    // older X-Devcloud-Token, and an event header if one comes.
    const others: Record<string, string>[] = [
      { 'x-gitlab-token': secret },
      { 'x-auth-token': secret },
      { 'x-devcloud-token': secret },
      { 'x-repo-token': secret, 'x-gitlab-event': 'Push Hook' },
      { 'x-repo-token': secret, 'x-repo-event': 'Push Hook' },
    ];
    for (const h of others) {
      const again = await deliver(job, { ...json, ...h }, codeartsBody('refs/heads/main', c.two));
      expect({ h, status: again.statusCode }).toEqual({ h, status: 200 });
    }
    const deliveries = await ek.get(`/v1/kiln/jobs/${job}/webhook/deliveries`);
    expect(deliveries.json().result.deliveries[0]).toMatchObject({ sender: 'codearts', outcome: 'started' });
  });

  it('refuses a wrong or missing token with 401 and builds nothing', async () => {
    const before = await buildCount(job);
    const body = codeartsBody('refs/heads/main', c.two);
    const wrong = await deliver(job, { ...json, 'x-repo-token': 'not-the-secret' }, body);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error_msg).toContain('does not match');
    const missing = await deliver(job, { ...json, 'x-repo-event': 'Push Hook' }, body);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error_msg).toMatch(/has no X-Repo-Token .*header/);
    // No event header and no token: nothing says who sent it.
    const anonymous = await deliver(job, json, body);
    expect(anonymous.statusCode).toBe(400);
    expect(anonymous.json().error_msg).toContain('CodeArts Repo');
    expect(await buildCount(job)).toBe(before);
  });

  it('ignores (202) a tag push and a branch deletion, as for GitLab', async () => {
    const before = await buildCount(job);
    const cases: [string, string, Record<string, string>][] = [
      ['tag push', codeartsBody('refs/tags/v1.0', c.two, 'tag_push'), {}],
      [
        'tag push, event header',
        codeartsBody('refs/tags/v1.0', c.two, 'tag_push'),
        { 'x-repo-event': 'Tag Push Hook' },
      ],
      ['branch deletion', codeartsBody('refs/heads/main', ZERO), {}],
    ];
    for (const [what, body, extra] of cases) {
      const res = await deliver(job, { ...json, 'x-repo-token': secret, ...extra }, body);
      expect({ what, status: res.statusCode }).toEqual({ what, status: 202 });
      expect(res.json()).toMatchObject({ status: 'ignored', build_number: 0 });
    }
    expect(await buildCount(job)).toBe(before);
  });
});
