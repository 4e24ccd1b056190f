import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.ts';
import { ADMIN, createJob, createUser, setRole, tokenOf } from '../helpers/foundation.ts';
import { expectOk } from './operations/common.ts';

/**
 * The MAIL channel (issue 18) through a real SMTP server on loopback (smtp-server), each message
 * parsed (mailparser): sent to the job's creator and its watchers who gave an address, signed in
 * with the configured user, a plain-text and an HTML part with the facts, the log's last lines
 * and a link; a server that refuses is an attempt that failed, with its SMTP code.
 */

const RUNNER = 'local:mail-runner';

describe('notifications by mail', () => {
  let kiln: TestKiln;
  let smtp: SMTPServer;
  /** Between Kiln and the SMTP server: drops the connections it is told to. */
  let proxy: FlakyProxy;
  const mails: ParsedMail[] = [];
  const envelopes: string[][] = [];
  let refuse = false;
  let admin: string;
  let watcher: string;
  let project = '';

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'kiln' && auth.password === 'smtp-pass') cb(null, { user: 'kiln' });
        else cb(new Error('wrong password'));
      },
      onRcptTo(address, _session, cb) {
        if (refuse) {
          const e = new Error('mailbox unavailable') as Error & { responseCode: number };
          e.responseCode = 550;
          cb(e);
        } else cb();
      },
      onData(stream, session, cb) {
        simpleParser(stream).then(
          (m) => {
            mails.push(m);
            envelopes.push(session.envelope.rcptTo.map((r) => r.address));
            cb();
          },
          (e: Error) => cb(e),
        );
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    proxy = await startFlakyProxy((smtp.server.address() as AddressInfo).port, 0, 'reset-at-once');
    kiln = await createTestKiln({
      smtp: {
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        user: 'kiln',
        password: 'smtp-pass',
        from: 'Kiln <kiln@ci.test>',
      },
    });
    admin = await tokenOf(kiln, ADMIN);
    project = await kiln.defaultProjectId();
    await createUser(kiln, admin, 'mail-watcher', 'Mail-pass-123');
    await setRole(kiln, admin, project, 'mail-watcher', 'viewer');
    watcher = await tokenOf(kiln, { name: 'mail-watcher', password: 'Mail-pass-123', domain: 'default' });
  });
  afterAll(async () => {
    await kiln?.close();
    await proxy?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const setEmail = (token: string, email: string | null) =>
    kiln.call(token, { method: 'PUT', url: '/v1/kiln/users/me/notifications', payload: { email } });

  async function failedBuild(jobId: string): Promise<void> {
    expectOk(await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } }));
    const lease = await kiln.engine.dispatch.next(RUNNER, new AbortController().signal, 0);
    await kiln.engine.dispatch.started(RUNNER, lease!.recordId, {
      commitId: 'deadbeefdeadbeef',
      commitTime: null,
      commitMessage: 'Break <everything>',
      branch: 'main',
    });
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1} of the log`).join('\n');
    await kiln.engine.dispatch.log(RUNNER, lease!.recordId, { offset: 0, data: Buffer.from(`${lines}\n`) });
    await kiln.engine.dispatch.done(RUNNER, lease!.recordId, { state: 'FAILURE' });
    kiln.clock.advance(1_000);
  }

  it('keeps where your mail goes, and refuses what is not an address', async () => {
    const shown = await kiln.call(watcher, { method: 'GET', url: '/v1/kiln/users/me/notifications' });
    expectOk(shown);
    expect(shown.json().result).toEqual({ email: null, unread: 0 });
    const bad = await setEmail(watcher, 'not an address');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_msg).toBe('email: "not an address" is not a mail address');
    expect((await setEmail(watcher, 'watcher@ci.test')).json().result).toEqual({
      email: 'watcher@ci.test',
      unread: 0,
    });
  });

  it("mails the job's creator and its watchers: text and HTML, the log's last lines, a link", async () => {
    expectOk(await setEmail(admin, 'admin@ci.test'));
    const jobId = await createJob(kiln, admin, project, { job_name: 'mailed' });
    expectOk(
      await kiln.call(watcher, {
        method: 'PUT',
        url: `/v1/kiln/jobs/${jobId}/watch`,
        payload: { watching: true },
      }),
    );
    expectOk(
      await kiln.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'] },
      }),
    );
    await failedBuild(jobId);
    await kiln.engine.noticeSender.tick();
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(envelopes[0]!.sort()).toEqual(['admin@ci.test', 'watcher@ci.test']);
    // Nobody's address is shown to the others: they were all blind copies.
    expect(mail.headers.get('to')).toMatchObject({ value: [{ name: 'undisclosed-recipients', group: [] }] });
    expect(mail.headers.get('cc')).toBeUndefined();
    expect(mail.headers.get('bcc')).toBeUndefined();
    expect(mail.subject).toBe('Build #1 of mailed failed');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Kiln', address: 'kiln@ci.test' });
    expect(mail.headers.get('x-kiln-event')).toBe('buildJobFail');
    expect(mail.text).toContain('Outcome: FAILURE');
    expect(mail.text).toContain('Commit: deadbeefdead Break <everything>');
    expect(mail.text).toContain('The last 30 lines of the log:');
    expect(mail.text).toContain('line 40 of the log');
    expect(mail.text).toContain('line 11 of the log');
    expect(mail.text).not.toContain('line 10 of the log');
    expect(mail.text).toContain(`http://kiln.test/jobs/${jobId}/builds/1`);
    expect(mail.html).toContain('<h2>Build #1 of mailed failed</h2>');
    expect(mail.html).toContain('Break &lt;everything&gt;'); // escaped, not markup
    expect(mail.html).toContain(`<a href="http://kiln.test/jobs/${jobId}/builds/1">`);
    const { items } = await kiln.storage.notices.listByJob(jobId, 5, 0);
    const attempts = await kiln.storage.notices.attempts(items.map((n) => n.id));
    expect(attempts).toMatchObject([{ ok: true, statusCode: 250 }]);
  });

  it('a connection to the SMTP server lost once is an attempt that failed; the next one delivers', async () => {
    const jobId = await createJob(kiln, admin, project, { job_name: 'mail-dropped' });
    expectOk(
      await kiln.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'] },
      }),
    );
    proxy.failNext(1);
    await failedBuild(jobId);
    await kiln.engine.noticeSender.tick();
    const [n] = (await kiln.storage.notices.listByJob(jobId, 1, 0)).items;
    expect(n).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/ECONNRESET|closed/i) });
    const before = mails.length;
    kiln.clock.advance(10_000);
    await kiln.engine.noticeSender.tick();
    expect((await kiln.storage.notices.listByJob(jobId, 1, 0)).items[0]!.state).toBe('delivered');
    expect(mails.length).toBe(before + 1);
  });

  it('a mail retried after a watcher lost view of the job is not sent to them', async () => {
    expectOk(await setEmail(admin, 'admin@ci.test'));
    expectOk(await setEmail(watcher, 'watcher@ci.test'));
    const jobId = await createJob(kiln, admin, project, { job_name: 'mail-hidden-later' });
    expectOk(
      await kiln.call(watcher, {
        method: 'PUT',
        url: `/v1/kiln/jobs/${jobId}/watch`,
        payload: { watching: true },
      }),
    );
    expectOk(
      await kiln.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'] },
      }),
    );
    // The SMTP server is down when the build fails, while the watcher may still view the job.
    refuse = true;
    await failedBuild(jobId);
    await kiln.engine.noticeSender.tick();
    expect((await kiln.storage.notices.listByJob(jobId, 1, 0)).items[0]!.state).toBe('pending');
    // The owner hides the job from viewers (role_id 7) before the server is back.
    const none = { is_execute: false, is_modify: false, is_delete: false, is_copy: false };
    const hide = await kiln.call(admin, {
      method: 'POST',
      url: '/v1/job/permissions/batch',
      payload: {
        job_ids: [jobId],
        permissions: [{ role_id: 7, is_view: false, ...none, is_forbidden: false, is_manager: false }],
      },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    refuse = false;
    const before = mails.length;
    kiln.clock.advance(10_000);
    await kiln.engine.noticeSender.tick();
    expect((await kiln.storage.notices.listByJob(jobId, 1, 0)).items[0]!.state).toBe('delivered');
    expect(mails.length).toBe(before + 1);
    expect(envelopes[before]).toEqual(['admin@ci.test']); // the log's last lines are not the watcher's
  });

  it('records a refusal with its SMTP code and tries again; a test mail goes to who asked', async () => {
    const jobId = await createJob(kiln, admin, project, { job_name: 'mail-refused' });
    expectOk(
      await kiln.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'] },
      }),
    );
    refuse = true;
    await failedBuild(jobId);
    await kiln.engine.noticeSender.tick();
    const [n] = (await kiln.storage.notices.listByJob(jobId, 1, 0)).items;
    expect(n).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/mailbox unavailable/) });
    expect(await kiln.storage.notices.attempts([n!.id])).toMatchObject([{ ok: false, statusCode: 550 }]);
    refuse = false;
    kiln.clock.advance(10_000);
    await kiln.engine.noticeSender.tick();
    expect((await kiln.storage.notices.listByJob(jobId, 1, 0)).items[0]!.state).toBe('delivered');

    const before = mails.length;
    const test = await kiln.call(admin, {
      method: 'POST',
      url: `/v1/kiln/jobs/${jobId}/notice/test`,
      payload: { notice_type: 'MAIL' },
    });
    expect(test.json().result).toEqual({ ok: true, status_code: 250, error: '' });
    expect(envelopes[before]).toEqual(['admin@ci.test']);
    expect(mails[before]!.subject).toBe('Test notification from Kiln for job mail-refused');
    expect(mails[before]!.headers.get('x-kiln-event')).toBe('test'); // as the webhook's header has it
  });
});

