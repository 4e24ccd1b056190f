import type { FlowGraph } from '../../contract/flows.ts';
import { buildTimeOf, type Build } from '../../domain/build.ts';
import { formatOffsetTime } from '../../domain/time.ts';
import type { FlowJobRecord } from '../../engine/flow-service.ts';

/** A job's status while its build has no outcome: QUEUED, then RUNNING. */
const statusOf = (b: Build): string =>
  b.runningStatus === 'Finished' ? b.state : b.runningStatus === 'Running' ? 'RUNNING' : 'QUEUED';

/**
 * The flow graph: a vertex per job (its build), an edge from each job to the jobs that depend on
 * it; every edge joins two vertices of the answer.
 */
export function toFlowGraph(
  graph: { job: FlowJobRecord; build: Build }[],
  zone: string,
  now: number,
): FlowGraph {
  const idOf = new Map(graph.map((g) => [g.job.name, g.build.recordId]));
  return {
    vertices: graph.map(({ job, build }) => ({
      id: build.recordId,
      status: statusOf(build),
      display_name: job.name,
      build_duration: Math.min(buildTimeOf(build, now), 2147483647),
      start_time: build.runStartedAt === null ? '' : formatOffsetTime(build.runStartedAt, zone),
      finish_time: build.finishedAt === null ? '' : formatOffsetTime(build.finishedAt, zone),
      build_no: String(build.number),
    })),
    // A dependency whose build retention deleted has no vertex: its edges go with it.
    edges: graph.flatMap(({ job, build }) =>
      job.dependsOn.flatMap((d) => {
        const from = idOf.get(d);
        return from === undefined ? [] : [{ from, to: build.recordId }];
      }),
    ),
  };
}
