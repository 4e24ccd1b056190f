import { afterAll, beforeAll, expect, it } from 'vitest';
import { SecretBox } from '../../src/engine/secret-box.ts';
import { StoredSecrets } from '../../src/engine/stored-secrets.ts';
import { createTestKiln, jobBody, TEST_SECRET_KEY, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  importRecords,
  seedOutputs,
  recordLine,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../helpers/foundation.ts';
import { RECIPES } from '../helpers/recipes.ts';
import { describeEachStore, expectError } from '../helpers/records.ts';

/**
 * A repository URL may carry credentials (`https://user:token@host/...`, or a token as the user
 * name). Someone who may read a job but not edit it (a viewer) never sees them: every operation
 * that reads a job shows the URL with its userinfo masked. Someone who may edit it sees the URL
 * whole, so reading the document and sending it back keeps the credentials. The build history
 * shows web URLs without credentials to everyone. The stored document holds them only sealed.
 */

const PASSWORD = 'tok-9f3e-secret';
const USER_TOKEN = 'ghp_userTok3n42';
const URL_WITH_PASSWORD = `https://ci-bot:${PASSWORD}@git.example.com/team/app.git`;
const WEB_WITH_PASSWORD = `https://ci-bot:${PASSWORD}@git.example.com/team/app`;
const URL_WITH_TOKEN = `https://${USER_TOKEN}@github.com/o/r.git`;

const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };
const DEVELOPER: Credentials = { name: 'dev', password: 'developer-password-1', domain: 'default' };

