import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/storage/schema.ts';
import { migrate } from '../../src/storage/sql/sql-storage.ts';

/** The PostgreSQL server the PostgreSQL suites run against; they are skipped when it is unset. */
export const TEST_DATABASE_URL = process.env.KILN_TEST_DATABASE_URL;

/** A fresh database on the test server, dropped by `drop()`. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `statement` on the test server's own database. */
async function onServer(statement: string): Promise<void> {
  if (!TEST_DATABASE_URL) throw new Error('KILN_TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/**
 * The tablespace the suites' databases go in, when one is named: .ci/run makes one on tmpfs, as a
 * database is a few hundred files and making files is slow on its machines' disk (it says why).
 */
const TABLESPACE = process.env.KILN_TEST_TABLESPACE;

/**
 * A database of the given name, made from `template` when one is named, in TABLESPACE when
 * `inTablespace`; dropped by `drop()`.
 */
async function newDatabase(template?: string, inTablespace = true): Promise<TestDatabase> {
  const name = `kiln_test_${randomBytes(6).toString('hex')}`;
  const where = TABLESPACE && inTablespace ? ` tablespace ${pg.escapeIdentifier(TABLESPACE)}` : '';
  await onServer(`create database ${name}${template ? ` template ${template}` : ''}${where}`);
  return {
    url: withDatabase(TEST_DATABASE_URL as string, name),
    drop: () => onServer(`drop database if exists ${name} with (force)`),
  };
}

/** Creates an empty database of its own for one suite, so suites can run in parallel. */
export function createTestDatabase(): Promise<TestDatabase> {
  return newDatabase();
}

/**
 * A database of its own with Kiln's schema in it: a copy of a template database that Kiln's
 * migrations made once (the first suite to ask makes it). Migrating each suite's database anew
 * cost the server about a quarter of a second of CPU, over a hundred times a run. Suites about
 * migrating itself use `createTestDatabase`.
 */
export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  // A failure to make it is not kept: the next suite tries again.
  migratedTemplate ??= makeTemplate().catch((error: unknown) => {
    migratedTemplate = undefined;
    throw error;
  });
  return newDatabase(await migratedTemplate);
}

let migratedTemplate: Promise<string> | undefined;

/**
 * The template's name, made when missing. Named after the storage code it was migrated by, so a
 * changed migration makes a new one; made under another name and renamed into place, so a suite
 * never copies a half-migrated template (two processes making it at once: one rename wins).
 */
async function makeTemplate(): Promise<string> {
  const name = `kiln_template_${storageCodeHash()}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return name;
  } finally {
    await client.end();
  }
  // In the server's own tablespace: the template outlives the run, and TABLESPACE may not.
  const draft = await newDatabase(undefined, false);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: draft.url, max: 1 }) }),
  });
  try {
    await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy();
    await draft.drop();
    throw error;
  }
  await db.destroy();
  const draftName = new URL(draft.url).pathname.slice(1);
  try {
    await onServer(`alter database ${draftName} rename to ${name}`);
  } catch (error) {
    await draft.drop();
    // 42P04 duplicate_database: another process made it first.
    if ((error as { code?: string }).code !== '42P04') throw error;
  }
  return name;
}

/**
 * A hash of the sources of src/storage, which hold the migrations, and of src/domain, whose
 * values they use (the largest build number, the mask of secrets).
 */
function storageCodeHash(): string {
  const hash = createHash('sha256');
  for (const dir of ['storage', 'domain']) {
    const root = new URL(`../../src/${dir}/`, import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of files.sort()) hash.update(`${dir}/${file}\0`).update(readFileSync(join(root, file)));
  }
  return hash.digest('hex').slice(0, 16);
}
