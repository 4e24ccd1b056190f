import { sql, type Kysely, type Migration } from 'kysely';
import { MASK, type BuildParameter } from '../../domain/build.ts';
import type { BuildPlan } from '../../domain/build-plan.ts';
import { parseJobDocument } from '../../domain/job-document.ts';
import { splitJobSecrets, splitPlanSecrets } from '../../domain/job-secrets.ts';
import { maskUrlCredentials } from '../../domain/url-credentials.ts';

/**
 * Kiln now stores the secrets of job documents and build plans sealed with the server's key, and
 * keeps no secret where nothing reads it back. A migration has no key, so it does the second part
 * for rows stored before: it replaces by masks (`******`) the sensitive values in every build's
 * parameter list (it is only shown, masked), the secrets of finished builds' plans (only a runner
 * reads a plan, before the build ends), the secrets of deleted jobs' documents (nothing reads them)
 * and credentials in builds' web URLs (shown without them). What is still needed in the clear (the
 * documents of live jobs, the plans of unfinished builds) the engine seals at start
 * (engine/stored-secrets.ts sealPlaintextSecrets).
 */
export function maskStoredSecrets(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await rewrite(db, 'builds', 'parameters', sql`parameters like '%"sensitive":true%'`, maskParameters);
      await rewrite(
        db,
        'builds',
        'plan',
        sql`plan is not null and running_status = 'Finished' and (plan like '%"sensitive":true%' or plan like '%://%@%')`,
        maskPlan,
      );
      await rewrite(db, 'builds', 'scm_web_url', sql`scm_web_url like '%://%@%'`, maskUrlCredentials);
      await rewrite(db, 'jobs', 'config', sql`deleted_at is not null`, maskJobConfig);
    },
  };
}

function maskParameters(text: string): string {
  const parameters = JSON.parse(text) as BuildParameter[];
  return JSON.stringify(parameters.map((p) => (p.sensitive ? { ...p, value: MASK } : p)));
}

function maskPlan(text: string): string {
  const plan = JSON.parse(text) as BuildPlan & { sealed?: unknown };
  return 'sealed' in plan ? text : JSON.stringify(splitPlanSecrets(plan).plan);
}

function maskJobConfig(text: string): string {
  const stored: unknown = JSON.parse(text);
  if (typeof stored === 'object' && stored !== null && 'kiln_sealed' in stored) return text;
  return JSON.stringify(splitJobSecrets(parseJobDocument(stored)).doc);
}

/** Rewrites `column` of the rows matching `where` through `change`, a thousand rows at a time. */
async function rewrite(
  db: Kysely<unknown>,
  table: 'builds' | 'jobs',
  column: string,
  where: ReturnType<typeof sql>,
  change: (text: string) => string,
): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await sql<{ id: string; value: string }>`
      select id, ${sql.ref(column)} as value from ${sql.table(table)}
      where id > ${after} and ${where} order by id limit 1000`.execute(db);
    for (const row of rows) {
      let value: string;
      try {
        value = change(row.value);
      } catch {
        continue; // not JSON Kiln wrote: leave it
      }
      if (value !== row.value)
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${value} where id = ${row.id}`.execute(
          db,
        );
    }
    if (rows.length < 1000) return;
    after = (rows[rows.length - 1] as { id: string }).id;
  }
}
