import { describe, expect, it } from 'vitest';
import type { FlowJobRecord } from '../../src/storage/ports.ts';
import { toFlowGraph } from '../../src/server/mappers/flow.mapper.ts';
import { sampleBuild } from '../storage/contract/store-contract.ts';

/** ShowFlowGraph's vertices and edges from a flow's jobs and their builds. */
describe('toFlowGraph', () => {
  const job = (name: string, dependsOn: string[], position: number): FlowJobRecord => ({
    childId: `child-${name}`,
    position,
    name,
    dependsOn,
    buildRef: '',
    started: true,
  });

  it('joins every edge to two vertices: a dependency whose build retention deleted has none', () => {
    // A -> B -> C, with A's build gone (retention): only B and C are left.
    const b = sampleBuild('job-b', 2, 0, { recordId: 'rec-b' });
    const c = sampleBuild('job-c', 3, 0, { recordId: 'rec-c' });
    const graph = toFlowGraph(
      [
        { job: job('B', ['A'], 1), build: b },
        { job: job('C', ['B'], 2), build: c },
      ],
      'UTC',
      Date.now(),
    );
    expect(graph.vertices.map((v) => v.id)).toEqual(['rec-b', 'rec-c']);
    expect(graph.edges).toEqual([{ from: 'rec-b', to: 'rec-c' }]);
  });
});
