import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import { ADMIN, tokenOf } from '../../helpers/foundation.ts';
import { envelope, expectShape, type Shape } from '../../helpers/shapes.ts';

/**
 * Templates field for field as ../shared/reference/codearts-build-api.md gives them: its times
 * (Kiln sent toISOString's `...Z`), DeleteTemplates' result (Kiln sent null), and the
 * CreateTemplatesItems of CreateTemplates and DeleteTemplates (Kiln sent the query operations'
 * items, with `nick_name` and the template's `actions`, `image`, ...).
 */

/** The reference's template times: `2023-11-25T08:39:42.098+00:00` (CreateTemplates, ListTemplates, ListCustomTemplate examples). */
const TEMPLATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

const TEMPLATE_BODY = (name: string) => ({
  name,
  description: '123',
  tool_type: '123123',
  template: {
    steps: [
      { module_id: 'devcloud2018.codeci_action_20043.action', name: 'Maven', enable: true, properties: null },
    ],
  },
  parameters: [
    {
      name: 'hudson.model.StringParameterDefinition',
      params: [
        { name: 'name', value: 'codeBranch' },
        { name: 'defaultValue', value: 'master' },
      ],
    },
  ],
});

/** CreateTemplatesItems (reference A.1, CreateTemplates and DeleteTemplates): no `nick_name`, a template of steps alone. */
const PARAMETER: Shape = { name: 'string', params: [{ name: 'string', value: 'string' }] };
const CREATE_TEMPLATES_ITEM: Shape = {
  favourite: 'boolean',
  id: 'string',
  uuid: 'string',
  template: {
    steps: [
      {
        module_id: 'string',
        name: 'string',
        'enable?': 'boolean',
        'properties?': 'any',
        'version?': 'string',
      },
    ],
  },
  type: 'string',
  public: 'boolean',
  name: 'string',
  create_time: 'string',
  domain_id: 'string',
  weight: 'number',
  user_id: 'string',
  user_name: 'string',
  domain_name: 'string',
  scope: 'string',
  description: 'string',
  tool_type: 'string',
  intl_description: 'any',
  parameters: [PARAMETER],
  i18n: 'any',
};

describe('templates as the reference shapes them', () => {
  let kiln: TestKiln;
  let admin: string;

  beforeAll(async () => {
    kiln = await createTestKiln();
    admin = await tokenOf(kiln, ADMIN);
  });
  afterAll(() => kiln?.close());

  it('CreateTemplates / ListTemplates / ListCustomTemplate / ShowTemplate: create_time is yyyy-MM-ddTHH:mm:ss.SSS+00:00 as the reference shows', async () => {
    const created = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/templates/create',
      payload: TEMPLATE_BODY('fmt-v3'),
    });
    expect(created.statusCode, created.body).toBe(200);
    const uuid = created.json().result.uuid as string;
    expect(created.json().result.create_time).toMatch(TEMPLATE_TIME);

    const listed = await kiln.call(admin, {
      method: 'GET',
      url: '/v3/templates/query?name=fmt-v3&page=0&page_size=10',
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().result.items[0].create_time).toMatch(TEMPLATE_TIME);

    const custom = await kiln.call(admin, {
      method: 'GET',
      url: '/v1/template/custom?name=fmt-v3&page=1&page_size=10',
    });
    expect(custom.statusCode, custom.body).toBe(200);
    expect(custom.json().result.items[0].create_time).toMatch(TEMPLATE_TIME);

    const shown = await kiln.call(admin, { method: 'GET', url: `/v1/template/${uuid}/custom` });
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json().result.create_time).toMatch(TEMPLATE_TIME);
  });

  it('DeleteTemplates: result is the deleted template as an array of items (CreateTemplatesItems)', async () => {
    const created = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/templates/create',
      payload: TEMPLATE_BODY('del-v3'),
    });
    expect(created.statusCode, created.body).toBe(200);
    const uuid = created.json().result.uuid as string;
    const res = await kiln.call(admin, { method: 'DELETE', url: `/v3/templates/${uuid}/delete` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('success');
    expect(res.json().result).toEqual([
      expect.objectContaining({
        uuid,
        id: uuid,
        name: 'del-v3',
        create_time: expect.stringMatching(TEMPLATE_TIME),
      }),
    ]);
    const shown = await kiln.call(admin, { method: 'GET', url: `/v1/template/${uuid}/custom` });
    expect(shown.statusCode).toBe(404);
  });

  it('CreateTemplates and DeleteTemplates answer CreateTemplatesItems, field for field', async () => {
    const created = await kiln.call(admin, {
      method: 'POST',
      url: '/v3/templates/create',
      payload: TEMPLATE_BODY('items-v3'),
    });
    expect(created.statusCode, created.body).toBe(200);
    expectShape(created.json(), envelope(CREATE_TEMPLATES_ITEM));
    const uuid = created.json().result.uuid as string;
    const deleted = await kiln.call(admin, { method: 'DELETE', url: `/v3/templates/${uuid}/delete` });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expectShape(deleted.json(), envelope([CREATE_TEMPLATES_ITEM]));
    expect(deleted.json().result[0].template).toEqual(created.json().result.template);
  });
});
