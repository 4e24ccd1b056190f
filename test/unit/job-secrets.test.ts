import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BuildPlan } from '../../src/domain/build-plan.ts';
import type { JobConfig } from '../../src/domain/job-document.ts';
import {
  joinJobSecrets,
  joinPlanSecrets,
  maskRepositoryCredentials,
  restoreRepositoryCredentials,
  splitJobSecrets,
  splitPlanSecrets,
} from '../../src/domain/job-secrets.ts';

const param = (name: string, value: string, sensitive: boolean) => ({
  name: 'hudson.model.StringParameterDefinition',
  params: [
    { name: 'name', value: name },
    { name: 'defaultValue', value },
    { name: 'sensitiveVar', value: String(sensitive) },
  ],
});

const config = (url: string, webUrl: string, secret: string): JobConfig => ({
  arch: 'x86-64',
  project_id: 'p'.repeat(32),
  job_name: 'j',
  scms: [{ url, scm_type: 'git', web_url: webUrl }],
  parameters: [param('TOKEN', secret, true), param('PLAIN', 'visible', false)],
  steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
});

describe('job documents', () => {
  it('splits out sensitive defaults and URL credentials, masked in place, and joins them back', () => {
    const doc = config('https://u:tok@host/r.git', 'https://tok2@host/r', 's3cret');
    const { doc: masked, secrets } = splitJobSecrets(doc);
    expect(JSON.stringify(masked)).not.toMatch(/tok|s3cret/);
    expect(masked.scms?.[0]).toMatchObject({
      url: 'https://******@host/r.git',
      web_url: 'https://******@host/r',
    });
    expect(secrets).toEqual({
      defaults: { 0: 's3cret' },
      urls: { 0: 'https://u:tok@host/r.git' },
      webUrls: { 0: 'https://tok2@host/r' },
    });
    expect(joinJobSecrets(masked, secrets ?? {})).toEqual(doc);
  });

  it('finds nothing to split in a document without secrets', () => {
    const doc = config('git@host:r.git', 'https://host/r', '');
    expect(splitJobSecrets(doc)).toEqual({ doc, secrets: undefined });
  });

  it('round-trips any document (property)', () => {
    const text = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.constantFrom('https://', 'ssh://git@', 'git@'),
        (user, secret, host, scheme) => {
          const doc = config(`${scheme}${user}@${host}/r`, `https://${user}@${host}`, secret);
          const { doc: masked, secrets } = splitJobSecrets(doc);
          expect(secrets ? joinJobSecrets(masked, secrets) : masked).toEqual(doc);
        },
      ),
    );
  });

  it('masks repository credentials for readers, and restores a URL an editor sends back as masked', () => {
    const stored = config('https://u:tok@host/r.git', 'https://u:tok@host/r', 's');
    const shown = maskRepositoryCredentials(stored);
    expect(shown.scms?.[0]?.url).toBe('https://******@host/r.git');
    expect(restoreRepositoryCredentials(shown, stored).scms?.[0]).toEqual(stored.scms?.[0]);
    const changed = config('https://u:new@host/r.git', 'https://host/r', 's');
    expect(restoreRepositoryCredentials(changed, stored).scms?.[0]).toEqual(changed.scms?.[0]);
  });
});

describe('build plans', () => {
  const plan: BuildPlan = {
    scm: { url: 'https://TOKEN@host/r.git', buildType: 'branch', ref: 'main', commit: '' },
    steps: [],
    parameters: [
      { name: 'A', value: 'secret-a', sensitive: true },
      { name: 'B', value: '', sensitive: true },
      { name: 'C', value: 'plain', sensitive: false },
    ],
    timeoutMs: 1000,
    keepWorkspace: false,
  };

  it('splits out sensitive values and the URL with credentials, and joins them back', () => {
    const { plan: masked, secrets } = splitPlanSecrets(plan);
    expect(masked.parameters.map((p) => p.value)).toEqual(['******', '', 'plain']);
    expect(masked.scm?.url).toBe('https://******@host/r.git');
    expect(secrets).toEqual({ values: { 0: 'secret-a' }, url: 'https://TOKEN@host/r.git' });
    expect(joinPlanSecrets(masked, secrets ?? {})).toEqual(plan);
  });
});
