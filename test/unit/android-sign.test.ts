import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { androidSignScript } from '../../src/domain/android-sign.ts';

/** android_sign from its documented inputs, run by bash against a stand-in apksigner that records its calls. */
describe('android_sign script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sign-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'ws/app/build'), { recursive: true });
  writeFileSync(join(dir, 'ws/app/build/my app.apk'), '');
  writeFileSync(join(dir, 'ws/app/build/other.apk'), '');
  writeFileSync(
    join(dir, 'bin/apksigner'),
    `#!/bin/bash\nprintf '%s|' "$@" >> "${dir}/calls"; printf 'ks=%s key=%s\\n' "$KILN_KS_PASS" "$KILN_KEY_PASS" >> "${dir}/calls"\n`,
  );
  chmodSync(join(dir, 'bin/apksigner'), 0o755);

  const run = (script: string) => {
    writeFileSync(join(dir, 'step.sh'), script);
    return execFileSync('bash', ['-c', 'set -e; . "$0"', join(dir, 'step.sh')], {
      cwd: join(dir, 'ws'),
      env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` },
      encoding: 'utf8',
    });
  };

  it('signs every file the glob matches, passwords through the environment, apksigner_commond as words', () => {
    const made = androidSignScript({
      file_path: '**/*.apk',
      keystore_file: 'release.jks',
      keystore_password: "it's secret",
      alias: 'release',
      key_password: 'key',
      apksigner_commond: '--v1-signing-enabled true $(touch pwned)',
    });
    if (!('script' in made)) throw new Error('no script');
    run(made.script);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual([
      "sign|--ks|release.jks|--ks-key-alias|release|--ks-pass|env:KILN_KS_PASS|--key-pass|env:KILN_KEY_PASS|--v1-signing-enabled|true|$(touch|pwned)|app/build/my app.apk|ks=it's secret key=key",
      "sign|--ks|release.jks|--ks-key-alias|release|--ks-pass|env:KILN_KS_PASS|--key-pass|env:KILN_KEY_PASS|--v1-signing-enabled|true|$(touch|pwned)|app/build/other.apk|ks=it's secret key=key",
    ]);
    expect(existsSync(join(dir, 'ws/pwned'))).toBe(false);
  });

  it('fails when no file matches, and names missing required inputs', () => {
    const made = androidSignScript({ file_path: '*.aab', keystore_file: 'k.jks', alias: 'a' });
    if (!('script' in made)) throw new Error('no script');
    expect(() => run(made.script)).toThrow();
    expect(androidSignScript({ file_path: '*.apk' })).toEqual({ missing: ['keystore_file', 'alias'] });
  });
});
