import type { Handlers } from '../operation-routes.ts';
import { adminHandlers } from './admin.routes.ts';
import type { RouteDeps } from './deps.ts';
import { iamHandlers } from './iam.routes.ts';
import { jobHandlers } from './jobs.routes.ts';
import { projectHandlers } from './projects.routes.ts';
import { recordHandlers } from './records.routes.ts';

/** Every operation's handler; the type makes a missing one a compile error. */
export function handlers(deps: RouteDeps): Handlers {
  return {
    ...iamHandlers(deps),
    ...projectHandlers(deps),
    ...jobHandlers(deps),
    ...recordHandlers(deps),
    ...adminHandlers(deps),
  };
}
