import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, jobBody } from '../../helpers/app.ts';
import { ADMIN, onEveryStore, tokenOf } from '../../helpers/foundation.ts';
import { expectShape } from '../../helpers/shapes.ts';

/**
 * ShowBuildParamsList (`GET /v1/job/build-params`): the parameter kinds a job may define, with
 * their fields and checks. The checks it states are the ones job creation makes: a name its regex
 * refuses is refused by CreateBuildJob, one it accepts is accepted.
 */

const FIELD = {
  name: 'string',
  title: 'string',
  type: 'string',
  required: 'boolean',
  constraints: [{ errormsg: 'string', type: 'string', value: 'string' }],
  deletion: 'boolean',
  defaults: 'boolean',
} as const;

interface Field {
  name: string;
  constraints: { type: string; value: string }[];
}

onEveryStore((store) => {
  describe('ShowBuildParamsList', () => {
    let kiln: TestKiln;
    let token: string;
    let projectId: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      token = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
    });
    afterAll(() => kiln?.close());

    it("ShowDefaultBuildParameters: a new job starts with codeBranch, empty (the job's branch)", async () => {
      const res = await kiln.call(token, { method: 'GET', url: '/v1/job/default-parameters' });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expectShape(body, {
        result: [{ name: 'string', params: [{ name: 'string', value: 'string' }] }],
        status: 'string',
      });
      const [codeBranch] = body.result;
      const fields = Object.fromEntries(
        codeBranch.params.map((p: { name: string; value: string }) => [p.name, p.value]),
      );
      expect(fields).toMatchObject({
        name: 'codeBranch',
        defaultValue: '',
        defaults: 'true',
        deletion: 'false',
      });
      // A job made with it is accepted as it is.
      const created = await kiln.call(token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: 'with-default-parameters', parameters: body.result }),
      });
      expect(created.statusCode, created.body).toBe(200);
    });

    it('get_all_params=true adds the default parameters a job does not define, on both config reads', async () => {
      const own = {
        name: 'hudson.model.StringParameterDefinition',
        params: [
          { name: 'name', value: 'TARGET' },
          { name: 'defaultValue', value: 'prod' },
        ],
      };
      const created = await kiln.call(token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: 'all-params', parameters: [own] }),
      });
      expect(created.statusCode, created.body).toBe(200);
      const jobId = created.json().result.job_id as string;
      const names = async (url: string) => {
        const res = await kiln.call(token, { method: 'GET', url });
        expect(res.statusCode, res.body).toBe(200);
        return (res.json().result.parameters as { params: { name: string; value: string }[] }[]).map(
          (d) => d.params.find((p) => p.name === 'name')?.value,
        );
      };
      for (const path of [`/v3/jobs/${jobId}/query`, `/v1/job/${jobId}/config`]) {
        expect(await names(path)).toEqual(['TARGET']);
        expect(await names(`${path}?get_all_params=false`)).toEqual(['TARGET']);
        expect(await names(`${path}?get_all_params=true`)).toEqual(['TARGET', 'codeBranch']);
        const bad = await kiln.call(token, { method: 'GET', url: `${path}?get_all_params=yes` });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error_msg).toMatch(/get_all_params must be one of true, false/);
      }
      // A job that defines codeBranch itself is shown with its own, once.
      const withBranch = await kiln.call(token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, {
          job_name: 'own-branch',
          parameters: [{ ...own, params: [{ name: 'name', value: 'codeBranch' }] }],
        }),
      });
      const id = withBranch.json().result.job_id as string;
      expect(await names(`/v3/jobs/${id}/query?get_all_params=true`)).toEqual(['codeBranch']);
    });

    it("states the string parameter's fields, and the name check job creation makes", async () => {
      const res = await kiln.call(token, { method: 'GET', url: '/v1/job/build-params' });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expectShape(body, {
        result: { build_parameters: [{ name: 'string', title: 'string', params: [FIELD] }] },
        error: 'null',
        status: 'string',
      });
      const [kind] = body.result.build_parameters;
      expect(kind.name).toBe('hudson.model.StringParameterDefinition');
      const fields = kind.params as Field[];
      expect(fields.map((f) => f.name)).toEqual([
        'name',
        'defaultValue',
        'description',
        'sensitiveVar',
        'limits',
      ]);
      const nameChecks = fields[0]!.constraints;
      const pattern = new RegExp(nameChecks.find((c) => c.type === 'regex')!.value);
      const longest = Number(nameChecks.find((c) => c.type === 'maxLen')!.value);
      // The stated length is the one the stated pattern allows: a longer one would not show here.
      expect(pattern.test('a'.repeat(longest))).toBe(true);

      for (const [i, name] of [
        'ok_name',
        '_x',
        '1starts_with_digit',
        'has-dash',
        'a'.repeat(longest),
        'a'.repeat(longest + 1),
      ].entries()) {
        const created = await kiln.call(token, {
          method: 'POST',
          url: '/v3/jobs/create',
          payload: jobBody(projectId, {
            job_name: `params-${i}`,
            parameters: [
              {
                name: 'hudson.model.StringParameterDefinition',
                params: [
                  { name: 'name', value: name },
                  { name: 'defaultValue', value: 'x' },
                ],
              },
            ],
          }),
        });
        const stated = pattern.test(name) && name.length <= longest;
        expect({ name, status: created.statusCode }).toEqual({ name, status: stated ? 200 : 400 });
      }
    });
  });
});
