import type { Kysely } from 'kysely';
import type { BuildStep, StepStatus } from '../../domain/build.ts';
import type { StepChanges, StepStore } from '../ports.ts';
import type { Database } from '../schema.ts';
import { buildStepToRow, coverageToRow, toBuildStep } from './mappers.ts';

/** SQL StepStore. */
export class SqlStepStore implements StepStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(recordId: string, steps: BuildStep[]): Promise<void> {
    if (steps.length === 0) return;
    await this.db
      .insertInto('build_steps')
      .values(steps.map((s) => buildStepToRow(recordId, s)))
      .execute();
  }
  async list(recordId: string): Promise<BuildStep[]> {
    const rows = await this.db
      .selectFrom('build_steps')
      .selectAll()
      .where('build_id', '=', recordId)
      .orderBy('idx')
      .execute();
    return rows.map(toBuildStep);
  }
  async update(recordId: string, index: number, c: StepChanges): Promise<void> {
    await this.db
      .updateTable('build_steps')
      .set({
        ...(c.status !== undefined && { status: c.status }),
        ...(c.startedAt !== undefined && { started_at: c.startedAt }),
        ...(c.finishedAt !== undefined && { finished_at: c.finishedAt }),
        ...(c.logStart !== undefined && { log_start: c.logStart }),
        ...(c.logEnd !== undefined && { log_end: c.logEnd }),
        ...(c.tests !== undefined && {
          tests_total: c.tests.tests,
          tests_failures: c.tests.failures,
          tests_errors: c.tests.errors,
          tests_skipped: c.tests.skipped,
        }),
        ...coverageToRow(c.coverage),
      })
      .where('build_id', '=', recordId)
      .where('idx', '=', index)
      .execute();
  }
  async closeRunning(recordId: string, status: StepStatus, now: number): Promise<void> {
    await this.db
      .updateTable('build_steps')
      .set({ status, finished_at: now })
      .where('build_id', '=', recordId)
      .where('status', '=', 'running')
      .execute();
  }
}