describeEachStore('repository credentials', (store) => {
  let kiln: TestKiln;
  let fx: Fixture;
  let tokenJobId: string;
  let viewer: string;
  let developer: string;

  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    const adminToken = await tokenOf(kiln, ADMIN);
    const projectId = await kiln.defaultProjectId();
    for (const [who, role] of [
      [VIEWER, 'viewer'],
      [DEVELOPER, 'developer'],
    ] as const) {
      await createUser(kiln, adminToken, who.name, who.password);
      await setRole(kiln, adminToken, projectId, who.name, role);
    }
    [viewer, developer] = await Promise.all([tokenOf(kiln, VIEWER), tokenOf(kiln, DEVELOPER)]);
    const jobId = await createJob(kiln, adminToken, projectId, {
      job_name: 'with-password',
      scms: [{ url: URL_WITH_PASSWORD, scm_type: 'gitlab', branch: 'main', web_url: WEB_WITH_PASSWORD }],
    });
    tokenJobId = await createJob(kiln, adminToken, projectId, {
      job_name: 'with-token',
      scms: [{ url: URL_WITH_TOKEN, scm_type: 'github', web_url: `https://${USER_TOKEN}@github.com/o/r` }],
    });
    // Each job: an imported build whose web URL carries the credentials, and a triggered one.
    for (const id of [jobId, tokenJobId]) {
      await importRecords(kiln, adminToken, id, [recordLine(1, { scm_web_url: WEB_WITH_PASSWORD })]);
      const run = await kiln.call(adminToken, {
        method: 'POST',
        url: '/v3/jobs/build',
        payload: { job_id: id },
      });
      expect(run.statusCode, run.body).toBe(200);
    }
    const info = await kiln.call(adminToken, { method: 'GET', url: `/v4/jobs/${jobId}/2/record-info` });
    const flowRecordId = await seedOutputs(kiln, jobId, 2);
    await seedOutputs(kiln, tokenJobId, 2);
    fx = {
      kiln,
      adminToken,
      projectId,
      jobId,
      jobName: 'with-password',
      buildNo: 2,
      flowRecordId,
      recordId: info.json().result.id as string,
      webhookSecret: '',
      spareUserId: '',
      unique: (prefix) => prefix,
    };
  });
  afterAll(() => kiln?.close());

  const get = async (token: string, url: string) => {
    const res = await kiln.call(token, { method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const scmOf = async (token: string, jobId: string) =>
    (await get(token, `/v3/jobs/${jobId}/query`)).result.scms[0] as { url: string; web_url?: string };
  const storedScm = async (jobId: string) => {
    const text = (await kiln.storage.jobs.findById(jobId))?.config ?? '{}';
    return { text, scm: new StoredSecrets(new SecretBox(TEST_SECRET_KEY)).jobConfig(text).scms?.[0] };
  };

  it('shows a viewer no credential in any operation that reads a job, its builds or its project', async () => {
    const reads = Object.entries(RECIPES).filter(
      ([, r]) => r.needs === 'read' && ['job', 'record', 'project'].includes(r.names),
    );
    expect(reads.length).toBeGreaterThan(15);
    for (const jobId of [fx.jobId, tokenJobId]) {
      for (const [id, recipe] of reads) {
        const res = await kiln.call(viewer, await recipe.request({ ...fx, jobId }, VIEWER));
        expect([id, res.statusCode]).toEqual([id, 200]);
        expect(res.body, id).not.toContain(PASSWORD);
        expect(res.body, id).not.toContain(USER_TOKEN);
      }
    }
  });

  it('shows a viewer the URLs with their userinfo masked', async () => {
    for (const url of [`/v3/jobs/${fx.jobId}/query`, `/v1/job/${fx.jobId}/config`]) {
      expect((await get(viewer, url)).result.scms[0]).toMatchObject({
        url: 'https://******@git.example.com/team/app.git',
        web_url: 'https://******@git.example.com/team/app',
      });
    }
    expect(await scmOf(viewer, tokenJobId)).toMatchObject({
      url: 'https://******@github.com/o/r.git',
      web_url: 'https://******@github.com/o/r',
    });
    const list = await get(viewer, `/v3/${fx.projectId}/jobs?page_index=0&page_size=10`);
    expect(list.jobs.map((j: { scm_web_url: string }) => j.scm_web_url).sort()).toEqual([
      'https://******@git.example.com/team/app',
      'https://******@github.com/o/r',
    ]);
  });

  it('shows someone who may edit the job the URLs whole', async () => {
    expect(await scmOf(developer, fx.jobId)).toMatchObject({
      url: URL_WITH_PASSWORD,
      web_url: WEB_WITH_PASSWORD,
    });
    expect((await scmOf(developer, tokenJobId)).url).toBe(URL_WITH_TOKEN);
    const list = await get(developer, `/v1/job/${fx.projectId}/list?page_index=0&page_size=10`);
    expect(list.jobs.map((j: { scm_web_url: string }) => j.scm_web_url)).toContain(WEB_WITH_PASSWORD);
  });

  it('shows the history (records) without the credentials of web URLs, to everyone', async () => {
    const records = await get(
      developer,
      `/v3/jobs/${fx.jobId}/build-info-records?start_time=2023-11-01%2000%3A00%3A00&end_time=2030-01-01%2000%3A00%3A00`,
    );
    const rows = records.result.job_build_states as { scm_web_url: string; commit_detail_url: string }[];
    expect(rows.map((r) => r.scm_web_url)).toEqual([
      'https://******@git.example.com/team/app',
      'https://******@git.example.com/team/app',
    ]);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
  });

  it('stores the credentials only sealed', async () => {
    for (const jobId of [fx.jobId, tokenJobId]) {
      const { text } = await storedScm(jobId);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(USER_TOKEN);
    }
    expect((await storedScm(fx.jobId)).scm).toMatchObject({
      url: URL_WITH_PASSWORD,
      web_url: WEB_WITH_PASSWORD,
    });
  });

  it('keeps the credentials when an editor sends the document back as they or a viewer read it', async () => {
    const update = (token: string, doc: Record<string, unknown>) =>
      kiln.call(token, { method: 'POST', url: '/v3/jobs/update', payload: { ...doc, job_id: fx.jobId } });
    const asRead = (await get(developer, `/v3/jobs/${fx.jobId}/query`)).result;
    expect((await update(developer, { ...asRead, job_name: 'renamed' })).statusCode).toBe(200);
    expect((await storedScm(fx.jobId)).scm).toMatchObject({
      url: URL_WITH_PASSWORD,
      web_url: WEB_WITH_PASSWORD,
    });

    const viewersCopy = (await get(viewer, `/v3/jobs/${fx.jobId}/query`)).result;
    expectError(await update(viewer, viewersCopy), 403, 'CB.00060403');
    expect((await update(developer, { ...viewersCopy, job_name: 'renamed-again' })).statusCode).toBe(200);
    expect((await storedScm(fx.jobId)).scm).toMatchObject({
      url: URL_WITH_PASSWORD,
      web_url: WEB_WITH_PASSWORD,
    });

    const other = 'https://ci-bot:another-token@git.example.com/team/app.git';
    const changed = { ...asRead, scms: [{ ...asRead.scms[0], url: other }] };
    expect((await update(developer, changed)).statusCode).toBe(200);
    expect((await storedScm(fx.jobId)).scm?.url).toBe(other);
  });

  it('refuses a URL whose credentials are the mask itself, naming the field', async () => {
    const res = await kiln.call(developer, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(fx.projectId, {
        job_name: 'masked-copy',
        scms: [{ url: 'https://******@git.example.com/team/app.git', scm_type: 'git' }],
      }),
    });
    expectError(res, 400, 'CB.00060200', /scms\[0\]\.url: has masked credentials/);
  });
});
