import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { openArtifactStore } from '../../src/cmd/artifact-store.ts';
import { ConfigError, parseConfig } from '../../src/cmd/config.ts';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { S3ArtifactBlobs } from '../../src/storage/files/s3-artifact-blobs.ts';
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

  it('does not echo the password of a database URL it refuses', () => {
    let problem = '';
    try {
      parseConfig({
        KILN_DATABASE_URL: 'postgresql+psycopg://kiln:hunter2-db-password@db.internal:5432/kiln',
      });
    } catch (error) {
      problem = (error as Error).message;
    }
    expect(problem).toContain('KILN_DATABASE_URL=');
    expect(problem).toContain('db.internal');
    expect(problem).not.toContain('hunter2-db-password');
  });

  it('needs a shared secret key with PostgreSQL', () => {
    expect(() => parseConfig({ KILN_DATABASE_URL: 'postgres://localhost/kiln' })).toThrow(/KILN_SECRET_KEY/);
    expect(
      parseConfig({ KILN_DATABASE_URL: 'postgres://localhost/kiln', KILN_SECRET_KEY: 'a-long-enough-secret' })
        .databaseUrl,
    ).toMatch(/^postgres/);
    // A key too short is said to be too short, not missing.
    let problem = '';
    try {
      parseConfig({ KILN_DATABASE_URL: 'postgres://localhost/kiln', KILN_SECRET_KEY: 'short' });
    } catch (error) {
      problem = (error as Error).message;
    }
    expect(problem).toContain('KILN_SECRET_KEY: must be at least 16 characters');
    expect(problem).not.toContain('must be set');
  });

  it('keeps artifacts in the data directory, or in S3 when a bucket is set', async () => {
    const local = await openArtifactStore(parseConfig({ KILN_DATA_DIR: '/srv/kiln' }));
    expect(local.blobs).toBeInstanceOf(FsArtifactBlobs);
    expect(local.where).toBe(resolve('/srv/kiln/artifacts'));
    const env = {
      KILN_ARTIFACT_S3_BUCKET: 'builds',
      KILN_ARTIFACT_S3_ENDPOINT: 'https://s3.example.internal:9000/',
      KILN_ARTIFACT_S3_PREFIX: '/kiln/artifacts/',
      KILN_ARTIFACT_S3_ACCESS_KEY_ID: 'kiln-user',
      KILN_ARTIFACT_S3_SECRET_ACCESS_KEY: 'very-secret-value',
      KILN_ARTIFACT_S3_FORCE_PATH_STYLE: 'on',
    };
    const config = parseConfig(env);
    expect(config).toMatchObject({
      artifactS3Bucket: 'builds',
      artifactS3Endpoint: 'https://s3.example.internal:9000',
      artifactS3Region: 'us-east-1',
      artifactS3Prefix: 'kiln/artifacts',
      artifactS3ForcePathStyle: 'on',
    });
    const s3 = await openArtifactStore(config);
    try {
      expect(s3.blobs).toBeInstanceOf(S3ArtifactBlobs);
      expect(s3.where).toBe('s3://builds/kiln/artifacts/ at https://s3.example.internal:9000');
    } finally {
      s3.close();
    }
  });

  it('refuses half an S3 key pair and S3 settings without a bucket, without echoing the secret', () => {
    try {
      parseConfig({
        KILN_ARTIFACT_S3_ENDPOINT: 'http://minio:9000',
        KILN_ARTIFACT_S3_SECRET_ACCESS_KEY: 'very-secret-value',
        KILN_ARTIFACT_S3_FORCE_PATH_STYLE: 'yes',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('KILN_ARTIFACT_S3_FORCE_PATH_STYLE="yes": must be one of on, off');
      expect(problems).toContain('set both, or neither');
      expect(problems).toContain('KILN_ARTIFACT_S3_ENDPOINT: takes effect only with KILN_ARTIFACT_S3_BUCKET');
      expect(problems).not.toContain('very-secret-value');
    }
  });

  it('is documented, option for option, in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toContain(configTable());
  });
});
