import type { Migration, MigrationProvider } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';
import { initial } from './001-initial.ts';
import { recordsVersion } from './002-records-version.ts';
import { signInGuards } from './003-sign-in-guards.ts';
import { webhookDeliveries } from './004-webhook-deliveries.ts';
import { maskStoredSecrets } from './005-mask-stored-secrets.ts';
import { fairQueue } from './006-fair-queue.ts';
import { scheduleNextDue } from './007-schedule-next-due.ts';
import { recordsVersionPerInsert } from './008-records-version-per-insert.ts';
import { buildScripts } from './009-build-scripts.ts';
import { renderedRecords } from './010-rendered-records.ts';
import { runnerTools } from './011-runner-tools.ts';
import { runnerPlaces } from './012-runner-places.ts';
import { stepTestCounts } from './013-step-test-counts.ts';
import { artifacts } from './014-artifacts.ts';
import { buildFlows } from './015-build-flows.ts';
import { recycleBin } from './016-recycle-bin.ts';
import { jobHistory } from './017-job-history.ts';
import { retention } from './018-retention.ts';
import { jobGroups } from './019-job-groups.ts';
import { jobPermissions } from './020-job-permissions.ts';
import { testCases } from './021-test-cases.ts';
import { insightColumns } from './022-insight-columns.ts';
import { webhookReceipts } from './023-webhook-receipts.ts';
import { commitAuthors } from './024-commit-authors.ts';
import { jobBadges } from './025-job-badges.ts';
import { notifications } from './026-notifications.ts';
import { keystores } from './027-keystores.ts';
import { templates } from './028-templates.ts';
import { claimPlaces } from './029-claim-places.ts';
import { flowJobCount } from './030-flow-job-count.ts';
import { scheduleTimeZone } from './031-schedule-time-zone.ts';
import { commitTimeBounds } from './032-commit-time-bounds.ts';
import { serverSettings } from './033-server-settings.ts';

/**
 * Numbered migrations, applied in order at start. Listed here rather than read from a folder so
 * that the compiled build and the TypeScript sources see the same set.
 */
export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initial(dialect),
        '002-records-version': recordsVersion(dialect),
        '003-sign-in-guards': signInGuards(),
        '004-webhook-deliveries': webhookDeliveries(),
        '005-mask-stored-secrets': maskStoredSecrets(),
        '006-fair-queue': fairQueue(),
        '007-schedule-next-due': scheduleNextDue(),
        '008-records-version-per-insert': recordsVersionPerInsert(dialect),
        '009-build-scripts': buildScripts(),
        '010-rendered-records': renderedRecords(),
        '011-runner-tools': runnerTools(),
        '012-runner-places': runnerPlaces(),
        '013-step-test-counts': stepTestCounts(),
        '014-artifacts': artifacts(),
        '015-build-flows': buildFlows(),
        '016-recycle-bin': recycleBin(),
        '017-job-history': jobHistory(),
        '018-retention': retention(),
        '019-job-groups': jobGroups(),
        '020-job-permissions': jobPermissions(),
        '021-test-cases': testCases(),
        '022-insight-columns': insightColumns(dialect),
        '023-webhook-receipts': webhookReceipts(),
        '024-commit-authors': commitAuthors(),
        '025-job-badges': jobBadges(),
        '026-notifications': notifications(),
        '027-keystores': keystores(dialect),
        '028-templates': templates(),
        '029-claim-places': claimPlaces(),
        '030-flow-job-count': flowJobCount(),
        '031-schedule-time-zone': scheduleTimeZone(),
        '032-commit-time-bounds': commitTimeBounds(),
        '033-server-settings': serverSettings(),
      };
    },
  };
}
