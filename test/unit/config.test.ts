import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/cmd/config.ts';
import { configTable } from '../../scripts/config-table.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      timeZone: 'UTC',
      logLevel: 'info',
      runnerSlots: 2,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lists every bad value at once, without echoing secrets', () => {
    try {
      parseConfig({
        KILN_PORT: 'eighty',
        KILN_TIMEZONE: 'Mars/Olympus',
        KILN_ADMIN_PASSWORD: 'short',
        KILN_LOG_LEVEL: 'loud',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toContain('KILN_PORT="eighty"');
      expect(problems.join('\n')).not.toContain('short');
    }
  });

  it('needs a shared secret key with PostgreSQL', () => {
    expect(() => parseConfig({ KILN_DATABASE_URL: 'postgres://localhost/kiln' })).toThrow(/KILN_SECRET_KEY/);
    expect(
      parseConfig({ KILN_DATABASE_URL: 'postgres://localhost/kiln', KILN_SECRET_KEY: 'a-long-enough-secret' })
        .databaseUrl,
    ).toMatch(/^postgres/);
  });

  it('is documented, option for option, in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toContain(configTable());
  });
});
