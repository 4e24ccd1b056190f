import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

/**
 * Names people give are shown to others: in tables, notifications and terminals. A C1 control
 * (U+009B is an 8-bit CSI, U+009D an OSC to terminals that take them) is refused as C0 ones are,
 * and a display name holds no control characters at all.
 */
describe('names with control characters', () => {
  let kiln: TestKiln;
  let token = '';
  let projectId = '';
  beforeAll(async () => {
    kiln = await createTestKiln();
    token = await kiln.token();
    projectId = await kiln.defaultProjectId();
  });
  afterAll(() => kiln.close());

  const refused = (res: {
    statusCode: number;
    json(): { error_msg?: string; error?: { message?: string } };
  }) => {
    expect(res.statusCode).toBe(400);
    const body = res.json();
    return body.error_msg ?? body.error?.message ?? '';
  };

  it('refuses C1 controls in job, group and project names', async () => {
    const job = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(projectId, { job_name: 'deploy\u009b2J' }),
    });
    expect(refused(job)).toContain('job_name');
    const group = await kiln.call(token, {
      method: 'POST',
      url: `/v1/job/${projectId}/group/create`,
      payload: { name: 'team\u009d0;x' },
    });
    expect(refused(group)).toContain('control characters');
    const project = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/projects',
      payload: { name: 'p\u0085q' },
    });
    expect(refused(project)).toContain('printable');
    // Printable text beyond ASCII is a name like any other.
    const fine = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(projectId, { job_name: 'déploiement — 部署' }),
    });
    expect(fine.statusCode, fine.body).toBe(200);
  });

  it("refuses control characters in a user's display name, when made and when changed", async () => {
    const made = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/users',
      payload: { name: 'bob', password: 'Bob-password-1', display_name: 'Bob\u001b]0;owned\u0007' },
    });
    expect(refused(made)).toContain('display_name must not contain control characters');
    const ok = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/users',
      payload: { name: 'bob', password: 'Bob-password-1', display_name: 'Bob Builder' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const changed = await kiln.call(token, {
      method: 'PUT',
      url: '/v1/kiln/users/bob',
      payload: { display_name: 'Bob\u009b31m' },
    });
    expect(refused(changed)).toContain('display_name');
    const users = await kiln.call(token, { method: 'GET', url: '/v1/kiln/users' });
    const bob = (users.json().result.users as { name: string; display_name: string }[]).find(
      (u) => u.name === 'bob',
    );
    expect(bob?.display_name).toBe('Bob Builder');
  });
});
