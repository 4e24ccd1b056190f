import type { RunnerDto } from '../../contract/admin.ts';
import type { RunnerRecord } from '../../engine/runner-service.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

/** A runner as the admin API shows it. */
function toRunnerDto(r: RunnerRecord): RunnerDto {
  return {
    id: r.id,
    name: r.name,
    created_at: r.createdAt,
    last_seen_at: r.lastSeenAt ?? 0,
    disabled: r.disabled,
  };
}

/** Registering and managing remote runners. */
export function runnerHandlers(
  deps: RouteDeps,
): HandlerGroup<'createRunner' | 'listRunners' | 'updateRunner' | 'deleteRunner'> {
  const { runners } = deps.engine;
  return {
    async createRunner({ caller, body }) {
      const { runner, token } = await runners.create(caller, body.name);
      return ok({ runner: toRunnerDto(runner), token });
    },
    async listRunners({ caller }) {
      return ok({ runners: (await runners.list(caller)).map(toRunnerDto) });
    },
    async updateRunner({ caller, params, body }) {
      return ok(toRunnerDto(await runners.setDisabled(caller, params.runner_id, body.disabled)));
    },
    async deleteRunner({ caller, params }) {
      await runners.remove(caller, params.runner_id);
      return SUCCESS;
    },
  };
}
