import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

/**
 * A credentials file that is not a saved login (hand-edited, cut short, written by something
 * else): valid JSON without `url` or `token`, or not an object. The CLI says it is not logged in,
 * as for a missing file, instead of failing with a JavaScript error ("Cannot read properties of
 * undefined"). No server is needed: nothing is sent without a login.
 */
describe('a credentials file that holds no login', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  function withCredentials(text: string) {
    const home = mkdtempSync(join(tmpdir(), 'kiln-cli-home-'));
    homes.push(home);
    mkdirSync(join(home, '.config', 'kiln'), { recursive: true });
    writeFileSync(join(home, '.config', 'kiln', 'credentials.json'), text, { mode: 0o600 });
    return { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), KILN_URL: 'http://127.0.0.1:9' };
  }

  for (const text of [
    '{"token":"abc"}',
    '{"url":"http://127.0.0.1:9"}',
    '[]',
    '"text"',
    '{"url":5,"token":7}',
  ]) {
    it(`is not a login: ${text}`, async () => {
      const env = withCredentials(text);
      const whoami = await runCli(['whoami'], { env });
      expect(whoami.stderr).not.toMatch(/Cannot read|undefined|TypeError/);
      expect(whoami.stderr).toContain('kiln: not logged in: run `kiln login`');
      expect(whoami.code).toBe(1);
      const logout = await runCli(['logout'], { env });
      expect(logout.stderr).not.toMatch(/Cannot read|undefined|TypeError/);
      expect(logout.stdout).toBe('Not logged in.\n');
      expect(logout.code).toBe(0);
    });
  }
});
