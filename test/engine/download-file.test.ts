import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody } from '../helpers/app.ts';
import { createUser, setRole, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * download_file (issue 19): a build gets a file of the file manager into its workspace, mode 0600,
 * its bytes never in the log, when the job's creator and whoever started the build may use it; a
 * build that may not, or names a file there is not, fails its step saying why. With the server's
 * own runner and a remote one (the file over the runner protocol's HTTP).
 */

const DOWNLOAD_FILE = 'devcloud2018.codeci_action_20061.action';
const SECRET = 'registry-password=s3cr3t-f1le-c0ntent';

describe.each(MODES.slice(0, 2))('download_file, %s', (_label, mode) => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;
  let dev = '';

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('build.yml', {
      '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - download_file:
        inputs:
          name: secret.properties
    - sh:
        inputs:
          command: stat -c 'mode %a size %s' secret.properties; sha256sum secret.properties; grep -q '^registry-password=' secret.properties && echo content-matches
`,
    });
    await uploadFile(ek.kiln, ek.token, 'secret.properties', `${SECRET}\n`);
    await createUser(ek.kiln, ek.token, 'file-dev', 'file-dev-pass-1');
    await setRole(ek.kiln, ek.token, ek.projectId, 'file-dev', 'developer');
    dev = await tokenOf(ek.kiln, { name: 'file-dev', password: 'file-dev-pass-1', domain: 'default' });
  }, 60_000);
  afterAll(() => kiln?.close());

  it('puts the file into the workspace, 0600, and keeps its bytes out of the log', async () => {
    const job = await newYamlJob(ek, repo.url);
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 60_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log).toContain(
      'downloaded file secret.properties (38 bytes) of the file manager into the workspace (mode 0600)',
    );
    expect(log).toContain('mode 600 size 38');
    expect(log).toContain(`${createHash('sha256').update(`${SECRET}\n`).digest('hex')}  secret.properties`);
    expect(log).toContain('content-matches');
    expect(log).not.toContain('s3cr3t');
    const db = (ek.kiln.storage as unknown as { db: Kysely<unknown> }).db;
    const reads = await sql<{ how: string; record_id: string }>`select how, record_id from keystore_accesses
      where how = 'build'`.execute(db);
    expect(reads.rows.map((x) => x.how)).toEqual(['build']);
  }, 90_000);

  it('keeps no artifact holding the bytes of a file the build got from the file manager', async () => {
    const leaky = new TestRepo();
    leaky.commit('build.yml', {
      'notes.txt': 'notes\n',
      '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - download_file:
        inputs:
          name: secret.properties
    - sh:
        inputs:
          command: mkdir out && cp secret.properties out/app.conf
    - upload_artifact:
        inputs:
          path: "out/*"
`,
    });
    const job = await newYamlJob(ek, leaky.url);
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 60_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain(
      'upload_artifact: "out/app.conf" holds the bytes of secret.properties, the file manager\'s file this build got with download_file',
    );
    expect((await ek.get(`/v1/kiln/jobs/${job}/1/artifacts`)).json().result.artifacts).toEqual([]);
  }, 90_000);

  it("refuses the file to a build whose job's creator or starter may not use it, and names a missing one", async () => {
    const scms = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];
    const steps = (name: string) => [{ module_id: DOWNLOAD_FILE, name: 'get it', properties: { name } }];
    // The job of a developer who has no right to the file.
    const made = await ek.kiln.call(dev, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(ek.projectId, {
        job_name: 'dev-file',
        scms: scms(),
        steps: steps('secret.properties'),
      }),
    });
    expect(made.statusCode, made.body).toBe(200);
    const devJob = made.json().result.job_id as string;
    expect(
      (await ek.kiln.call(dev, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: devJob } }))
        .statusCode,
    ).toBe(200);
    expect((await ek.waitFinished(devJob, 1, 60_000)).state).toBe('FAILURE');
    expect(await ek.log(devJob, 1)).toContain(
      'download_file failed: the job’s creator (file-dev) may not use file secret.properties',
    );

    // The admin's job, started by the developer.
    const adminJob = await ek.newJob({
      job_name: 'admin-file',
      scms: scms(),
      steps: steps('secret.properties'),
    });
    expect(
      (await ek.kiln.call(dev, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: adminJob } }))
        .statusCode,
    ).toBe(200);
    expect((await ek.waitFinished(adminJob, 1, 60_000)).state).toBe('FAILURE');
    expect(await ek.log(adminJob, 1)).toContain(
      'download_file failed: who started the build (file-dev) may not use file secret.properties',
    );

    const missing = await ek.newJob({ job_name: 'missing-file', scms: scms(), steps: steps('nope.txt') });
    await ek.run(missing);
    expect((await ek.waitFinished(missing, 1, 60_000)).state).toBe('FAILURE');
    expect(await ek.log(missing, 1)).toContain(
      'download_file failed: the file manager has no file named nope.txt',
    );
  }, 120_000);
});
