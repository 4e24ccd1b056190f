import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import { ADMIN, tokenOf } from '../../helpers/foundation.ts';

/**
 * Field-for-field checks against ../reference/codearts-build-api.md (Appendix A) where Kiln's
 * answer differs from the reference and docs/api-compat.md does not say so.
 */

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

describe('reference field formats (revD)', () => {
  let kiln: TestKiln;
  let admin: string;

  beforeAll(async () => {
    kiln = await createTestKiln();
    admin = await tokenOf(kiln, ADMIN);
  });
  afterAll(() => kiln?.close());

  it('DeleteTemplates: result is an array of template items (CreateTemplatesItems), not null', async () => {
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
    expect(Array.isArray(res.json().result), `result was ${JSON.stringify(res.json().result)}`).toBe(true);
  });
});
