import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFICIAL_TEMPLATES } from '../../../src/domain/official-templates.ts';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createDomain,
  createJob,
  createUser,
  onEveryStore,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';
import { expectOk, ID32 } from './common.ts';

/**
 * Build templates (issue 19): the domain's own (create v1 and v3, show, list v1 and v3, delete v1
 * and v3, favourites) and Kiln's official ones (list, favourites, recommendations), field for field
 * as the reference has them; SaveTemplateUsedInfo; a template round trip into a job.
 */

const STEPS = [
  {
    module_id: 'devcloud2018.codeci_action_20043.action',
    name: 'Maven build',
    enable: true,
    properties: { command: 'mvn -B package' },
  },
];
const PARAMETERS = [
  {
    name: 'hudson.model.StringParameterDefinition',
    params: [
      { name: 'name', value: 'codeBranch' },
      { name: 'defaultValue', value: 'main' },
    ],
  },
];

onEveryStore((store) => {
  describe('build templates', () => {
    let kiln: TestKiln;
    let admin: string;
    let dev: string;
    let project = '';

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      project = await kiln.defaultProjectId();
      await createUser(kiln, admin, 'tpl-dev', 'tpl-dev-pass-1');
      await setRole(kiln, admin, project, 'tpl-dev', 'developer');
      dev = await tokenOf(kiln, { name: 'tpl-dev', password: 'tpl-dev-pass-1', domain: 'default' });
    });
    afterAll(() => kiln?.close());

    const create = (token: string, name: string, v3 = false) =>
      kiln.call(token, {
        method: 'POST',
        url: v3 ? '/v3/templates/create' : '/v1/template/create',
        payload: {
          name,
          description: 'maven job',
          tool_type: 'maven',
          template: { steps: STEPS },
          parameters: PARAMETERS,
        },
      });

    it('creates a template (v1 and v3) and shows it as CodeArts does, field for field', async () => {
      const v1 = await create(dev, 'maven-team');
      expectOk(v1);
      expect(v1.json()).toEqual({
        status: 'success',
        error: null,
        result: { uuid: expect.stringMatching(ID32) },
      });
      const uuid = v1.json().result.uuid as string;
      const shown = await kiln.call(admin, { method: 'GET', url: `/v1/template/${uuid}/custom` });
      expectOk(shown);
      expect(shown.json()).toEqual({
        status: 'success',
        error: null,
        result: {
          favourite: false,
          nick_name: 'tpl-dev',
          id: uuid,
          uuid,
          template: {
            steps: STEPS,
            actions: null,
            auto_update_sub_module: false,
            image: '',
            image_source: '',
          },
          type: 'codeci',
          public: true,
          name: 'maven-team',
          create_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/),
          domain_id: expect.stringMatching(ID32),
          weight: 0,
          user_id: expect.stringMatching(ID32),
          user_name: 'tpl-dev',
          domain_name: 'default',
          scope: 'custom',
          description: 'maven job',
          tool_type: 'maven',
          intl_description: {},
          parameters: PARAMETERS,
          i18n: {},
        },
      });
      const v3 = await create(admin, 'maven-v3', true);
      expectOk(v3);
      expect(v3.json().result).toMatchObject({ name: 'maven-v3', scope: 'custom', user_name: 'admin' });
      const clash = await create(admin, 'maven-team');
      expect(clash.statusCode).toBe(409);
      expect(clash.json().error_msg).toBe('the domain has a template named maven-team already');
      const empty = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/template/create',
        payload: { name: 'nothing', template: { steps: [] } },
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error_msg).toMatch(/at least one step/);
    });

    it('refuses a step property of the wrong type, naming the step and the property, as a job does', async () => {
      const res = await kiln.call(dev, {
        method: 'POST',
        url: '/v3/templates/create',
        payload: {
          name: 'wrong-types',
          template: {
            steps: [
              { ...STEPS[0], properties: { command: 'mvn -B package', image: { a: 1 } } },
              { module_id: 'devcloud2018.codeci_action_20018.action', name: 'keep', properties: { file: 5 } },
            ],
          },
        },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({
        error_code: 'CB.00060200',
        error_msg:
          'template.steps[0].properties.image: step "Maven build": image must be text (a string), not a map; ' +
          'template.steps[1].properties.file: step "keep": file must be text (a string), not a number',
      });
    });

    it("keeps no sensitive parameter's default: the domain reads templates, and a job's shows the mask", async () => {
      const secret = (value: string) => ({
        name: 'hudson.model.PasswordParameterDefinition',
        params: [
          { name: 'name', value: 'TOKEN' },
          { name: 'defaultValue', value },
          { name: 'sensitiveVar', value: 'true' },
        ],
      });
      for (const value of ['s3cr3t-value', '******']) {
        const made = await kiln.call(dev, {
          method: 'POST',
          url: '/v3/templates/create',
          payload: {
            name: `with-secret-${value.length}`,
            template: { steps: STEPS },
            parameters: [secret(value)],
          },
        });
        expectOk(made);
        const shown = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/template/${made.json().result.uuid as string}/custom`,
        });
        expectOk(shown);
        expect(shown.body).not.toContain(value);
        expect(shown.json().result.parameters).toEqual([secret('')]);
      }
    });

    it("takes steps without a name (optional in CodeArts): the stage's name of its action, or its module", async () => {
      const res = await kiln.call(dev, {
        method: 'POST',
        url: '/v3/templates/create',
        payload: {
          name: 'unnamed-steps',
          template: {
            steps: [
              {
                module_id: 'devcloud2018.codeci_action_20043.action',
                properties: { command: 'mvn -B package' },
              },
              { module_id: 'vendor.unknown.action' },
            ],
          },
        },
      });
      expectOk(res);
      const shown = await kiln.call(dev, {
        method: 'GET',
        url: `/v1/template/${res.json().result.uuid}/custom`,
      });
      expectOk(shown);
      expect(shown.json().result.template.steps).toEqual([
        {
          module_id: 'devcloud2018.codeci_action_20043.action',
          name: 'Maven',
          properties: { command: 'mvn -B package' },
        },
        { module_id: 'vendor.unknown.action', name: 'vendor.unknown.action' },
      ]);
    });

    it("lists the domain's templates (v1 from page 1, v3 from page 0), marks favourites, deletes", async () => {
      const uuid = (await create(dev, 'listed-one')).json().result.uuid as string;
      const v1 = await kiln.call(dev, {
        method: 'GET',
        url: '/v1/template/custom?name=LISTED&page=1&page_size=5',
      });
      expectOk(v1);
      expect(v1.json().result).toMatchObject({ total_size: 1, items: [{ uuid, favourite: false }] });
      expectOk(await kiln.call(dev, { method: 'POST', url: `/v1/template/custom/${uuid}/follow` }));
      const v3 = await kiln.call(dev, {
        method: 'GET',
        url: '/v3/templates/query?name=listed&page=0&page_size=5',
      });
      expect(v3.json().result.items[0]).toMatchObject({ uuid, favourite: true });
      expect(
        (await kiln.call(admin, { method: 'GET', url: `/v1/template/${uuid}/custom` })).json().result
          .favourite,
      ).toBe(false);
      expectOk(await kiln.call(dev, { method: 'POST', url: `/v1/template/custom/${uuid}/unfollow` }));
      expect(
        (await kiln.call(dev, { method: 'GET', url: `/v1/template/${uuid}/custom` })).json().result.favourite,
      ).toBe(false);

      // Only its creator or a domain administrator deletes it.
      const other = (await create(admin, 'admins-own')).json().result.uuid as string;
      const refused = await kiln.call(dev, { method: 'DELETE', url: `/v1/template/${other}/delete` });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error_msg).toBe(
        'only its creator or a domain administrator may delete template admins-own',
      );
      expect((await kiln.call(dev, { method: 'DELETE', url: `/v1/template/${uuid}/delete` })).json()).toEqual(
        { status: 'success' },
      );
      const deleted = (
        await kiln.call(admin, { method: 'DELETE', url: `/v3/templates/${other}/delete` })
      ).json();
      expect(deleted).toMatchObject({ error: null, status: 'success' });
      expect(deleted.result.map((t: { uuid: string }) => t.uuid)).toEqual([other]);
      const gone = await kiln.call(dev, { method: 'GET', url: `/v1/template/${uuid}/custom` });
      expect(gone.statusCode).toBe(404);
    });

    it('refuses a page size over 100, as the reference bounds it; 0 is the default 20', async () => {
      for (const url of [
        '/v3/templates/query?page_size=101',
        '/v1/template/officialtemplates?page_size=999',
      ]) {
        const res = await kiln.call(dev, { method: 'GET', url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json()).toEqual({
          error_code: 'CB.00060200',
          error_msg: "query parameter 'page_size' must be <= 100",
        });
      }
      const zero = await kiln.call(dev, { method: 'GET', url: '/v1/template/officialtemplates?page_size=0' });
      expectOk(zero);
      expect(zero.json().result.items.length).toBe(Math.min(20, OFFICIAL_TEMPLATES.length));
    });

    it("lists Kiln's official templates, one per stack, with favourites and recommendations", async () => {
      const res = await kiln.call(dev, {
        method: 'GET',
        url: '/v1/template/officialtemplates?page=0&page_size=100',
      });
      expectOk(res);
      const { items, total_size } = res.json().result;
      expect(total_size).toBe(OFFICIAL_TEMPLATES.length);
      expect(items.map((t: { name: string }) => t.name)).toEqual(
        expect.arrayContaining(['shell', 'npm', 'python', 'go', 'cmake', 'maven', 'gradle', 'artifacts']),
      );
      const maven = items.find((t: { name: string }) => t.name === 'maven');
      expect(maven).toEqual({
        language: 'java',
        favourite: false,
        uuid: expect.stringMatching(ID32),
        type: 'codeci',
        name: 'maven',
        weight: 0,
        scope: 'official',
        description: expect.any(String),
        nick_name: 'Java (Maven)',
        public: true,
        tool_type: 'maven',
        template: { steps: expect.any(Array) },
        parameters: [],
      });
      expectOk(await kiln.call(dev, { method: 'POST', url: `/v1/template/official/${maven.uuid}/follow` }));
      const named = await kiln.call(dev, { method: 'GET', url: '/v1/template/officialtemplates?name=maven' });
      expect(named.json().result.items).toMatchObject([{ name: 'maven', favourite: true }]);
      const unknown = await kiln.call(dev, {
        method: 'POST',
        url: `/v1/template/official/${'0'.repeat(32)}/follow`,
      });
      expect(unknown.statusCode).toBe(404);

      const recommended = await kiln.call(dev, {
        method: 'POST',
        url: '/v1/template/recommend',
        payload: { git_url: 'git@example.com:team/payments-go.git', branch: 'main' },
      });
      expectOk(recommended);
      expect(recommended.json().result.items[0]).toMatchObject({ name: 'go', scope: 'official' });
    });

    it('records the template a job started from, and creates a job from a template', async () => {
      const official = OFFICIAL_TEMPLATES.find((t) => t.name === 'shell')!;
      const jobId = await createJob(kiln, admin, project, {
        job_name: 'from-template',
        steps: official.steps,
        parameters: official.parameters,
      });
      const used = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/template/used-info',
        payload: { job_id: jobId, template_id: official.uuid },
      });
      expectOk(used);
      expect(used.json()).toEqual({ result: 'success', error: null, status: 'success' });
      const weights = await kiln.call(admin, {
        method: 'GET',
        url: '/v1/template/officialtemplates?name=shell',
      });
      expect(weights.json().result.items[0].weight).toBe(1);
      const job = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
      expect(job.steps.map((s: { name: string }) => s.name)).toEqual(official.steps.map((s) => s.name));
      const nope = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/template/used-info',
        payload: { job_id: jobId, template_id: 'not-a-template' },
      });
      expect(nope.statusCode).toBe(404);
    });

    it("keeps domains apart: another domain's templates are not found", async () => {
      const uuid = (await create(admin, 'apart')).json().result.uuid as string;
      await createDomain(kiln, admin, 'tpl-elsewhere', 'root', 'root-password-1');
      const root = await tokenOf(kiln, {
        name: 'root',
        password: 'root-password-1',
        domain: 'tpl-elsewhere',
      });
      expect((await kiln.call(root, { method: 'GET', url: `/v1/template/${uuid}/custom` })).statusCode).toBe(
        404,
      );
      const list = await kiln.call(root, { method: 'GET', url: '/v1/template/custom' });
      expect(list.json().result).toEqual({ total_size: 0, items: [] });
    });
  });
});
