import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { deliver, headersFor, SENDERS, type Sender } from '../helpers/webhooks.ts';

/**
 * A push is built only by a job of the pushed repository: a host sends a push of repository B to
 * every webhook B has, and a job's webhook given to B must not build the job's repository A at B's
 * branch and commit. Any URL the payload names the repository by will do; another repository's
 * push is ignored (202) saying which, never showing the credentials in the job's URL.
 */

const TOKEN = 's3cr3t-url-token';
const A = `https://ci:${TOKEN}@Git.Example.com/team/app.git`;
const SHOWN_A = 'https://******@Git.Example.com/team/app.git';

let kiln: TestKiln;
let admin = '';
let projectId = '';
let n = 0;
let commits = 0;

beforeAll(async () => {
  kiln = await createTestKiln();
  admin = await tokenOf(kiln, ADMIN);
  projectId = await kiln.defaultProjectId();
});
afterAll(() => kiln?.close());

/** A job building `url` on pushes to main; its id and webhook secret. */
async function pushJob(url: string, webUrl?: string): Promise<{ job: string; secret: string }> {
  const job = await createJob(kiln, admin, projectId, {
    job_name: `pushed-${++n}`,
    scms: [{ url, scm_type: 'git', branch: 'main', ...(webUrl && { web_url: webUrl }) }],
    triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
  });
  const res = await kiln.call(admin, { url: `/v1/kiln/jobs/${job}/webhook` });
  return { job, secret: res.json().result.secret as string };
}

type Payloads = Sender | 'codearts';

/**
 * A push to main of a fresh commit, in the host's shape, its repository named by `urls` (fields of
 * `repository`, or for GitLab and CodeArts Repo `project`, or none at all).
 */
function push(sender: Payloads, urls: { repository?: object; project?: object }): string {
  const after = (++commits).toString(16).padStart(40, 'c');
  const common = { ref: 'refs/heads/main', before: '0'.repeat(40), after, commits: [{ id: after }] };
  if (sender === 'gitlab' || sender === 'codearts')
    return JSON.stringify({ object_kind: 'push', ...common, checkout_sha: after, ...urls });
  return JSON.stringify({ ...common, head_commit: { id: after }, ...urls });
}

async function send(job: string, secret: string, sender: Payloads, body: string) {
  const headers =
    sender === 'codearts'
      ? { 'content-type': 'application/json', 'x-repo-token': secret }
      : headersFor(sender, secret, body);
  const res = await deliver(kiln, job, headers, body);
  expect(res.body).not.toContain(TOKEN);
  return res;
}

/** The payload's URLs of the job's repository, each alone, as each host names it. */
const SAME: Record<Payloads, { repository?: object; project?: object }[]> = {
  github: [
    { repository: { clone_url: 'https://github.example.com/team/app.git' } },
    { repository: { ssh_url: 'git@github.example.com:team/app.git' } },
    { repository: { git_url: 'git://github.example.com/team/app.git' } },
    { repository: { html_url: 'https://github.example.com/Team/App' } },
    { repository: { url: 'https://github.example.com/team/app/' } },
  ],
  gitea: [
    { repository: { clone_url: 'http://github.example.com:3000/team/app.git' } },
    { repository: { ssh_url: 'ssh://git@github.example.com:2222/team/app.git' } },
    { repository: { html_url: 'https://GITHUB.example.com/team/app' } },
  ],
  gitee: [{ repository: { git_http_url: 'https://github.example.com/team/app.git' } }],
  gitlab: [
    { project: { git_http_url: 'https://github.example.com/team/app.git' } },
    { project: { git_ssh_url: 'git@github.example.com:team/app.git' } },
    { project: { web_url: 'https://github.example.com/team/app' } },
    { repository: { url: 'git@github.example.com:team/app.git' } },
    { repository: { homepage: 'https://github.example.com/team/app' } },
  ],
  codearts: [
    { project: { git_http_url: 'https://github.example.com/team/app.git' } },
    { project: { git_ssh_url: 'git@github.example.com:team/app.git' } },
  ],
};
const ALL: Payloads[] = [...SENDERS, 'codearts'];

describe.each(ALL)('%s push', (sender) => {
  it.each(SAME[sender])('of the job repository named by %j builds', async (urls) => {
    const { job, secret } = await pushJob(`https://ci:${TOKEN}@github.example.com/team/app.git`);
    const res = await send(job, secret, sender, push(sender, urls));
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({
      status: 200,
      body: { status: 'started' },
    });
  });

  it('of another repository is ignored, saying which, and builds nothing', async () => {
    const { job, secret } = await pushJob(A);
    const other = 'https://git.example.com/team/other.git';
    const urls =
      sender === 'gitlab' || sender === 'codearts'
        ? {
            project: { git_http_url: other, git_ssh_url: 'git@git.example.com:team/other.git' },
            repository: { url: 'git@git.example.com:team/other.git' },
          }
        : {
            repository: {
              clone_url: other,
              ssh_url: 'git@git.example.com:team/other.git',
              html_url: 'https://git.example.com/team/other',
            },
          };
    const res = await send(job, secret, sender, push(sender, urls));
    const reason = `the push is for repository ${other}; the job builds ${SHOWN_A}`;
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({
      status: 202,
      body: { status: 'ignored', reason },
    });
    const list = await kiln.call(admin, { url: `/v1/kiln/jobs/${job}/webhook/deliveries` });
    expect(list.body).not.toContain(TOKEN);
    expect(list.json().result.deliveries[0]).toMatchObject({ outcome: 'ignored', reason });
    expect((await kiln.storage.jobs.findById(job))?.lastBuildNumber).toBe(0);
  });
});

