import { createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuildState } from '../../src/domain/build.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, createUser, onEveryStore, setRole, tokenOf } from '../helpers/foundation.ts';
import { startReceiver, type Receiver } from '../helpers/notice-receiver.ts';
import { expectOk } from './operations/common.ts';

/**
 * Job notifications (issue 18): the five CodeArts notice operations, and delivery for real to a
 * loopback receiver in Kiln's webhook, Slack and DingTalk formats (signatures checked), the inbox,
 * the events (fixed, still failing, only on change, job changes), retries with backoff until the
 * receiver recovers, the deadline, the delivery history and the test button.
 */

const RUNNER = 'local:notice-runner';
const EVENTS = [
  'buildJobFail',
  'buildJobSuccess',
  'deleteJob',
  'forbiddenJob',
  'updateConfigJob',
  'buildFixed',
  'buildStillFailing',
];

onEveryStore((store) => {
  describe('job notifications', () => {
    let kiln: TestKiln;
    let admin: string;
    let viewer: string;
    let developer: string;
    let project = '';
    let receiver: Receiver;
    let answer: (n: number) => number = () => 200;

    beforeAll(async () => {
      kiln = await createTestKiln({
        store,
        notices: { retryBaseMs: 1_000, retryCapMs: 60_000, random: () => 0.5 },
      });
      admin = await tokenOf(kiln, ADMIN);
      project = await kiln.defaultProjectId();
      for (const [name, role] of [
        ['notice-viewer', 'viewer'],
        ['notice-dev', 'developer'],
      ] as const) {
        await createUser(kiln, admin, name, 'Notice-pass-123');
        await setRole(kiln, admin, project, name, role);
      }
      viewer = await tokenOf(kiln, { name: 'notice-viewer', password: 'Notice-pass-123', domain: 'default' });
      developer = await tokenOf(kiln, { name: 'notice-dev', password: 'Notice-pass-123', domain: 'default' });
      receiver = await startReceiver((_r, n) => ({ status: answer(n) }));
    });
    afterAll(async () => {
      await kiln?.close();
      await receiver?.close();
    });
    afterEach(() => {
      answer = () => 200;
    });

    const newJob = (name: string) => createJob(kiln, admin, project, { job_name: name });
    const update = (token: string, jobId: string, body: Record<string, unknown>, v1 = false) =>
      kiln.call(token, {
        method: v1 ? 'PUT' : 'POST',
        url: v1 ? `/v1/job/${jobId}/notice` : `/v3/jobs/notice/${jobId}/update`,
        payload: body,
      });
    const settings = async (token: string, jobId: string, v1 = false) => {
      const res = await kiln.call(token, {
        method: 'GET',
        url: v1 ? `/v1/job/${jobId}/notice` : `/v3/jobs/notice/${jobId}/query`,
      });
      expectOk(res);
      return res.json() as {
        result: { notice_type: string; enable_map: Record<string, boolean>; param_config: string | null }[];
        error: null;
        status: string;
      };
    };
    /** Triggers a build of the job and ends it with `state` as a runner would. */
    const build = async (
      jobId: string,
      state: BuildState,
      commitMessage = 'Fix the parser\n\nlong story',
    ) => {
      expectOk(await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } }));
      const lease = await kiln.engine.dispatch.next(RUNNER, new AbortController().signal, 0);
      expect(lease?.jobId).toBe(jobId);
      await kiln.engine.dispatch.started(RUNNER, lease!.recordId, {
        commitId: 'c0ffee00c0ffee00c0ffee00',
        commitTime: null,
        commitMessage,
        branch: 'main',
      });
      await kiln.engine.dispatch.done(RUNNER, lease!.recordId, { state });
      kiln.clock.advance(1_000); // the history lists by time: one build a second
    };
    const history = async (jobId: string) => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/notifications` });
      expectOk(res);
      return res.json().result as {
        total: number;
        notifications: {
          id: string;
          notice_type: string;
          event: string;
          title: string;
          state: string;
          next_attempt_at: number | null;
          last_error: string;
          attempts: {
            attempt: number;
            ok: boolean;
            status_code: number | null;
            error: string;
            server: string;
          }[];
        }[];
      };
    };
    const webhook = (secret = 'hook-secret') =>
      JSON.stringify({ webhook_url: `${receiver.url}/hook`, secret });

    it('lists every channel off by default, in CodeArts’ shape, on both paths', async () => {
      const jobId = await newJob('notice-defaults');
      const v3 = await settings(viewer, jobId);
      expect(v3.status).toBe('success');
      expect(v3.error).toBeNull();
      expect(v3.result.map((r) => r.notice_type)).toEqual([
        'DING_TALK',
        'MAIL',
        'MESSAGE',
        'SLACK',
        'WEBHOOK',
      ]);
      for (const r of v3.result) {
        expect(r.param_config).toBeNull();
        expect(Object.keys(r.enable_map)).toEqual(EVENTS);
        expect(Object.values(r.enable_map).every((on) => on === false)).toBe(true);
      }
      expect(await settings(viewer, jobId, true)).toEqual(v3);
    });

    it('is changed by those who may modify the job; secrets are sealed and shown only to them', async () => {
      const jobId = await newJob('notice-settings');
      const refused = await update(viewer, jobId, {
        notice_type: 'MESSAGE',
        enabled_event_type_names: ['buildJobFail'],
      });
      expect(refused.statusCode).toBe(403);
      const body = {
        notice_type: 'WEBHOOK',
        enabled_event_type_names: ['buildJobFail', 'deleteJob'],
        param_config: webhook('very-secret-key'),
      };
      const done = await update(developer, jobId, body);
      expectOk(done);
      expect(done.json()).toEqual({ result: { job_id: jobId }, error: null, status: 'success' });
      const shown = (await settings(developer, jobId)).result.find((r) => r.notice_type === 'WEBHOOK')!;
      expect(shown.enable_map).toMatchObject({ buildJobFail: true, deleteJob: true, buildJobSuccess: false });
      expect(JSON.parse(shown.param_config!)).toEqual({
        webhook_url: `${receiver.url}/hook`,
        secret: 'very-secret-key',
      });
      const toViewer = (await settings(viewer, jobId)).result.find((r) => r.notice_type === 'WEBHOOK')!;
      expect(toViewer.enable_map.buildJobFail).toBe(true);
      expect(toViewer.param_config).toBeNull();
      const rows = await kiln.storage.notices.settings(jobId);
      expect(rows[0]!.paramConfigEnc).toMatch(/^v1\./);
      expect(rows[0]!.paramConfigEnc).not.toContain('very-secret-key');

      // v1 (PUT) sets events; a param_config left out keeps the stored one.
      expectOk(
        await update(
          admin,
          jobId,
          { notice_type: 'WEBHOOK', enabled_event_type_names: ['buildJobSuccess'] },
          true,
        ),
      );
      const after = (await settings(admin, jobId, true)).result.find((r) => r.notice_type === 'WEBHOOK')!;
      expect(after.enable_map).toMatchObject({ buildJobFail: false, buildJobSuccess: true });
      expect(JSON.parse(after.param_config!).secret).toBe('very-secret-key');

      // DisableNotice turns every event off and keeps the settings for later.
      const off = await kiln.call(developer, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/disable?notice_type=WEBHOOK`,
      });
      expectOk(off);
      const disabled = (await settings(admin, jobId)).result.find((r) => r.notice_type === 'WEBHOOK')!;
      expect(Object.values(disabled.enable_map).some(Boolean)).toBe(false);
      expect(JSON.parse(disabled.param_config!).webhook_url).toBe(`${receiver.url}/hook`);
    });

    it('refuses bad settings with a 400 that says what is wrong', async () => {
      const jobId = await newJob('notice-bad');
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { notice_type: 'PIGEON', enabled_event_type_names: [] },
          /notice_type must be one of DING_TALK, MAIL, MESSAGE, SLACK, WEBHOOK/,
        ],
        [
          { notice_type: 'MAIL', enabled_event_type_names: ['buildJobExplode'] },
          /unknown events buildJobExplode/,
        ],
        [
          { notice_type: 'SLACK', enabled_event_type_names: ['buildJobFail'] },
          /SLACK notice needs param_config.webhook_url/,
        ],
        [
          { notice_type: 'SLACK', enabled_event_type_names: [], param_config: '{nope' },
          /JSON object in a string/,
        ],
        [
          { notice_type: 'SLACK', enabled_event_type_names: [], param_config: '{"webhook_url":"ftp://x"}' },
          /http or https/,
        ],
        [
          { notice_type: 'MAIL', enabled_event_type_names: [], param_config: '{"colour":"red"}' },
          /no field colour/,
        ],
        [
          { notice_type: 'MESSAGE', enabled_event_type_names: [], param_config: '{"secret":"x"}' },
          /MESSAGE notice has no secret/,
        ],
        [
          { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'], send_switch: 'maybe' },
          /send_switch must be "true" or "false" \(or 1, 0, on, off\), not "maybe"/,
        ],
      ];
      for (const [body, message] of cases) {
        const res = await update(admin, jobId, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error_code).toBe('CB.00060200');
        expect(res.json().error_msg).toMatch(message);
      }
      const noType = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/notice/${jobId}/disable` });
      expect(noType.statusCode).toBe(400);
      expect(noType.json().error_msg).toMatch(/notice_type/);
    });

    it("delivers a build's end to the webhook, Slack and DingTalk, signed, and to the inbox", async () => {
      const jobId = await newJob('notice-delivery');
      const at = (path: string) => JSON.stringify({ webhook_url: `${receiver.url}${path}` });
      expectOk(
        await update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['buildJobFail'],
          param_config: webhook(),
        }),
      );
      expectOk(
        await update(admin, jobId, {
          notice_type: 'SLACK',
          enabled_event_type_names: ['buildJobFail'],
          param_config: at('/slack'),
        }),
      );
      expectOk(
        await update(admin, jobId, {
          notice_type: 'DING_TALK',
          enabled_event_type_names: ['buildJobFail'],
          param_config: JSON.stringify({
            webhook_url: `${receiver.url}/robot/send?access_token=tok`,
            secret: 'SECding',
          }),
        }),
      );
      expectOk(
        await update(admin, jobId, { notice_type: 'MESSAGE', enabled_event_type_names: ['buildJobFail'] }),
      );
      const before = receiver.received.length;
      await build(jobId, 'FAILURE');
      await kiln.engine.noticeSender.tick();
      const got = (await receiver.waitFor(before + 3)).slice(before);
      expect(got).toHaveLength(3);

      const hook = got.find((r) => r.path === '/hook')!;
      const expected = `sha256=${createHmac('sha256', 'hook-secret').update(hook.body).digest('hex')}`;
      expect(hook.headers['x-kiln-signature-256']).toBe(expected);
      expect(hook.headers['x-kiln-event']).toBe('buildJobFail');
      expect(hook.headers['content-type']).toBe('application/json');
      const payload = JSON.parse(hook.body);
      expect(payload).toMatchObject({
        event: 'buildJobFail',
        title: 'Build #1 of notice-delivery failed',
        url: `http://kiln.test/jobs/${jobId}/builds/1`,
        job: { id: jobId, name: 'notice-delivery', project_id: project },
        build: { number: 1, result: 'FAILURE', branch: 'main', commit_id: 'c0ffee00c0ffee00c0ffee00' },
        actor: null,
      });
      expect(hook.headers['x-kiln-delivery']).toBe(payload.id);

      const slack = JSON.parse(got.find((r) => r.path === '/slack')!.body);
      expect(slack.text).toContain(
        `<http://kiln.test/jobs/${jobId}/builds/1|Build #1 of notice-delivery failed>`,
      );
      expect(slack.text).toContain('*Commit:* c0ffee00c0ff Fix the parser');

      const ding = got.find((r) => r.path === '/robot/send')!;
      const timestamp = ding.query.get('timestamp')!;
      expect(ding.query.get('access_token')).toBe('tok');
      expect(ding.query.get('sign')).toBe(
        createHmac('sha256', 'SECding').update(`${timestamp}\nSECding`).digest('base64'),
      );
      expect(JSON.parse(ding.body)).toMatchObject({
        msgtype: 'markdown',
        markdown: { title: 'Build #1 of notice-delivery failed' },
      });

      const h = await history(jobId);
      expect(h.total).toBe(3);
      for (const n of h.notifications) {
        expect(n).toMatchObject({
          state: 'delivered',
          event: 'buildJobFail',
          last_error: '',
          next_attempt_at: null,
        });
        expect(n.attempts).toMatchObject([{ attempt: 1, ok: true, status_code: 200, error: '' }]);
      }

      // The inbox: the job's creator (admin) has it, unread; a viewer who does not watch has nothing.
      const inbox = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/inbox?unread_only=true' });
      expectOk(inbox);
      const mine = inbox.json().result;
      const message = mine.messages.find((m: { job_id: string }) => m.job_id === jobId);
      expect(message).toMatchObject({
        event: 'buildJobFail',
        title: 'Build #1 of notice-delivery failed',
        url: `http://kiln.test/jobs/${jobId}/builds/1`,
        read: false,
      });
      expect(message.text).toContain('Outcome: FAILURE');
      const viewerInbox = await kiln.call(viewer, { method: 'GET', url: '/v1/kiln/inbox' });
      expect(
        viewerInbox.json().result.messages.filter((m: { job_id: string }) => m.job_id === jobId),
      ).toEqual([]);
      const marked = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/inbox/read',
        payload: { ids: [message.id] },
      });
      expect(marked.json().result.marked).toBe(1);
      const unread = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/inbox?unread_only=true' });
      expect(unread.json().result.messages.map((m: { id: string }) => m.id)).not.toContain(message.id);
    });

    it('tells watchers in their inbox, and stops when they stop watching', async () => {
      const jobId = await newJob('notice-watched');
      expectOk(
        await update(admin, jobId, { notice_type: 'MESSAGE', enabled_event_type_names: ['buildJobSuccess'] }),
      );
      const watch = (watching: boolean) =>
        kiln.call(viewer, { method: 'PUT', url: `/v1/kiln/jobs/${jobId}/watch`, payload: { watching } });
      expect((await watch(true)).json().result).toEqual({ watching: true });
      await build(jobId, 'SUCCESS');
      const count = async () =>
        (await kiln.call(viewer, { method: 'GET', url: '/v1/kiln/inbox' }))
          .json()
          .result.messages.filter((m: { job_id: string }) => m.job_id === jobId).length;
      expect(await count()).toBe(1);
      expect((await watch(false)).json().result).toEqual({ watching: false });
      await build(jobId, 'SUCCESS');
      expect(await count()).toBe(1);
    });

    it('tells fixed and still failing apart, and keeps quiet on repeats when only_on_change', async () => {
      const jobId = await newJob('notice-events');
      const hook = (events: string[], extra: Record<string, unknown> = {}) =>
        update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: events,
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/events`, ...extra }),
        });
      expectOk(await hook(['buildJobFail', 'buildJobSuccess', 'buildFixed', 'buildStillFailing']));
      for (const state of ['FAILURE', 'timeout', 'SUCCESS', 'SUCCESS', 'ABORTED'] as const)
        await build(jobId, state);
      await kiln.engine.noticeSender.tick();
      let events = (await history(jobId)).notifications.map((n) => n.event).reverse();
      expect(events).toEqual(['buildJobFail', 'buildStillFailing', 'buildFixed', 'buildJobSuccess']);

      // Only on change: a success after a success and a failure after a failure say nothing.
      expectOk(await hook(['buildJobFail', 'buildJobSuccess'], { only_on_change: true }));
      for (const state of ['SUCCESS', 'FAILURE', 'FAILURE', 'SUCCESS'] as const) await build(jobId, state);
      await kiln.engine.noticeSender.tick();
      events = (await history(jobId)).notifications
        .map((n) => n.event)
        .reverse()
        .slice(4);
      expect(events).toEqual(['buildJobFail', 'buildJobSuccess']);
    });

    it("tells the job's changes: updated, disabled, deleted, by whom", async () => {
      const jobId = await newJob('notice-job-events');
      expectOk(
        await update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['updateConfigJob', 'forbiddenJob', 'deleteJob'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/job-events` }),
        }),
      );
      const before = receiver.received.length;
      const doc = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
      expectOk(
        await kiln.call(admin, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { ...doc, job_id: jobId, job_name: 'notice-job-renamed' },
        }),
      );
      kiln.clock.advance(1_000);
      expectOk(await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` }));
      kiln.clock.advance(1_000);
      expectOk(await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/delete` }));
      await kiln.engine.noticeSender.tick();
      // Sent together, they may arrive in any order: each says when its change was made.
      const got = (await receiver.waitFor(before + 3))
        .slice(before)
        .map((r) => JSON.parse(r.body))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      expect(got.map((p) => [p.event, p.title])).toEqual([
        ['updateConfigJob', 'Job notice-job-renamed was changed by admin'],
        ['forbiddenJob', 'Job notice-job-renamed was disabled by admin'],
        ['deleteJob', 'Job notice-job-renamed was deleted by admin'],
      ]);
      expect(got[0].build).toBeNull();
      expect(got[0].actor).toBe('admin');
    });

    it("makes no link of a commit message or job name in Slack's (and Mattermost's) body, only Kiln's own", async () => {
      const jobId = await newJob('notice-[Kiln](evil.example)');
      expectOk(
        await update(admin, jobId, {
          notice_type: 'SLACK',
          enabled_event_type_names: ['buildJobFail'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/slack-hostile` }),
        }),
      );
      const before = receiver.received.length;
      await build(
        jobId,
        'FAILURE',
        '[Click here](https://evil.example) ![](https://evil.example/x.png) <https://evil.example|Kiln>',
      );
      await kiln.engine.noticeSender.tick();
      const got = (await receiver.waitFor(before + 1)).slice(before);
      const { text } = JSON.parse(got.find((r) => r.path === '/slack-hostile')!.body) as { text: string };
      const link = `http://kiln.test/jobs/${jobId}/builds/1`;
      // Kiln's link, intact (Mattermost makes Slack's <url|text> a [text](url) link) ...
      expect(text.startsWith(`<${link}|Build #1 of notice-[Kiln]\u2060(evil.example) failed>\n`)).toBe(true);
      // ... and nothing from the pusher or the job's editor that a chat would make a link, image or tag.
      const rest = text.slice(`<${link}|`.length).replace(/>\n/, '\n');
      expect(rest).not.toMatch(/\]\(|\]\[|\]:|[<>]/);
      expect(text).toContain(
        '*Commit:* c0ffee00c0ff [Click here]\u2060(https://evil.example) ![]\u2060(https://evil.example/x.png) &lt;https://evil.example|Kiln&gt;',
      );
    });

    it('sends past a receiver slow to answer: it holds up its own notification, not the next', async () => {
      const held: ServerResponse[] = [];
      const slow = createServer((_req, res) => held.push(res));
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      try {
        const [slowJob, fastJob] = [await newJob('notice-slow'), await newJob('notice-fast')];
        const hook = (jobId: string, url: string) =>
          update(admin, jobId, {
            notice_type: 'WEBHOOK',
            enabled_event_type_names: ['buildJobFail'],
            param_config: JSON.stringify({ webhook_url: url }),
          });
        expectOk(await hook(slowJob, `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`));
        expectOk(await hook(fastJob, `${receiver.url}/fast`));
        await build(slowJob, 'FAILURE');
        kiln.engine.noticeSender.kick();
        await expect.poll(() => held.length).toBe(1);

        // The slow receiver has not answered (an attempt may take 10 s): the next one goes anyway.
        const before = receiver.received.length;
        await build(fastJob, 'FAILURE');
        kiln.engine.noticeSender.kick();
        expect((await receiver.waitFor(before + 1, 5_000)).at(-1)?.path).toBe('/fast');
        expect((await history(slowJob)).notifications[0]?.state).toBe('pending');

        held[0]?.end();
        await kiln.engine.noticeSender.tick();
        expect((await history(slowJob)).notifications[0]?.state).toBe('delivered');
      } finally {
        slow.closeAllConnections();
        slow.close();
      }
    });

    it('retries a receiver that fails, with growing waits, until it answers', async () => {
      const jobId = await newJob('notice-retry');
      expectOk(
        await update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['buildJobFail'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/flaky` }),
        }),
      );
      const first = receiver.received.length;
      answer = (n) => (n <= first + 2 ? 503 : 200);
      await build(jobId, 'FAILURE');
      await kiln.engine.noticeSender.tick();
      let n = (await history(jobId)).notifications[0]!;
      expect(n).toMatchObject({ state: 'pending', last_error: expect.stringMatching(/^HTTP 503/) });
      // The first wait is the base (1 s) with jitter 0.5: 750 ms; nothing is sent before it.
      const now = kiln.clock.now();
      expect(n.next_attempt_at! - now).toBeGreaterThanOrEqual(750);
      expect(n.next_attempt_at! - now).toBeLessThan(1_000);
      await kiln.engine.noticeSender.tick();
      expect(receiver.received.length).toBe(first + 1);
      kiln.clock.advance(1_000);
      await kiln.engine.noticeSender.tick();
      n = (await history(jobId)).notifications[0]!;
      expect(n.state).toBe('pending');
      // The second wait doubles: 1,500 ms.
      expect(n.next_attempt_at! - kiln.clock.now()).toBeGreaterThanOrEqual(1_500);
      kiln.clock.advance(2_000);
      await kiln.engine.noticeSender.tick();
      n = (await history(jobId)).notifications[0]!;
      expect(n.state).toBe('delivered');
      expect(n.attempts.map((a) => [a.attempt, a.ok, a.status_code])).toEqual([
        [1, false, 503],
        [2, false, 503],
        [3, true, 200],
      ]);
      expect(receiver.received.slice(first).map((r) => r.headers['x-kiln-delivery'])).toEqual([
        n.id,
        n.id,
        n.id,
      ]);
    });

    it('delivers every notification to a receiver that was down for an hour, within minutes of its return', async () => {
      const jobId = await newJob('notice-outage');
      expectOk(
        await update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['buildJobFail', 'buildJobSuccess'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/outage` }),
        }),
      );
      let down = true;
      answer = () => (down ? 502 : 200);
      for (const state of ['FAILURE', 'SUCCESS', 'FAILURE'] as const) await build(jobId, state);
      // An hour of failed attempts, the sender running every minute of it.
      for (let minute = 0; minute < 60; minute++) {
        await kiln.engine.noticeSender.tick();
        kiln.clock.advance(60_000);
      }
      let { items } = await kiln.storage.notices.listByJob(jobId, 10, 0);
      expect(items.map((n) => n.state)).toEqual(['pending', 'pending', 'pending']);
      // Backoff up to the longest wait (1 min here, with jitter: 45 s to 1 min), then at that pace.
      for (const n of items) {
        const at = (await kiln.storage.notices.attempts([n.id])).map((t) => t.at);
        expect(at.length).toBeGreaterThan(30);
        expect(at.length).toBeLessThanOrEqual(61);
        expect(at.at(-1)! - at.at(-2)!).toBeGreaterThanOrEqual(45_000);
      }
      down = false;
      // Back: within the longest wait (a minute here), every one arrives.
      for (let s = 0; s <= 60 && items.some((n) => n.state !== 'delivered'); s += 5) {
        kiln.clock.advance(5_000);
        await kiln.engine.noticeSender.tick();
        items = (await kiln.storage.notices.listByJob(jobId, 10, 0)).items;
      }
      expect(items.map((n) => n.state)).toEqual(['delivered', 'delivered', 'delivered']);
      const events = receiver.received
        .filter((r) => r.path === '/outage' && JSON.parse(r.body).build)
        .slice(-3)
        .map((r) => JSON.parse(r.body).build.number as number)
        .sort();
      expect(events).toEqual([1, 2, 3]);
    });

    it('gives a notification up past its deadline, saying why', async () => {
      const jobId = await newJob('notice-deadline');
      const closed = await startReceiver();
      const url = closed.url;
      await closed.close();
      expectOk(
        await update(admin, jobId, {
          notice_type: 'SLACK',
          enabled_event_type_names: ['buildJobSuccess'],
          param_config: JSON.stringify({ webhook_url: `${url}/gone` }),
        }),
      );
      await build(jobId, 'SUCCESS');
      for (let i = 0; i < 40; i++) {
        await kiln.engine.noticeSender.tick();
        const { items } = await kiln.storage.notices.listByJob(jobId, 1, 0);
        if (items[0]!.state !== 'pending') break;
        kiln.clock.advance(60_000 * 60);
      }
      // Two days went by: the callers sign in again.
      admin = await tokenOf(kiln, ADMIN);
      viewer = await tokenOf(kiln, { name: 'notice-viewer', password: 'Notice-pass-123', domain: 'default' });
      const n = (await history(jobId)).notifications[0]!;
      expect(n.state).toBe('failed');
      expect(n.last_error).toMatch(/ECONNREFUSED.*\(given up after \d+ attempts\)/);
      expect(n.attempts.length).toBeGreaterThan(3);
      expect(n.attempts.every((a) => !a.ok && a.status_code === null)).toBe(true);
    });

    it('sends a test over a channel now and says what came of it', async () => {
      const jobId = await newJob('notice-test');
      const test = (token: string, type: string) =>
        kiln.call(token, {
          method: 'POST',
          url: `/v1/kiln/jobs/${jobId}/notice/test`,
          payload: { notice_type: type },
        });
      const unset = await test(admin, 'SLACK');
      expectOk(unset);
      expect(unset.json().result).toEqual({
        ok: false,
        status_code: null,
        error: "the job's SLACK notice has no webhook_url",
      });
      expectOk(
        await update(admin, jobId, {
          notice_type: 'SLACK',
          enabled_event_type_names: [],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/test` }),
        }),
      );
      answer = () => 500;
      const failing = await test(admin, 'SLACK');
      expect(failing.json().result).toMatchObject({
        ok: false,
        status_code: 500,
        error: expect.stringMatching(/^HTTP 500/),
      });
      answer = () => 200;
      const before = receiver.received.length;
      const fine = await test(admin, 'SLACK');
      expect(fine.json().result).toEqual({ ok: true, status_code: 200, error: '' });
      expect(JSON.parse(receiver.received[before]!.body).text).toContain(
        'Test notification from Kiln for job notice-test',
      );
      expect((await test(viewer, 'SLACK')).statusCode).toBe(403);
      // Kiln's webhook says `test` in its header as in its body: a receiver routing on the header
      // does not take the test for a build's outcome.
      expectOk(
        await update(admin, jobId, {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['buildJobSuccess'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/test-hook` }),
        }),
      );
      const hooked = receiver.received.length;
      expect((await test(admin, 'WEBHOOK')).json().result).toMatchObject({ ok: true });
      const hook = receiver.received[hooked]!;
      expect(JSON.parse(hook.body).event).toBe('test');
      expect(hook.headers['x-kiln-event']).toBe('test');
      expect((await history(jobId)).total).toBe(0); // tests are not notifications
    });

    it('writes nothing for a job with every channel off (one read of its settings)', async () => {
      const jobId = await newJob('notice-quiet');
      await build(jobId, 'FAILURE');
      expect((await history(jobId)).total).toBe(0);
    });

    it('forgets ended notifications after 30 days and inbox messages after 180', async () => {
      const jobId = await newJob('notice-old');
      const hook = await startReceiver();
      try {
        expectOk(
          await update(admin, jobId, {
            notice_type: 'MESSAGE',
            enabled_event_type_names: ['buildJobSuccess'],
          }),
        );
        expectOk(
          await update(admin, jobId, {
            notice_type: 'WEBHOOK',
            enabled_event_type_names: ['buildJobSuccess'],
            param_config: JSON.stringify({ webhook_url: `${hook.url}/old` }),
          }),
        );
        await build(jobId, 'SUCCESS');
        await kiln.engine.noticeSender.tick();
        // The job's creator has the message (the clock passes every token's life: asked of the store).
        const creator = (await kiln.storage.users.findById(
          (await kiln.storage.jobs.findById(jobId))!.creatorId,
        ))!;
        const viewer = { domainId: creator.domainId, userId: creator.id, admin: creator.isAdmin };
        const inboxOf = async () =>
          (
            await kiln.storage.notices.inbox(viewer, { unreadOnly: false, limit: 1000, offset: 0 })
          ).items.filter((m) => m.jobId === jobId).length;
        const ended = async () =>
          (await kiln.storage.notices.listByJob(jobId, 10, 0)).items.filter((n) => n.state !== 'pending')
            .length;
        expect([await inboxOf(), await ended()]).toEqual([1, 1]);
        await kiln.engine.noticeSender.purge();
        expect([await inboxOf(), await ended()]).toEqual([1, 1]);
        kiln.clock.advance(31 * 24 * 3600_000);
        await kiln.engine.noticeSender.purge();
        expect([await inboxOf(), await ended()]).toEqual([1, 0]);
        kiln.clock.advance(150 * 24 * 3600_000);
        await kiln.engine.noticeSender.purge();
        expect(await inboxOf()).toBe(0);
      } finally {
        await hook.close();
        // Half a year went by: the callers sign in again.
        admin = await tokenOf(kiln, ADMIN);
        viewer = await tokenOf(kiln, {
          name: 'notice-viewer',
          password: 'Notice-pass-123',
          domain: 'default',
        });
      }
    });
  });
});
