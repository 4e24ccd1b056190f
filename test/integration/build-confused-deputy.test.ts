import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  importRecords,
  recordLine,
  seedArtifact,
  setRole,
  tokenOf,
  uploadFile,
  type Credentials,
} from '../helpers/foundation.ts';

/**
 * A build acts for up to three users when it reaches past its own job: its job's creator, whoever
 * last saved the job (whose steps it runs), and whoever started it (src/engine/build-users.ts). docs/security.md: "a developer in any
 * project ... must not be able to use a build to reach anything their account could not reach
 * through the API". The file manager's download_file and download_artifact both give a build only
 * what ALL may read, so a developer's job that an owner runs ("please run my job") cannot fetch an
 * artifact of a project the developer is no member of into a workspace whose steps the developer
 * wrote (to upload again as the job's own artifact or print into its log).
 *
 * The runner side is driven over real HTTP on loopback with a registered runner's token, exactly
 * as `kiln runner` does; no build code is needed to show what the server hands out.
 */
const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };

let kiln: TestKiln;
let base: string;
let runnerToken: string;
let admin: string;
let dev: string;
let secretJob: string;
let devJob: string;
let vault: string;

async function runnerCall(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${runnerToken}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: bytes.toString('utf8') };
}

beforeAll(async () => {
  kiln = await createTestKiln();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  admin = await tokenOf(kiln, ADMIN);
  const reg = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r1' } });
  expect(reg.statusCode, reg.body).toBe(201);
  runnerToken = reg.json().result.token;

  // Project "vault" (the developer is no member): job with a build that kept secret.txt.
  vault = await createProject(kiln, admin, 'vault');
  secretJob = await createJob(kiln, admin, vault, { job_name: 'release' });
  await importRecords(kiln, admin, secretJob, [recordLine(1)]);
  const build = (await kiln.storage.builds.findByNumber(secretJob, 1))!;
  await seedArtifact(
    kiln,
    { recordId: build.recordId, jobId: secretJob, buildNumber: 1, name: 'secret.txt' },
    'signing key material\n',
  );
  // A file of the file manager only the admin may use (the control case).
  await uploadFile(kiln, admin, 'release.jks', 'jks bytes');

  // The developer, a member of the default project only, writes a job there.
  await createUser(kiln, admin, DEV.name, DEV.password);
  await setRole(kiln, admin, await kiln.defaultProjectId(), DEV.name, 'developer');
  dev = await tokenOf(kiln, DEV);
  devJob = await createJob(kiln, dev, await kiln.defaultProjectId(), { job_name: 'innocent' });
});

afterAll(async () => {
  kiln?.app.server.closeAllConnections();
  await kiln?.close();
});

describe("a developer's job run by an owner", () => {
  it('cannot fetch an artifact of a project its author may not read (as it cannot fetch such a file)', async () => {
    // Through the API the developer cannot read the artifact at all.
    const direct = await kiln.call(dev, {
      method: 'GET',
      url: `/v1/kiln/jobs/${secretJob}/1/artifacts/secret.txt`,
    });
    expect(direct.statusCode).toBe(404);

    // The owner runs the developer's job (a "please run my job" request).
    const run = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: devJob },
    });
    expect(run.statusCode, run.body).toBe(200);
    const lease = await runnerCall('POST', RUNNER_PATHS.next, { wait_ms: 2000 });
    expect(lease.status, lease.text).toBe(200);
    const { recordId, jobId } = JSON.parse(lease.text) as { recordId: string; jobId: string };
    expect(jobId).toBe(devJob);

    // Control: the file manager refuses, because the job's creator may not use the file.
    const file = await runnerCall(
      'GET',
      `${runnerPath(RUNNER_PATHS.file, recordId)}?name=${encodeURIComponent('release.jks')}`,
    );
    expect(file.status, file.text).toBe(400);
    expect(file.text).toMatch(/job’s creator \(dev\) may not use file/);

    // The same rule must hold for artifacts: the developer's steps may not read secret.txt.
    const artifact = await runnerCall(
      'GET',
      `${runnerPath(RUNNER_PATHS.artifact, recordId)}?url=${encodeURIComponent(
        `/v1/kiln/jobs/${secretJob}/1/artifacts/secret.txt`,
      )}`,
    );
    expect(artifact.text).not.toContain('signing key material');
    expect(artifact.status, artifact.text).toBe(400);
    // Said as for an artifact that does not exist: the steps learn nothing of other projects.
    expect(artifact.text).toContain(
      `no artifact secret.txt of build 1 of job ${secretJob} that this build may read`,
    );
  });

  it("the owner's own job in that project still fetches it (both users may read it)", async () => {
    const ownJob = await createJob(kiln, admin, vault, { job_name: 'publish' });
    const run = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: ownJob },
    });
    expect(run.statusCode, run.body).toBe(200);
    const lease = await runnerCall('POST', RUNNER_PATHS.next, { wait_ms: 2000 });
    expect(lease.status, lease.text).toBe(200);
    const { recordId, jobId } = JSON.parse(lease.text) as { recordId: string; jobId: string };
    expect(jobId).toBe(ownJob);
    const artifact = await runnerCall(
      'GET',
      `${runnerPath(RUNNER_PATHS.artifact, recordId)}?url=${encodeURIComponent(
        `/v1/kiln/jobs/${secretJob}/1/artifacts/secret.txt`,
      )}`,
    );
    expect(artifact.status, artifact.text).toBe(200);
    expect(artifact.text).toBe('signing key material\n');
  });
});

