import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Actions whose documented inputs have no `command` (spec §3.3): `manifest_checkout`
 * (manifest_url, manifest_branch, manifest_file, path, lfs, repo_url, repo_branch, username,
 * password; the reference example, spec §6.2) and `android_sign` (file_path, keystore_file,
 * keystore_password, alias, key_password, apksigner_commond). The file is read; manifest_checkout
 * fails its step as not supported on Kiln runners, android_sign signs with apksigner (which this
 * runner lacks: the step fails naming it). With `ignore_fail: true` on them, the last step runs.
 */

const MANIFEST = `version: 2.0
steps:
  PRE_BUILD:
    - manifest_checkout:
        name: "manifest"
        inputs:
          manifest_url: https://codehub.example.com/group/manifest.git
          manifest_branch: master
          manifest_file: default.xml
          path: dir/dir02
          lfs: true
          repo_url: https://codehub.example.com/group/git-repo.git
          repo_branch: master
          username: someone
          password: PASSWD
          ignore_fail: true
  BUILD:
    - sh:
        inputs:
          command: echo last step ran
`;

const SIGN = `version: 2.0
steps:
  BUILD:
    - android_sign:
        inputs:
          file_path: "**/*.apk"
          keystore_file: release.jks
          keystore_password: secret
          alias: release
          key_password: secret
          apksigner_commond: --v1-signing-enabled true
          ignore_fail: true
    - sh:
        inputs:
          command: echo last step ran
`;

const [label, mode] = MODES[0]!;

describe(`documented actions without a command, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('files', { 'ci/manifest.yml': MANIFEST, 'ci/sign.yml': SIGN });
  }, 60_000);
  afterAll(() => kiln?.close());

  it.each([
    ['manifest_checkout', 'ci/manifest.yml'],
    ['android_sign', 'ci/sign.yml'],
  ])(
    'a %s step with its documented inputs (no command) is read, not refused',
    async (action, path) => {
      const jobId = await newYamlJob(ek, repo.url, path);
      await ek.run(jobId);
      await ek.waitFinished(jobId, 1, 60_000);
      const log = await ek.log(jobId, 1);
      expect(log).not.toContain(`action ${action} needs inputs.command`);
      expect(log).toContain(`read ${path}: 2 steps`);
      expect(log).toContain('last step ran');
      expect(log).toContain(
        action === 'manifest_checkout'
          ? 'step "manifest" (manifest_checkout): manifest checkouts (the repo tool) are not supported on Kiln runners'
          : 'needs apksigner',
      );
    },
    60_000,
  );
});
