import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, createUser, onEveryStore, setRole, tokenOf } from '../helpers/foundation.ts';
import { startReceiver, type Receiver } from '../helpers/notice-receiver.ts';
import { expectOk } from './operations/common.ts';

/**
 * docs/security.md trusts a developer with *where* a job's notifications are POSTed ("a job's
 * webhook URL can name any address the server reaches"): the server sends them, blind. What the
 * receiver answers must not come back: the test button (POST /v1/kiln/jobs/{job_id}/notice/test)
 * answers the delivery's error to the developer and the delivery history (GET
 * /v1/kiln/jobs/{job_id}/notifications) shows it to every viewer of the job. With the first 200
 * characters of a non-2xx answer in that error (as it was), a webhook URL naming a service on the
 * server's loopback (here a stand-in on 127.0.0.1 that answers with what it holds; `localhost`,
 * 2130706433, 0177.0.0.1 and [::ffff:127.0.0.1] reach it too) made the server a reader of it.
 */

const SECRET = 'INTERNAL-ONLY aws_secret_access_key=wJalrXUtnFEMI/K7MDENG';

onEveryStore((store) => {
  describe('what a notification receiver answered', () => {
    let kiln: TestKiln;
    let admin: string;
    let developer: string;
    let viewer: string;
    let project = '';
    let internal: Receiver;
    let jsonService: Receiver;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      project = await kiln.defaultProjectId();
      for (const [name, role] of [
        ['echo-dev', 'developer'],
        ['echo-viewer', 'viewer'],
      ] as const) {
        await createUser(kiln, admin, name, 'Echo-pass-123');
        await setRole(kiln, admin, project, name, role);
      }
      developer = await tokenOf(kiln, { name: 'echo-dev', password: 'Echo-pass-123', domain: 'default' });
      viewer = await tokenOf(kiln, { name: 'echo-viewer', password: 'Echo-pass-123', domain: 'default' });
      // A service on the server's loopback that answers anyone who asks with what it holds.
      internal = await startReceiver(() => ({ status: 403, body: SECRET }));
      // One that answers 200 in DingTalk's shape, its message what it holds.
      jsonService = await startReceiver(() => ({
        status: 200,
        body: JSON.stringify({ errcode: 310000, errmsg: SECRET }),
      }));
    });
    afterAll(async () => {
      await kiln?.close();
      await internal?.close();
      await jsonService?.close();
    });

    async function pointAt(jobId: string, events: string[], type = 'WEBHOOK', at = internal): Promise<void> {
      const port = new URL(at.url).port;
      expectOk(
        await kiln.call(developer, {
          method: 'POST',
          url: `/v3/jobs/notice/${jobId}/update`,
          payload: {
            notice_type: type,
            enabled_event_type_names: events,
            param_config: JSON.stringify({ webhook_url: `http://localhost:${port}/internal/keys` }),
          },
        }),
      );
    }

    it("the test button does not answer a developer the body of a loopback service's answer", async () => {
      const jobId = await createJob(kiln, developer, project, { job_name: 'echo-test' });
      await pointAt(jobId, []);
      const res = await kiln.call(developer, {
        method: 'POST',
        url: `/v1/kiln/jobs/${jobId}/notice/test`,
        payload: { notice_type: 'WEBHOOK' },
      });
      expectOk(res);
      expect(internal.received.length).toBeGreaterThan(0);
      expect(res.json().result).toMatchObject({ ok: false, status_code: 403 });
      // It answered error: "HTTP 403: INTERNAL-ONLY aws_secret_access_key=..."
      expect(res.body).not.toContain('aws_secret_access_key');
    });

    it("the delivery history does not show a viewer the body of a loopback service's answer", async () => {
      const jobId = await createJob(kiln, developer, project, { job_name: 'echo-history' });
      await pointAt(jobId, ['forbiddenJob']);
      expectOk(await kiln.call(developer, { method: 'POST', url: `/v3/jobs/${jobId}/disable` }));
      await kiln.engine.noticeSender.tick();
      const res = await kiln.call(viewer, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/notifications` });
      expectOk(res);
      const body = res.body;
      expect(body).toContain('"status_code":403');
      // last_error and each attempt's error were "HTTP 403: INTERNAL-ONLY aws_secret_access_key=..."
      expect(body).not.toContain('aws_secret_access_key');
    });

    it("a DingTalk notice shows the error code of a receiver that is not DingTalk's, not its message", async () => {
      const jobId = await createJob(kiln, developer, project, { job_name: 'echo-dingtalk' });
      await pointAt(jobId, [], 'DING_TALK', jsonService);
      const res = await kiln.call(developer, {
        method: 'POST',
        url: `/v1/kiln/jobs/${jobId}/notice/test`,
        payload: { notice_type: 'DING_TALK' },
      });
      expectOk(res);
      expect(res.json().result).toMatchObject({ ok: false, error: 'DingTalk refused it: errcode 310000' });
      expect(res.body).not.toContain('aws_secret_access_key');
    });
  });
});