describe("an owner's job that a developer changed", () => {
  /** The admin starts `jobId`; the runner's lease of that build. */
  async function runAsAdmin(jobId: string): Promise<string> {
    const run = await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    expect(run.statusCode, run.body).toBe(200);
    const lease = await runnerCall('POST', RUNNER_PATHS.next, { wait_ms: 2000 });
    expect(lease.status, lease.text).toBe(200);
    const leased = JSON.parse(lease.text) as { recordId: string; jobId: string };
    expect(leased.jobId).toBe(jobId);
    return leased.recordId;
  }

  /** `token`'s user saves the job's document (UpdateBuildJob), becoming its last saver. */
  async function save(token: string, jobId: string): Promise<void> {
    const res = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/update',
      payload: jobBody(await kiln.defaultProjectId(), { job_id: jobId, job_name: 'owners-release' }),
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  const fetchFile = (recordId: string) =>
    runnerCall('GET', `${runnerPath(RUNNER_PATHS.file, recordId)}?name=${encodeURIComponent('release.jks')}`);
  const fetchArtifact = (recordId: string) =>
    runnerCall(
      'GET',
      `${runnerPath(RUNNER_PATHS.artifact, recordId)}?url=${encodeURIComponent(
        `/v1/kiln/jobs/${secretJob}/1/artifacts/secret.txt`,
      )}`,
    );

  it("lends the developer's steps nothing of the owner's when the owner runs it, until builds triggered after the owner saves it again", async () => {
    // The admin's job in the default project, where the developer may change jobs.
    const projectId = await kiln.defaultProjectId();
    const jobId = await createJob(kiln, admin, projectId, { job_name: 'owners-release' });
    // Before any change, the admin's build reaches what the admin may (the control).
    const before = await runAsAdmin(jobId);
    expect((await fetchFile(before)).status).toBe(200);

    // The developer changes the job (in a real attack: adds a download_file step and one that
    // sends the file away), then waits for the owner to run it.
    await save(dev, jobId);
    const after = await runAsAdmin(jobId);

    // The owner saves the job as it now stands while that build runs: the build still runs the
    // steps as they were when it was triggered, the developer's, and still acts for the developer.
    await save(admin, jobId);
    const file = await fetchFile(after);
    expect(file.status, file.text).toBe(400);
    expect(file.text).toMatch(/who last saved the job \(dev\) may not use file release\.jks/);
    const artifact = await fetchArtifact(after);
    expect(artifact.status, artifact.text).toBe(400);
    expect(artifact.text).not.toContain('signing key material');

    // Builds triggered after the owner's save are the owner's alone again.
    const again = await runAsAdmin(jobId);
    expect((await fetchFile(again)).status).toBe(200);
    expect((await fetchArtifact(again)).text).toBe('signing key material\n');
  });
});
