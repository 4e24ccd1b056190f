/**
 * Where a BuildFlow's jobs go on the page: one column per dependency depth (a job's column is one
 * more than its deepest dependency's), so every edge runs left to right. Pure, so it is tested
 * without a browser.
 */

/** Node size and gaps, in SVG units (px). */
export const NODE_W = 200;
export const NODE_H = 64;
const COL_GAP = 64;
const ROW_GAP = 16;
const PAD = 8;

export interface FlowLayoutNode<V> {
  vertex: V;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface FlowLayoutEdge {
  from: string;
  to: string;
  /** An SVG path from the right side of `from` to the left side of `to`. */
  path: string;
}

export interface FlowLayout<V> {
  nodes: FlowLayoutNode<V>[];
  edges: FlowLayoutEdge[];
  width: number;
  height: number;
}

/**
 * Lays out `vertices` (in the flow's file order) and `edges` (dependency -> dependant). An edge to
 * or from a job not in the graph is left out: a job whose build is not queued yet has no vertex.
 */
export function layoutFlow<V extends { id: string }>(
  vertices: readonly V[],
  edges: readonly { from: string; to: string }[],
): FlowLayout<V> {
  const known = new Set(vertices.map((v) => v.id));
  const kept = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  const depsOf = new Map<string, string[]>(vertices.map((v) => [v.id, []]));
  for (const e of kept) depsOf.get(e.to)?.push(e.from);

  // The server refuses circles, but a page must not hang on one: a job met again on its own path
  // counts as column 0 there.
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (id: string): number => {
    const done = column.get(id);
    if (done !== undefined) return done;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const c = Math.max(-1, ...(depsOf.get(id) ?? []).map(columnOf)) + 1;
    visiting.delete(id);
    column.set(id, c);
    return c;
  };

  // Within a column, jobs sit near the mean row of their dependencies (fewer crossing edges), then
  // in file order.
  const columns: V[][] = [];
  vertices.forEach((v) => (columns[columnOf(v.id)] ??= []).push(v));
  const row = new Map<string, number>();
  const order = new Map(vertices.map((v, i) => [v.id, i]));
  for (const col of columns) {
    if (!col) continue;
    const weight = (v: V) => {
      const rows = (depsOf.get(v.id) ?? []).map((d) => row.get(d) ?? 0);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
    };
    col.sort((a, b) => weight(a) - weight(b) || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    col.forEach((v, i) => row.set(v.id, i));
  }

  const nodes = vertices.map((vertex) => {
    const c = column.get(vertex.id) ?? 0;
    const r = row.get(vertex.id) ?? 0;
    return { vertex, column: c, row: r, x: PAD + c * (NODE_W + COL_GAP), y: PAD + r * (NODE_H + ROW_GAP) };
  });
  const at = new Map(nodes.map((n) => [n.vertex.id, n]));
  const laidEdges = kept.map((e) => {
    const a = at.get(e.from) as FlowLayoutNode<V>;
    const b = at.get(e.to) as FlowLayoutNode<V>;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    return { from: e.from, to: e.to, path: `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}` };
  });
  const cols = columns.length;
  const rows = Math.max(0, ...columns.map((c) => c?.length ?? 0));
  return {
    nodes,
    edges: laidEdges,
    width: cols ? 2 * PAD + cols * NODE_W + (cols - 1) * COL_GAP : 0,
    height: rows ? 2 * PAD + rows * NODE_H + (rows - 1) * ROW_GAP : 0,
  };
}
