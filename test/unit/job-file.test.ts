import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJobFile } from '../../src/cli/job-file.ts';
import type { CliContext } from '../../src/cli/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-job-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (text: string) => {
  const file = join(dir, 'job.yaml');
  writeFileSync(file, text);
  return readJobFile({} as CliContext, file);
};

describe('a job file in YAML', () => {
  it('keeps the text written where the job document has text, and YAML types elsewhere', async () => {
    const doc = await read(`job_name: x
auto_update_sub_module: true
timeout: {limit: 30, unit: MINUTES}
steps:
  - module_id: kiln.shell
    name: a
    version: 20231001.60
    enable: true
    properties: {command: echo, n: 5}
scms:
  - {url: u, scm_type: git, depth: 1, is_auto_build: false}
parameters:
  - name: hudson.model.StringParameterDefinition
    params:
      - {name: defaultValue, value: 007}
`);
    expect(doc).toEqual({
      job_name: 'x',
      auto_update_sub_module: 'true',
      timeout: { limit: 30, unit: 'MINUTES' },
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'a',
          version: '20231001.60',
          enable: true,
          properties: { command: 'echo', n: 5 },
        },
      ],
      scms: [{ url: 'u', scm_type: 'git', depth: '1', is_auto_build: false }],
      parameters: [
        { name: 'hudson.model.StringParameterDefinition', params: [{ name: 'defaultValue', value: '007' }] },
      ],
    });
  });

  it('still says where YAML that cannot be read breaks', async () => {
    await expect(read('job_name: [x\n')).rejects.toThrow(/is not valid YAML/);
  });
});