describe('what is not another repository', () => {
  it('the same path on another host, or a repository of the same name elsewhere, is another', async () => {
    const { job, secret } = await pushJob(A);
    for (const clone of [
      'https://elsewhere.example.com/team/app.git',
      'https://git.example.com/fork/app.git',
      'https://git.example.com/team/app-2.git',
    ]) {
      const res = await send(job, secret, 'github', push('github', { repository: { clone_url: clone } }));
      expect({ clone, status: res.statusCode, reason: res.json().reason }).toEqual({
        clone,
        status: 202,
        reason: `the push is for repository ${clone}; the job builds ${SHOWN_A}`,
      });
    }
  });

  it("a job naming its repository by scp's SSH form builds a push naming it by https", async () => {
    const { job, secret } = await pushJob('git@git.example.com:team/app.git');
    const body = push('gitlab', { project: { git_http_url: 'https://git.example.com/team/app.git' } });
    expect((await send(job, secret, 'gitlab', body)).statusCode).toBe(200);
  });

  it('a job building a mirror builds pushes of the repository its web_url names', async () => {
    const { job, secret } = await pushJob(
      'https://mirror.example.net/app.git',
      'https://git.example.com/team/app',
    );
    const ours = push('github', { repository: { clone_url: 'https://git.example.com/team/app.git' } });
    expect((await send(job, secret, 'github', ours)).statusCode).toBe(200);
    const theirs = push('github', { repository: { clone_url: 'https://git.example.com/team/b.git' } });
    expect((await send(job, secret, 'github', theirs)).json().reason).toBe(
      'the push is for repository https://git.example.com/team/b.git; the job builds https://mirror.example.net/app.git',
    );
  });

  it("a payload naming no repository is taken as the job's (a hand-made delivery, signed all the same)", async () => {
    const { job, secret } = await pushJob(A);
    for (const urls of [{}, { repository: { name: 'app' } }, { repository: { clone_url: 7 } }]) {
      const res = await send(job, secret, 'gitlab', push('gitlab', urls));
      expect({ urls, status: res.statusCode }).toEqual({ urls, status: 200 });
    }
  });

  it('a job whose repository is a path on the Kiln machine takes any push (no host URL names it)', async () => {
    for (const url of ['/srv/git/app.git', 'file:///srv/git/app.git']) {
      const { job, secret } = await pushJob(url);
      const body = push('github', { repository: { clone_url: 'https://git.example.com/team/b.git' } });
      expect({ url, status: (await send(job, secret, 'github', body)).statusCode }).toEqual({
        url,
        status: 200,
      });
    }
  });

  it('a job building a local mirror compares the push with the repository its web_url names', async () => {
    // It took any push: the local path names no host, and the web_url the job gives was not read.
    const { job, secret } = await pushJob('/srv/git/app.git', 'https://git.example.com/team/app');
    const ours = push('github', { repository: { clone_url: 'https://git.example.com/team/app.git' } });
    expect((await send(job, secret, 'github', ours)).statusCode).toBe(200);
    const theirs = push('github', { repository: { clone_url: 'https://git.example.com/team/b.git' } });
    const res = await send(job, secret, 'github', theirs);
    expect({ status: res.statusCode, reason: res.json().reason }).toEqual({
      status: 202,
      reason:
        'the push is for repository https://git.example.com/team/b.git; the job builds /srv/git/app.git, a mirror of https://git.example.com/team/app (its web_url)',
    });
  });

  it('a pushed URL with credentials or control characters is quoted without them', async () => {
    const { job, secret } = await pushJob(A);
    const body = push('github', {
      repository: {
        clone_url: `https://u:${TOKEN}@git.example.com/b.git`,
        html_url: 'https://x/\u001b[31mb',
      },
    });
    const res = await send(job, secret, 'github', body);
    expect(res.json().reason).toBe(
      `the push is for repository https://******@git.example.com/b.git; the job builds ${SHOWN_A}`,
    );
    const escaped = push('github', { repository: { clone_url: 'https://x/\u001b[31mb' } });
    expect((await send(job, secret, 'github', escaped)).json().reason).toBe(
      `the push is for repository "https://x/\\u001b[31mb"; the job builds ${SHOWN_A}`,
    );
  });
});
