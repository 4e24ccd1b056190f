import { describe, expect, it } from 'vitest';
import { layoutFlow, NODE_W } from '../../web/src/lib/flow-layout.ts';

/** The flow graph's layout (web/src/lib/flow-layout.ts), in Node; flow-graph.test.ts draws it in Chromium. */

const v = (...ids: string[]) => ids.map((id) => ({ id }));
const columnsOf = (layout: ReturnType<typeof layoutFlow<{ id: string }>>) =>
  Object.fromEntries(layout.nodes.map((n) => [n.vertex.id, [n.column, n.row]]));

describe('flow layout', () => {
  it("puts a job one column right of its deepest dependency, whatever the file's order", () => {
    const layout = layoutFlow(v('d', 'a', 'b', 'c', 'e'), [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'a', to: 'd' },
      { from: 'c', to: 'd' },
    ]);
    expect(columnsOf(layout)).toEqual({ a: [0, 0], e: [0, 1], b: [1, 0], c: [2, 0], d: [3, 0] });
    expect(layout.edges).toHaveLength(4);
    // Every edge runs left to right, from a node's right side to the next one's left side.
    const edge = layout.edges.find((e) => e.from === 'a' && e.to === 'b')!;
    expect(edge.path).toMatch(new RegExp(`^M${8 + NODE_W} `));
    expect(layout.width).toBeGreaterThan(4 * NODE_W);
  });

  it('keeps a job near its dependencies within a column', () => {
    const layout = layoutFlow(v('a', 'b', 'from-b', 'from-a'), [
      { from: 'b', to: 'from-b' },
      { from: 'a', to: 'from-a' },
    ]);
    expect(columnsOf(layout)).toEqual({ a: [0, 0], b: [0, 1], 'from-a': [1, 0], 'from-b': [1, 1] });
  });

  it('leaves out edges to jobs not queued yet, and does not hang on a circle', () => {
    expect(layoutFlow(v('a'), [{ from: 'a', to: 'later' }]).edges).toEqual([]);
    const circle = layoutFlow(v('x', 'y'), [
      { from: 'x', to: 'y' },
      { from: 'y', to: 'x' },
    ]);
    expect(circle.nodes).toHaveLength(2);
    expect(layoutFlow([], []).width).toBe(0);
  });
});
