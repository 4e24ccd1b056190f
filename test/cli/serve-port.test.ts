import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli } from '../helpers/cli.ts';
import { testProcessEnv } from '../helpers/runner.ts';

// A first `kiln serve` on a port another program holds: one line saying which port and what to
// do, before it creates the admin (whose one-time password would otherwise be printed and lost).
// And a server URL that could never work, said so instead of a connection failure.

describe('kiln serve on a taken port', () => {
  let holder: Server;
  let port = 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-port-'));

  beforeAll(async () => {
    port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port }, resolve));
  });
  afterAll(() => {
    holder?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says which port is taken and how to choose another, and creates nothing', async () => {
    const r = await runCli(['serve'], {
      env: { KILN_DATA_DIR: join(dataDir, 'data'), KILN_PORT: String(port), ...testProcessEnv() },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kiln: port ${port} on 127.0.0.1 is taken (another Kiln, or another program, listens there): stop it, or choose another port with KILN_PORT\n`,
    );
    expect(r.stdout).not.toContain('created the user');
    // No database and no admin were made: the next start on a free port is the first one.
    expect(existsSync(join(dataDir, 'data')) ? readdirSync(join(dataDir, 'data')) : []).not.toContain(
      'kiln.db',
    );
  });
});

describe('kiln serve on a KILN_HOST it cannot listen on', () => {
  it('says so, naming KILN_HOST, and creates nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kiln-host-'));
    try {
      for (const [host, code] of [
        ['not-a-host.invalid', 'E[A-Z_]+'], // ENOTFOUND, or EAI_AGAIN where no resolver answers
        ['192.0.2.1', 'EADDRNOTAVAIL'], // TEST-NET-1: no machine's own address
      ]) {
        const r = await runCli(['serve'], {
          env: {
            KILN_DATA_DIR: join(dataDir, 'data'),
            KILN_HOST: host!,
            KILN_PORT: String(await freePort()),
            ...testProcessEnv(),
          },
        });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(
          new RegExp(
            `^kiln: cannot listen on ${host!.replace(/\./g, '\\.')} port \\d+ \\(${code}\\): KILN_HOST must name`,
          ),
        );
        expect(r.stdout).not.toContain('created the user');
      }
      expect(existsSync(join(dataDir, 'data')) ? readdirSync(join(dataDir, 'data')) : []).not.toContain(
        'kiln.db',
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('kiln runner with a --server that is no URL', () => {
  it('refuses to start, saying what --server needs (it retried for ever)', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'kiln-runner-url-'));
    try {
      const r = await runCli(['runner', '--server', 'not-a-url', '--work-dir', workDir], {
        env: { KILN_RUNNER_TOKEN: 'unused', ...testProcessEnv() },
      });
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(
        `--server "not-a-url" must be the Kiln server's URL, starting with http:// or https://`,
      );
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('kiln runner with an unknown --log-level', () => {
  it("refuses to start, naming the option and the levels it takes (not pino's own words)", async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'kiln-runner-level-'));
    try {
      const r = await runCli(
        ['runner', '--server', 'http://127.0.0.1:9', '--work-dir', workDir, '--log-level', 'verbose'],
        { env: { KILN_RUNNER_TOKEN: 'unused', ...testProcessEnv() } },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim()).toBe(
        'kiln: --log-level "verbose" must be one of fatal, error, warn, info, debug, trace, silent',
      );
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('a server URL without a scheme', () => {
  it('is a usage error saying what the URL needs, not "is the server running?"', async () => {
    const r = await runCli(['whoami'], { env: { KILN_URL: 'localhost:8080', KILN_TOKEN: 'token' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kiln: the server URL "localhost:8080" must start with http:// or https:// (--url or KILN_URL)\n',
    );
  });
});

describe('kiln serve with a database or data directory it cannot use', () => {
  // Each said one line naming the setting, instead of a bare "ENOTDIR: not a directory" or
  // "database migration  failed: the database is unavailable" that named neither.
  const root = mkdtempSync(join(tmpdir(), 'kiln-unusable-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function serve(env: Record<string, string>) {
    return runCli(['serve'], {
      env: { KILN_PORT: String(await freePort()), KILN_RUNNER_SLOTS: '0', ...testProcessEnv(), ...env },
    });
  }

  it('a data directory under a file', async () => {
    writeFileSync(join(root, 'a-file'), '');
    const r = await serve({ KILN_DATA_DIR: join(root, 'a-file', 'data') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `kiln: cannot write in ${join(root, 'a-file', 'data')} (ENOTDIR: not a directory, mkdir '${join(root, 'a-file', 'data')}'): KILN_DATA_DIR must name a directory Kiln may create and write\n`,
    );
  });

  it('a data directory whose database is no SQLite file', async () => {
    mkdirSync(join(root, 'garbage'));
    writeFileSync(
      join(root, 'garbage', 'kiln.db'),
      'not a database at all, but long enough to be read as one',
    );
    const r = await serve({ KILN_DATA_DIR: join(root, 'garbage') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^kiln: cannot open the database \S+kiln\.db \(KILN_DATA_DIR\): .*file is not a database\n$/,
    );
  });

  it('a PostgreSQL server that does not answer, its password not shown', async () => {
    const r = await serve({
      KILN_DATA_DIR: join(root, 'pg'),
      KILN_DATABASE_URL: `postgres://kiln:a-secret-password@127.0.0.1:${await freePort()}/kiln`,
      KILN_SECRET_KEY: '0123456789abcdef0123456789abcdef',
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^kiln: cannot open the database postgres:\/\/kiln:\*\*\*@127\.0\.0\.1:\d+\/kiln \(KILN_DATABASE_URL\): .*ECONNREFUSED/,
    );
    expect(r.stderr + r.stdout).not.toContain('a-secret-password');
  });
});
