import { sql, type Kysely } from 'kysely';
import type { BuildState } from '../../domain/build.ts';
import type { TestCase, TestStatus } from '../../domain/test-report.ts';
import type { StoredTestCase, TestCaseStore, TestTrendPoint } from '../ports.ts';
import type { Database } from '../schema.ts';
import { num } from './mappers.ts';

/** Rows per insert: 10 columns each stays under SQLite's bound-parameter limit. */
const BATCH = 200;

/** SQL TestCaseStore. */
export class SqlTestCaseStore implements TestCaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  async replace(recordId: string, stepIndex: number, cases: TestCase[]): Promise<void> {
    await this.db
      .deleteFrom('test_cases')
      .where('build_id', '=', recordId)
      .where('step_idx', '=', stepIndex)
      .execute();
    for (let i = 0; i < cases.length; i += BATCH)
      await this.db
        .insertInto('test_cases')
        .values(
          cases.slice(i, i + BATCH).map((c, j) => ({
            build_id: recordId,
            step_idx: stepIndex,
            seq: i + j,
            suite: c.suite,
            class_name: c.className,
            name: c.name,
            status: c.status,
            duration_ms: c.durationMs,
            message: c.message,
            detail: c.detail,
          })),
        )
        .execute();
  }

  async list(
    recordId: string,
    filter: { status?: TestStatus; offset: number; limit: number },
  ): Promise<{ cases: StoredTestCase[]; total: number; kept: number }> {
    const all = this.db.selectFrom('test_cases').where('build_id', '=', recordId);
    const q = filter.status ? all.where('status', '=', filter.status) : all;
    const count = async (which: typeof q) =>
      num((await which.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q
      .selectAll()
      .orderBy('step_idx')
      .orderBy('seq')
      .offset(filter.offset)
      .limit(filter.limit)
      .execute();
    const total = await count(q);
    return {
      total,
      kept: filter.status ? await count(all) : total,
      cases: rows.map((r) => ({
        stepIndex: num(r.step_idx),
        suite: r.suite,
        className: r.class_name,
        name: r.name,
        status: r.status as TestStatus,
        durationMs: num(r.duration_ms),
        message: r.message,
        detail: r.detail,
      })),
    };
  }

  async trend(jobId: string, window: number): Promise<TestTrendPoint[]> {
    const rows = await this.db
      .selectFrom('builds as b')
      .innerJoin('build_steps as s', 's.build_id', 'b.id')
      .where('b.job_id', '=', jobId)
      .where(
        'b.number',
        '>',
        sql<number>`(select last_build_number from jobs where id = ${jobId}) - ${window}`,
      )
      .where('s.tests_total', 'is not', null)
      .groupBy(['b.id', 'b.number', 'b.state', 'b.start_time'])
      .select((eb) => [
        'b.id',
        'b.number',
        'b.state',
        'b.start_time',
        eb.fn.sum<number>('s.tests_total').as('tests'),
        eb.fn.sum<number>('s.tests_failures').as('failures'),
        eb.fn.sum<number>('s.tests_errors').as('errors'),
        eb.fn.sum<number>('s.tests_skipped').as('skipped'),
        eb.fn.sum<number>('s.coverage_lines_covered').as('lines_covered'),
        eb.fn.sum<number>('s.coverage_lines_total').as('lines_total'),
      ])
      .orderBy('b.number', 'desc')
      .execute();
    return rows.map((r) => ({
      recordId: r.id,
      buildNumber: num(r.number),
      state: r.state as BuildState,
      startTime: num(r.start_time),
      counts: {
        tests: num(r.tests),
        failures: num(r.failures),
        errors: num(r.errors),
        skipped: num(r.skipped),
      },
      ...(r.lines_total !== null && {
        coverage: { linesCovered: num(r.lines_covered), linesTotal: num(r.lines_total) },
      }),
    }));
  }
}
