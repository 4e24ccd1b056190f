import type { Kysely } from 'kysely';
import type { BuildConfigType, BuildScript } from '../../domain/build.ts';
import type { BuildScriptStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL BuildScriptStore. */
export class SqlBuildScriptStore implements BuildScriptStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(recordId: string, s: BuildScript): Promise<void> {
    await this.db
      .insertInto('build_scripts')
      .values({ build_id: recordId, config_type: s.configType, path: s.path, script: s.script })
      .onConflict((oc) =>
        oc.column('build_id').doUpdateSet({ config_type: s.configType, path: s.path, script: s.script }),
      )
      .execute();
  }

  async find(recordId: string): Promise<BuildScript | undefined> {
    const row = await this.db
      .selectFrom('build_scripts')
      .select(['config_type', 'path', 'script'])
      .where('build_id', '=', recordId)
      .executeTakeFirst();
    return row && { configType: row.config_type as BuildConfigType, path: row.path, script: row.script };
  }
}
