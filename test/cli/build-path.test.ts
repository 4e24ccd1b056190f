import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBuildPath } from '../../src/cmd/build-path.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// Builds do not inherit what npm adds to PATH when it runs Kiln (`npm start`): a real `kiln serve`
// started with a node_modules/.bin on its PATH, whose build looks for a program found only there.
// The sandbox is off here so that the directory would be visible to the build if it were on its PATH.

describe("a build's PATH", () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-build-path-'));
  const bin = join(root, 'app', 'node_modules', '.bin');
  let server: ServerProcess;
  let user: CliUser;

  beforeAll(async () => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'kiln-npm-only-tool'), '#!/bin/sh\necho npm-only\n');
    chmodSync(join(bin, 'kiln-npm-only-tool'), 0o755);
    server = await startServerProcess({
      env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, KILN_SANDBOX: 'off' },
    });
    user = cliUser(server);
    await user.login();
  }, 60_000);
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("leaves npm's node_modules/.bin out of what builds see", async () => {
    const file = join(user.home, 'job.json');
    writeFileSync(
      file,
      JSON.stringify({
        job_name: 'path-check',
        arch: 'x86-64',
        steps: [
          {
            module_id: 'kiln.shell',
            name: 'look',
            properties: {
              command: 'command -v kiln-npm-only-tool || echo "not on the PATH"; echo "PATH=$PATH"',
            },
          },
        ],
      }),
    );
    const created = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
    expect(created.code, created.stderr).toBe(0);
    const run = await user.run(['run', created.stdout.trim(), '--follow'], { env: {} });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('not on the PATH');
    expect(run.stdout).not.toContain('node_modules/.bin');
  });

  it('keeps the rest of the PATH in its order, once each', () => {
    expect(
      defaultBuildPath(
        '/home/u/app/node_modules/.bin:/home/u/node_modules/.bin/:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/local/bin:/usr/bin:/usr/local/bin',
      ),
    ).toBe('/usr/local/bin:/usr/bin');
    expect(defaultBuildPath(undefined)).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(defaultBuildPath('/x/node_modules/.bin')).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});
