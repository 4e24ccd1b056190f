import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { TestRepo } from '../helpers/git.ts';
import { deliver, pushBody } from '../helpers/webhooks.ts';

/**
 * Gitee's signing mode ("Signing key"): Gitee sends X-Gitee-Timestamp and
 * X-Gitee-Token = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)). The signature covers the
 * timestamp only, never the body, so the timestamp is all that makes a delivery fresh: Gitee says
 * to refuse one whose timestamp is more than an hour from now. Kiln checked the HMAC and nothing
 * else, and remembered the timestamp only when the delivery started a build: one (timestamp,
 * token) pair seen once, in the git host's delivery log or a proxy's, was a bearer credential that
 * made Kiln build whatever branch and commit the sender wrote in, at any later time.
 */

let ek: EngineKiln;
let repo: TestRepo;
let one = '';
let two = '';

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 1 } });
  repo = new TestRepo();
  one = repo.commit('one', { 'v.txt': 'one\n' });
  two = repo.commit('two', { 'v.txt': 'two\n' });
});
afterAll(() => ek?.close());

async function newPushJob(): Promise<{ job: string; secret: string }> {
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'gitee', branch: 'main' }],
    triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
    steps: [shell('show', 'echo "HEAD=$(git rev-parse HEAD)"')],
  });
  const info = await ek.get(`/v1/kiln/jobs/${job}/webhook`);
  expect(info.statusCode).toBe(200);
  return { job, secret: info.json().result.secret as string };
}

/** Headers as Gitee sends them in signing mode. */
function signed(secret: string, timestamp: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-gitee-event': 'Push Hook',
    'x-gitee-timestamp': String(timestamp),
    'x-gitee-token': createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'),
  };
}

describe("Gitee's signing mode (the token signs the timestamp, not the body)", () => {
  it('refuses a delivery whose timestamp is hours old: the signature is all that makes it fresh', async () => {
    const { job, secret } = await newPushJob();
    const longAgo = Date.now() - 30 * 24 * 3_600_000;
    const body = pushBody('gitee', 'refs/heads/main', one, { cloneUrl: repo.url });
    const res = await deliver(ek.kiln, job, signed(secret, longAgo), body);
    // It answered 200 {"status":"started"}: a month-old signed timestamp still built.
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 401 });
    expect((await ek.records(job)).length).toBe(0);
  });

  it('takes a signed timestamp within the hour either way, and none past it', async () => {
    const { job, secret } = await newPushJob();
    const body = pushBody('gitee', 'refs/heads/main', one, { cloneUrl: repo.url });
    const ahead = await deliver(ek.kiln, job, signed(secret, Date.now() + 61 * 60_000), body);
    expect(ahead.statusCode, ahead.body).toBe(401);
    expect(ahead.body).toContain('more than an hour');
    const late = await deliver(ek.kiln, job, signed(secret, Date.now() - 59 * 60_000), body);
    expect(late.statusCode, late.body).toBe(200);
    expect((await ek.records(job)).length).toBe(1);
  });

  it('does not let the headers of a delivery that built nothing carry another body into a build', async () => {
    const { job, secret } = await newPushJob();
    const headers = signed(secret, Date.now());
    // The genuine delivery: a push to a branch the trigger does not watch (202, nothing built).
    const genuine = pushBody('gitee', 'refs/heads/feature', two, { cloneUrl: repo.url });
    const first = await deliver(ek.kiln, job, headers, genuine);
    expect(first.statusCode, first.body).toBe(202);
    // Whoever saw its headers sends them again with a body of their own: main, another commit.
    const forged = pushBody('gitee', 'refs/heads/main', one, { cloneUrl: repo.url });
    const again = await deliver(ek.kiln, job, headers, forged);
    // It answered 200 {"status":"started"} and built `one` on main.
    expect({ status: again.statusCode, body: again.json() }).not.toMatchObject({ status: 200 });
    expect((await ek.records(job)).length).toBe(0);
  });

  it("takes the signature URL-encoded too, as Gitee's guide makes it (%2B %2F %3D)", async () => {
    const { job, secret } = await newPushJob();
    // A timestamp whose signature has a + / or = to encode (a base64 HMAC-SHA256 always ends in =).
    let at = Date.now();
    while (!/[+/]/.test(signed(secret, at)['x-gitee-token'] ?? '')) at += 1;
    const headers = signed(secret, at);
    const encoded = { ...headers, 'x-gitee-token': encodeURIComponent(headers['x-gitee-token'] ?? '') };
    expect(encoded['x-gitee-token']).toMatch(/%3D$/);
    const body = pushBody('gitee', 'refs/heads/main', two, { cloneUrl: repo.url });
    const res = await deliver(ek.kiln, job, encoded, body);
    // It answered 401: only the bare base64 was compared.
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 200 });
    const wrong = signed('another-secret', at)['x-gitee-token'] ?? '';
    const other = { ...headers, 'x-gitee-token': encodeURIComponent(wrong), 'x-gitee-timestamp': String(at) };
    expect((await deliver(ek.kiln, job, other, body)).statusCode).toBe(401);
  });
});