describe('a mail server that is slow to answer', () => {
  let kiln: TestKiln;
  let smtp: SMTPServer;
  let delivered = 0;
  const STALL_MS = 3_000;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      // Answers RCPT TO only after a while: the attempt is stuck mid-conversation, past its greeting.
      onRcptTo(_address, _session, cb) {
        setTimeout(() => cb(), STALL_MS);
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => {
          delivered += 1;
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const { port } = smtp.server.address() as AddressInfo;
    kiln = await createTestKiln({
      smtp: { host: '127.0.0.1', port, security: 'none', from: 'Kiln <kiln@ci.test>' },
      notices: { attemptTimeoutMs: 500 },
    });
  });
  afterAll(async () => {
    await kiln?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  it('gives an attempt no longer than an attempt may take, and sends nothing once it gave up', async () => {
    const admin = await tokenOf(kiln, ADMIN);
    const project = await kiln.defaultProjectId();
    expectOk(
      await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/me/notifications',
        payload: { email: 'admin@ci.test' },
      }),
    );
    const jobId = await createJob(kiln, admin, project, { job_name: 'mail-stalled' });
    expectOk(
      await kiln.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: { notice_type: 'MAIL', enabled_event_type_names: ['buildJobFail'] },
      }),
    );
    expectOk(await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } }));
    const lease = await kiln.engine.dispatch.next(RUNNER, new AbortController().signal, 0);
    await kiln.engine.dispatch.done(RUNNER, lease!.recordId, { state: 'FAILURE' });

    await kiln.engine.noticeSender.tick();
    // The attempt's lease (the claim other servers respect) is made for attempts of this length:
    // one that outlives it is sent again by another server, a doubled mail. It ended at its time
    // (the error says so), not when the server answered.
    const [n] = (await kiln.storage.notices.listByJob(jobId, 1, 0)).items;
    expect(n).toMatchObject({ state: 'pending' });
    expect(await kiln.storage.notices.attempts([n!.id])).toMatchObject([
      { ok: false, error: expect.stringMatching(/500 ms/) },
    ]);
    // The abandoned conversation does not go on to deliver the mail behind the retry's back.
    await new Promise((r) => setTimeout(r, STALL_MS + 500));
    expect(delivered).toBe(0);
  });
});
