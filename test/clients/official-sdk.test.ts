import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { sleep } from '../helpers/engine.ts';
import { recordingProxy, sdkCall, sdkClient, type HcClient, type RecordingProxy } from '../helpers/sdk.ts';

// The official Node SDK core (3.1.211) against a real Kiln on a socket, with no special case for
// it: AK/SK signed by the SDK, requests shaped exactly as the generated CodeArtsBuildClient shapes
// them, answers and errors parsed by the SDK. A recording proxy sits between the two so each
// test can check what went over the wire.

interface RunAnswer {
  actual_build_number: string;
  daily_build_number: string;
  octopus_job_name: string;
}
interface LogAnswer {
  result: { has_more_data: boolean; offset: number; content: string; current_offset: number };
}

describe('official Huawei Cloud SDK core as the client', () => {
  let kiln: TestKiln;
  let proxy: RecordingProxy;
  let sdk: HcClient;
  let projectId: string;
  let iamProjectId: string;
  let ak: string;
  let sk: string;
  let jobId: string;

  const last = () => proxy.exchanges[proxy.exchanges.length - 1];

  /** Polls ShowJobStatus through the SDK until it says `running`. */
  async function waitStatus(running: boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await sdkCall<{ result: boolean }>(sdk, {
        method: 'GET',
        url: '/v3/jobs/{job_id}/status',
        pathParams: { job_id: jobId },
      });
      if (status.result === running) return;
      if (Date.now() > deadline) throw new Error(`job status never became ${running}`);
      await sleep(100);
    }
  }

  /** The whole log through DownloadRealTimeLog, looping on offset until has_more_data is false. */
  async function wholeLog(buildNo: number): Promise<string> {
    let offset = 0;
    let text = '';
    const deadline = Date.now() + 20_000;
    for (;;) {
      const slice = await sdkCall<LogAnswer>(sdk, {
        method: 'GET',
        url: '/v3/jobs/{job_id}/{build_no}/real-time-log',
        pathParams: { job_id: jobId, build_no: buildNo },
        queryParams: { offset },
      });
      text += slice.result.content;
      if (!slice.result.has_more_data) return text;
      if (slice.result.offset === offset) await sleep(100);
      offset = slice.result.offset;
      if (Date.now() > deadline) throw new Error(`log of build ${buildNo} never ended:\n${text}`);
    }
  }

  beforeAll(async () => {
    kiln = await createTestKiln({ runner: { slots: 2 } });
    await kiln.app.listen({ host: '127.0.0.1', port: 0 });
    const address = kiln.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    proxy = await recordingProxy(`http://127.0.0.1:${port}`);

    // A project-scoped token gives the IAM project id; the token creates the access key.
    const login = await kiln.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', password: 'admin-password-1', domain: { name: 'default' } } },
          },
          scope: { project: { name: 'local' } },
        },
      },
    });
    expect(login.statusCode, login.body).toBe(201);
    const token = String(login.headers['x-subject-token']);
    iamProjectId = login.json().token.project.id;
    const key = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/access-keys',
      payload: { description: 'official SDK suite' },
    });
    expect(key.statusCode, key.body).toBe(201);
    ({ sk } = key.json().result);
    ak = key.json().result.key.ak;
    projectId = await kiln.defaultProjectId();
    sdk = sdkClient(proxy.url, ak, sk, iamProjectId);
  });
  afterAll(async () => {
    await proxy?.close();
    await kiln?.close();
  });

  it('CreateBuildJob: POST /v3/jobs/create', async () => {
    const created = await sdkCall<{ result: { job_id: string }; status: string }>(sdk, {
      method: 'POST',
      url: '/v3/jobs/create',
      body: jobBody(projectId, {
        job_name: 'sdk-job',
        scms: [],
        steps: [
          {
            module_id: 'kiln.shell',
            name: 'work',
            properties: {
              command: 'echo "sdk build $BUILD_NUMBER"; if [ "$BUILD_NUMBER" != 1 ]; then sleep 30; fi',
            },
          },
        ],
      }),
    });
    expect(created).toMatchObject({ httpStatusCode: 200, status: 'success' });
    jobId = created.result.job_id;
    expect(jobId).toMatch(/^[0-9a-z]{32}$/);
    // What the SDK signed: the Node SDK's header set, with the IAM project id.
    const sent = last();
    expect(sent?.headers.authorization).toMatch(
      new RegExp(
        `^SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$`,
      ),
    );
    expect(sent?.headers['x-project-id']).toBe(iamProjectId);
    expect(sent?.headers['x-auth-token']).toBeUndefined();
  });

  it('a client configured by region (no project id) finds its project through IAM, then works', async () => {
    // Exactly as a region-configured CodeArts client: the IAM endpoint and the region's endpoint
    // are Kiln; the SDK asks GET /v3/projects?name=<region> before its first call.
    const credentials = new BasicCredentials().withAk(ak).withSk(sk).withIamEndpoint(proxy.url);
    const regional = new ClientBuilder<HcClient>((client) => client)
      .withCredential(credentials)
      .withRegion(new Region('local', proxy.url))
      .build();
    const before = proxy.exchanges.length;
    const jobs = await sdkCall<{ jobs: { id: string }[]; total: number }>(regional, {
      method: 'GET',
      url: '/v3/{project_id}/jobs',
      pathParams: { project_id: projectId },
      queryParams: { page_index: 0, page_size: 10 },
    });
    expect(jobs).toMatchObject({ httpStatusCode: 200 });
    expect(jobs.jobs.map((j) => j.id)).toContain(jobId);
    const [discovery, call] = proxy.exchanges.slice(before);
    expect(discovery).toMatchObject({ method: 'GET', url: '/v3/projects?name=local', status: 200 });
    expect(discovery?.headers['x-project-id']).toBeUndefined();
    // The SDK signs and sends `{}` as the body of this GET: the server read and checked it.
    expect(discovery?.body).toBe('{}');
    expect(call?.headers['x-project-id']).toBe(iamProjectId);

    // The IAM answers themselves, in Keystone's shapes.
    const projects = await sdkCall<{ projects: Record<string, unknown>[]; links: Record<string, unknown> }>(
      sdk,
      {
        method: 'GET',
        url: '/v3/projects',
        queryParams: { name: 'local' },
      },
    );
    expect(projects.projects).toEqual([
      {
        id: iamProjectId,
        name: 'local',
        domain_id: expect.stringMatching(/^[0-9a-z]{32}$/),
        parent_id: projects.projects[0]!.domain_id,
        description: '',
        enabled: true,
        is_domain: false,
        links: { self: `${proxy.url}/v3/projects/${iamProjectId}` },
      },
    ]);
    expect(projects.links).toMatchObject({ previous: null, next: null });
    const none = await sdkCall<{ projects: unknown[] }>(sdk, {
      method: 'GET',
      url: '/v3/projects',
      queryParams: { name: 'cn-north-4' },
    });
    expect(none.projects).toEqual([]);
    const mine = await sdkCall<{ projects: { id: string }[] }>(sdk, {
      method: 'GET',
      url: '/v3/auth/projects',
    });
    expect(mine.projects.map((p) => p.id)).toEqual([iamProjectId]);
    const domains = await sdkCall<{ domains: { id: string; name: string; enabled: boolean }[] }>(sdk, {
      method: 'GET',
      url: '/v3/auth/domains',
    });
    expect(domains.domains).toMatchObject([
      { id: projects.projects[0]!.domain_id, name: 'default', enabled: true },
    ]);
  });

  it('RunJob, then the real-time log until has_more_data is false', async () => {
    const run = await sdkCall<RunAnswer>(sdk, {
      method: 'POST',
      url: '/v3/jobs/build',
      body: { job_id: jobId },
    });
    expect(run).toMatchObject({ httpStatusCode: 200, actual_build_number: '1' });
    expect(run.daily_build_number).toMatch(/^\d{8}\.1$/);
    expect(await wholeLog(1)).toContain('sdk build 1');
    expect(last()?.url).toMatch(new RegExp(`^/v3/jobs/${jobId}/1/real-time-log\\?offset=\\d+$`));
  });

  it('ShowJobStatus while a build runs; StopBuildJob with no body ends it ABORTED', async () => {
    const run = await sdkCall<RunAnswer>(sdk, {
      method: 'POST',
      url: '/v3/jobs/build',
      body: { job_id: jobId, parameter: [] },
    });
    expect(run.actual_build_number).toBe('2');
    await waitStatus(true);
    const stop = await sdkCall<{ success: boolean; result: string }>(sdk, {
      method: 'POST',
      url: '/v3/jobs/{job_id}/{build_no}/stop',
      pathParams: { job_id: jobId, build_no: 2 },
    });
    expect(stop).toMatchObject({ httpStatusCode: 200, success: true });
    const sent = last();
    expect(sent).toMatchObject({ method: 'POST', url: `/v3/jobs/${jobId}/2/stop`, body: '' });
    expect(sent?.headers['content-type']).toBe('application/json');
    await waitStatus(false);
    expect(await wholeLog(2)).toContain('sdk build 2');
  });

  it('ListBuildInfoRecord with start_time/end_time holding spaces and colons', async () => {
    const page = await sdkCall<{
      result: { total_record: string; job_build_states: { number: number; state: string }[] };
    }>(sdk, {
      method: 'GET',
      url: '/v3/jobs/{job_id}/build-info-records',
      pathParams: { job_id: jobId },
      queryParams: {
        start_time: '2000-01-01 00:00:00',
        end_time: '2099-12-31 23:59:59',
        page_index: 0,
        page_size: 10,
      },
    });
    expect(page).toMatchObject({ httpStatusCode: 200, status: 'success', error: null });
    expect(page.result.total_record).toBe('2');
    expect(page.result.job_build_states.map((r) => [r.number, r.state])).toEqual([
      [2, 'ABORTED'],
      [1, 'SUCCESS'],
    ]);
    expect(last()?.url).toBe(
      `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01%2000%3A00%3A00&end_time=2099-12-31%2023%3A59%3A59&page_index=0&page_size=10`,
    );
  });

  it('ListRecords with triggers, branches and tags as arrays (repeated keys on the wire, AK/SK-signed)', async () => {
    type Page = { result: { pagination: { total: number }; data: { build_no: string }[] } };
    const list = (queryParams: Record<string, string[]>) =>
      sdkCall<Page>(sdk, {
        method: 'GET',
        url: '/v1/record/{build_project_id}/records',
        pathParams: { build_project_id: jobId },
        queryParams,
      });
    // Both builds were started by hand (on no branch: the job names no repository).
    const manual = await list({ triggers: ['MANUAL', 'SCHEDULED'] });
    expect(manual).toMatchObject({
      httpStatusCode: 200,
      status: 'success',
      result: { pagination: { total: 2 } },
    });
    expect(manual.result.data.map((r) => Number(r.build_no))).toEqual([2, 1]);
    expect(last()?.url).toBe(`/v1/record/${jobId}/records?triggers=MANUAL&triggers=SCHEDULED`);
    const none = await list({
      triggers: ['SCHEDULED', 'CODE_UPDATE'],
      branches: ['main', 'dev'],
      tags: ['a', 'b'],
    });
    expect(none).toMatchObject({ httpStatusCode: 200, result: { pagination: { total: 0 } } });
    expect(last()?.url).toMatch(/records\?(triggers=\w+&){2}(branches=\w+&){2}tags=\w&tags=\w$/);
  });

  it('ShowJobListByProjectId: GET /v3/{project_id}/jobs', async () => {
    const list = await sdkCall<{ jobs: { id: string; job_name: string }[]; total: number }>(sdk, {
      method: 'GET',
      url: '/v3/{project_id}/jobs',
      pathParams: { project_id: projectId },
      queryParams: { page_index: 0, page_size: 10 },
    });
    expect(list.httpStatusCode).toBe(200);
    expect(list.jobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: jobId, job_name: 'sdk-job' })]),
    );
    expect(list.total).toBeGreaterThanOrEqual(1);
  });

  it('ListJobConfig, ShowHistoryDetails, ShowRecordDetail and DownloadBuildLog (a stream)', async () => {
    const config = await sdkCall<{ result: { job_name: string } }>(sdk, {
      method: 'GET',
      url: '/v3/jobs/{job_id}/query',
      pathParams: { job_id: jobId },
    });
    expect(config.result.job_name).toBe('sdk-job');
    const details = await sdkCall<{ build_number: number; build_steps: { name: string; status: string }[] }>(
      sdk,
      {
        method: 'GET',
        url: '/v3/jobs/{job_id}/{build_number}/history-details',
        pathParams: { job_id: jobId, build_number: 1 },
      },
    );
    expect(details).toMatchObject({ build_number: 1, build_steps: [{ name: 'work', status: 'success' }] });
    const record = await sdkCall<{ result: { id: string; status: string } }>(sdk, {
      method: 'GET',
      url: '/v4/jobs/{job_id}/{build_no}/record-info',
      pathParams: { job_id: jobId, build_no: 1 },
    });
    expect(record.result.id).toMatch(/^[0-9a-f-]{36}$/);
    const download = (await sdk.sendRequest({
      method: 'GET',
      url: '/v4/{record_id}/download-log',
      contentType: 'application/json',
      queryParams: {},
      pathParams: { record_id: record.result.id },
      headers: {},
      responseHeaders: [''],
    } as never)) as unknown as { body: NodeJS.ReadableStream | Buffer | string; httpStatusCode: number };
    expect(download.httpStatusCode).toBe(200);
    expect(download.body).toBeDefined();
  });

  it('ShowBuildRecordFullStages (boolean cascade), ShowActionIInfo (offsets in the query), ShowJobStepStatus', async () => {
    const record = await sdkCall<{ result: { id: string } }>(sdk, {
      method: 'GET',
      url: '/v1/record/{job_id}/{build_no}/record-info',
      pathParams: { job_id: jobId, build_no: 1 },
    });
    const stages = await sdkCall<{ result: { build_stages: Record<string, { display_name: string }> } }>(
      sdk,
      {
        method: 'GET',
        url: '/v1/record/{record_id}/full-stages',
        pathParams: { record_id: record.result.id },
        queryParams: { cascade: true },
      },
    );
    expect(last()?.url).toContain('cascade=true');
    expect(stages.result.build_stages.stage1?.display_name).toBe('work');
    const page = await sdkCall<{ result: { has_more: boolean; start_offset: string; log: string } }>(sdk, {
      method: 'GET',
      url: '/v1/log/stage/page',
      queryParams: { job_id: jobId, build_no: 1, start_offset: 0, end_offset: 0, sort: 'ASC' },
    });
    expect(page.result).toMatchObject({ has_more: false, start_offset: '0' });
    expect(page.result.log.length).toBeGreaterThan(0);
    const status = await sdkCall<{ result: { status: string; label: string } }>(sdk, {
      method: 'GET',
      url: '/v1/job/{job_id}/status',
      pathParams: { job_id: jobId },
      queryParams: { build_no: 1 },
    });
    expect(status.result).toMatchObject({ label: 'work' });
  });

  describe('errors parsed by the SDK into ClientRequestException with our error_code and X-Request-Id', () => {
    async function failure(call: Promise<unknown>): Promise<ClientRequestException> {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClientRequestException);
      return error as ClientRequestException;
    }

    it('404: a job that does not exist', async () => {
      const e = await failure(
        sdkCall(sdk, {
          method: 'GET',
          url: '/v3/jobs/{job_id}/status',
          pathParams: { job_id: '0'.repeat(32) },
        }),
      );
      expect(e).toMatchObject({ httpStatusCode: 404, errorCode: 'CB.00060201' });
      expect(e.errorMsg).toMatch(/job/i);
      expect(e.requestId).toMatch(/^[A-Za-z0-9._:-]+$/);
      expect(e.requestId).toBe(last()?.requestId);
    });

    it('400: a start_time that is not a time', async () => {
      const e = await failure(
        sdkCall(sdk, {
          method: 'GET',
          url: '/v3/jobs/{job_id}/build-info-records',
          pathParams: { job_id: jobId },
          queryParams: { start_time: 'yesterday', end_time: '2099-12-31 23:59:59' },
        }),
      );
      expect(e).toMatchObject({ httpStatusCode: 400, errorCode: 'CB.00060200' });
      expect(e.errorMsg).toContain('start_time');
      expect(e.requestId).toBe(last()?.requestId);
    });

    it('401: a wrong secret key', async () => {
      const wrong = sdkClient(
        proxy.url,
        ak,
        `${sk.slice(0, -1)}${sk.endsWith('x') ? 'y' : 'x'}`,
        iamProjectId,
      );
      const e = await failure(
        sdkCall(wrong, { method: 'GET', url: '/v3/jobs/{job_id}/status', pathParams: { job_id: jobId } }),
      );
      expect(e).toMatchObject({ httpStatusCode: 401, errorCode: 'APIGW.0301' });
      expect(e.errorMsg).toContain('verify aksk signature fail');
    });
  });
});
