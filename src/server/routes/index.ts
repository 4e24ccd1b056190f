import type { Handlers } from '../operation-routes.ts';
import { accessKeyHandlers } from './access-keys.routes.ts';
import { adminHandlers } from './admin.routes.ts';
import { artifactHandlers } from './artifacts.routes.ts';
import { flowHandlers } from './flows.routes.ts';
import { buildHandlers } from './builds.routes.ts';
import type { RouteDeps } from './deps.ts';
import { iamHandlers } from './iam.routes.ts';
import { jobViewHandlers } from './job-views.routes.ts';
import { jobCopyHandlers } from './job-copies.routes.ts';
import { jobHistoryHandlers } from './job-history.routes.ts';
import { jobGroupHandlers } from './job-groups.routes.ts';
import { jobPermissionHandlers } from './job-permissions.routes.ts';
import { jobHandlers } from './jobs.routes.ts';
import { logHandlers } from './logs.routes.ts';
import { projectHandlers } from './projects.routes.ts';
import { recordViewHandlers } from './record-views.routes.ts';
import { testReportHandlers } from './test-reports.routes.ts';
import { queueHandlers } from './queue.routes.ts';
import { buildReportHandlers } from './build-reports.routes.ts';
import { tenantHandlers } from './tenant.routes.ts';
import { recordHandlers } from './records.routes.ts';
import { recycleBinHandlers } from './recycle-bin.routes.ts';
import { runnerHandlers } from './runners.routes.ts';
import { webhookHandlers } from './webhooks.routes.ts';
import { noticeHandlers } from './notices.routes.ts';
import { keystoreHandlers } from './keystores.routes.ts';
import { templateHandlers } from './templates.routes.ts';

/** Every operation's handler; the type makes a missing one a compile error. */
export function handlers(deps: RouteDeps): Handlers {
  return {
    ...iamHandlers(deps),
    ...projectHandlers(deps),
    ...jobHandlers(deps),
    ...jobHistoryHandlers(deps),
    ...jobCopyHandlers(deps),
    ...recycleBinHandlers(deps),
    ...jobGroupHandlers(deps),
    ...jobPermissionHandlers(deps),
    ...jobViewHandlers(deps),
    ...recordHandlers(deps),
    ...recordViewHandlers(deps),
    ...testReportHandlers(deps),
    ...queueHandlers(deps),
    ...buildReportHandlers(deps),
    ...tenantHandlers(deps),
    ...buildHandlers(deps),
    ...logHandlers(deps),
    ...artifactHandlers(deps),
    ...flowHandlers(deps),
    ...webhookHandlers(deps),
    ...noticeHandlers(deps),
    ...keystoreHandlers(deps),
    ...templateHandlers(deps),
    ...adminHandlers(deps),
    ...runnerHandlers(deps),
    ...accessKeyHandlers(deps),
  };
}
