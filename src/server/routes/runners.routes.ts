import type { RunnerDto, ServerRunnerDto } from '../../contract/admin.ts';
import type { RunnerRecord, RunnerToolsRecord } from '../../engine/runner-service.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

/** A runner as the admin API shows it. */
function toRunnerDto(r: RunnerRecord, tools?: RunnerToolsRecord): RunnerDto {
  return {
    id: r.id,
    name: r.name,
    created_at: r.createdAt,
    last_seen_at: r.lastSeenAt ?? 0,
    disabled: r.disabled,
    host: tools?.host ?? '',
    tools: tools?.tools ?? {},
    tools_reported_at: tools?.reportedAt ?? 0,
  };
}

/** A server's own runner as the admin API shows it. */
function toServerRunnerDto(t: RunnerToolsRecord): ServerRunnerDto {
  return { id: t.runnerId, host: t.host, tools: t.tools, tools_reported_at: t.reportedAt };
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
      const listed = await runners.listWithTools(caller);
      return ok({
        runners: listed.runners.map((r) => toRunnerDto(r.runner, r.tools)),
        server_runners: listed.serverRunners.map(toServerRunnerDto),
      });
    },
    async updateRunner({ caller, params, body }) {
      const runner = await runners.setDisabled(caller, params.runner_id, body.disabled);
      const tools = (await runners.listWithTools(caller)).runners.find(
        (r) => r.runner.id === runner.id,
      )?.tools;
      return ok(toRunnerDto(runner, tools));
    },
    async deleteRunner({ caller, params }) {
      await runners.remove(caller, params.runner_id);
      return SUCCESS;
    },
  };
}
