import { afterAll, beforeAll, expect, it } from 'vitest';
import { SecretBox } from '../../src/engine/secret-box.ts';
import { StoredSecrets } from '../../src/engine/stored-secrets.ts';
import { createTestKiln, jobBody, TEST_SECRET_KEY, type TestKiln } from '../helpers/app.ts';

// A sensitive parameter's default is a secret: the job document shows it masked, and a client
// that reads the document and sends it back unchanged does not overwrite the secret with the mask.
// It is stored sealed with the server's key: the stored text holds the mask, opening it the value.

let kiln: TestKiln;
let token: string;
beforeAll(async () => {
  kiln = await createTestKiln();
  token = await kiln.token();
});
afterAll(() => kiln.close());

const param = (name: string, value: string, sensitive: boolean) => ({
  name: 'hudson.model.StringParameterDefinition',
  params: [
    { name: 'name', value: name },
    { name: 'defaultValue', value },
    { name: 'sensitiveVar', value: String(sensitive) },
  ],
});
const defaults = (config: { parameters?: { params?: { name?: string; value?: string | null }[] }[] }) =>
  (config.parameters ?? []).map((p) => p.params?.find((x) => x.name === 'defaultValue')?.value);

/** The defaults of the stored document, opened with the server's key; checks the text holds none. */
async function storedDefaults(jobId: string, secret: string) {
  const text = (await kiln.storage.jobs.findById(jobId))?.config ?? '{}';
  expect(text).not.toContain(secret);
  return defaults(new StoredSecrets(new SecretBox(TEST_SECRET_KEY)).jobConfig(text));
}

it('masks sensitive defaults in the job document and keeps them through an unchanged round trip', async () => {
  const body = jobBody(await kiln.defaultProjectId(), {
    job_name: 'secrets',
    parameters: [param('API_TOKEN', 'tok-3f9a-secret', true), param('REGION', 'eu', false)],
  });
  const jobId = (await kiln.call(token, { method: 'POST', url: '/v3/jobs/create', payload: body })).json()
    .result.job_id;
  const shown = (await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
  expect(defaults(shown)).toEqual(['******', 'eu']);
  expect(JSON.stringify(shown)).not.toContain('tok-3f9a-secret');

  // Send the document back as read, with another change.
  const updated = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/update',
    payload: { ...shown, job_id: jobId, job_name: 'secrets-2' },
  });
  expect(updated.statusCode).toBe(200);
  expect(await storedDefaults(jobId, 'tok-3f9a-secret')).toEqual(['tok-3f9a-secret', 'eu']);

  // A new value replaces it.
  const changed = {
    ...shown,
    job_id: jobId,
    parameters: [param('API_TOKEN', 'tok-new', true), param('REGION', 'eu', false)],
  };
  await kiln.call(token, { method: 'POST', url: '/v3/jobs/update', payload: changed });
  expect(await storedDefaults(jobId, 'tok-new')).toEqual(['tok-new', 'eu']);
});
