import { toFlowGraph } from '../mappers/flow.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** BuildFlows: the graph of one flow's jobs, in the v3 and v1 envelopes. */
export function flowHandlers(deps: RouteDeps): HandlerGroup<'showFlowGraph' | 'showBuildRecordFlowGraph'> {
  const { engine } = deps;
  const graphOf = async (caller: Parameters<typeof engine.flows.graph>[0], id: string) =>
    toFlowGraph(await engine.flows.graph(caller, id), engine.timeZone, engine.clock.now());
  return {
    async showFlowGraph({ caller, params }) {
      return {
        success: true,
        message: '',
        err_code: '',
        result: await graphOf(caller, params.build_flow_record_id),
      };
    },
    async showBuildRecordFlowGraph({ caller, params }) {
      return ok(await graphOf(caller, params.build_flow_record_id));
    },
  };
}
