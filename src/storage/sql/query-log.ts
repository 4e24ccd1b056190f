import type { KyselyConfig } from 'kysely';
import type { QueryObserver } from '../ports.ts';

/** Kysely's `log` option that hands each statement run to `observer` (nothing when there is none). */
export function queryLog(observer: QueryObserver | undefined): Pick<KyselyConfig, 'log'> {
  if (!observer) return {};
  return {
    log(event) {
      // A statement that failed was still run.
      observer({ sql: event.query.sql, ms: event.queryDurationMillis });
    },
  };
}
