import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBuildYamlFile } from '../../src/runner/build-yaml-file.ts';

describe('readBuildYamlFile', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'kiln-build-yaml-file-'));
    mkdirSync(join(workspace, '.cloudbuild'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it('reads the file', () => {
    writeFileSync(join(workspace, '.cloudbuild/build.yml'), 'version: 2.0\n');
    expect(readBuildYamlFile(workspace, '.cloudbuild/build.yml')).toEqual({ text: 'version: 2.0\n' });
  });

  it('says a missing file is missing, and names the file of the other extension when the repository has it', () => {
    expect(readBuildYamlFile(workspace, '.cloudbuild/build.yml')).toEqual({
      error: '.cloudbuild/build.yml is not in the repository at this commit',
    });
    writeFileSync(join(workspace, '.cloudbuild/build.yaml'), 'version: 2.0\n');
    expect(readBuildYamlFile(workspace, '.cloudbuild/build.yml')).toEqual({
      error:
        '.cloudbuild/build.yml is not in the repository at this commit (it has .cloudbuild/build.yaml: rename it, or name it in the parameter CB_BUILD_YAML_PATH)',
    });
    writeFileSync(join(workspace, 'ci.yml'), 'version: 2.0\n');
    expect(readBuildYamlFile(workspace, 'ci.yaml')).toEqual({
      error:
        'ci.yaml is not in the repository at this commit (it has ci.yml: rename it, or name it in the parameter CB_BUILD_YAML_PATH)',
    });
  });

  it('refuses a link out of the repository', () => {
    symlinkSync('/etc/passwd', join(workspace, '.cloudbuild/build.yml'));
    expect(readBuildYamlFile(workspace, '.cloudbuild/build.yml')).toEqual({
      error: '.cloudbuild/build.yml leads outside the repository',
    });
  });
});
