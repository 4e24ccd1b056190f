import { useEffect, useId, useRef } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { FlowGraph } from '../../../src/contract/flows.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { isNotFound, isUnauthorized } from '../api/errors.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { statusLabel, statusOfRecordDetail } from '../lib/build-status.ts';
import { layoutFlow, NODE_H, NODE_W, type FlowLayoutNode } from '../lib/flow-layout.ts';
import { Link } from '../router/router.tsx';

type Vertex = FlowGraph['vertices'][number];

/** Longest job name drawn whole in a node (SVG text does not wrap or ellipsize; the link says it all). */
const NAME_CHARS = 24;

/**
 * A BuildFlow build's jobs as a graph (ShowBuildRecordFlowGraph): a node per job's build, with its
 * status, duration and number, linking to that build's page, and an arrow from each job to the
 * jobs that depend on it. Hidden for any other build: the operation answers 404 for them, which is
 * no error here. Only a code-based build that is no flow's job and has no steps of its own can be a
 * flow, and only once it started (`mayBeFlow`), so other builds are not asked at all, and one that
 * answered 404 not again. Read again with the build while it runs (its jobs move), and once at its end.
 */
export function BuildFlow({
  client,
  jobId,
  recordId,
  mayBeFlow,
  finished,
  buildReadAt,
  onFlow,
}: {
  client: Kiln;
  jobId: string;
  recordId: string;
  mayBeFlow: boolean;
  finished: boolean;
  buildReadAt: number;
  /** Told whether the build is a BuildFlow, once that is known (the rest of the page words some things otherwise). */
  onFlow?: (flow: boolean) => void;
}) {
  // The record a 404 answered: `mayBeFlow` is true only once the build started (its flow, if any,
  // made in that same transaction), so the answer will not change and is not asked again.
  const noFlow = useRef<string | undefined>(undefined);
  const graph = useAsync(async () => {
    if (!mayBeFlow || noFlow.current === recordId) return null;
    try {
      const res = await client.showBuildRecordFlowGraph({ params: { build_flow_record_id: recordId } });
      return res.result;
    } catch (e) {
      if (isNotFound(e)) {
        noFlow.current = recordId;
        return null;
      }
      throw e;
    }
  }, [client, recordId, mayBeFlow, finished ? 'finished' : buildReadAt]);
  const isFlow = graph.data != null;
  useEffect(() => onFlow?.(isFlow), [onFlow, isFlow]);
  const error = isUnauthorized(graph.error) ? undefined : graph.error;
  if (!graph.data && !error) return null;

  return (
    <section aria-labelledby="flow-title" className="flow">
      <h2 id="flow-title">Flow</h2>
      <ErrorMessage error={error} title="The flow's jobs could not be read." />
      {graph.data && <FlowDrawing jobId={jobId} graph={graph.data} />}
    </section>
  );
}

/** The SVG: edges first, so nodes are drawn over their ends. */
function FlowDrawing({ jobId, graph }: { jobId: string; graph: FlowGraph }) {
  const arrow = `flow-arrow-${useId().replace(/:/g, '')}`;
  const layout = layoutFlow(graph.vertices, graph.edges);
  if (layout.nodes.length === 0) return <p className="muted">No job has been queued yet.</p>;
  return (
    <div className="flow-graph">
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-labelledby="flow-title"
      >
        <defs>
          <marker
            id={arrow}
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0 0 L10 5 L0 10 z" className="flow-arrow" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path
            key={`${e.from}-${e.to}`}
            d={e.path}
            className="flow-edge"
            data-from={e.from}
            data-to={e.to}
            markerEnd={`url(#${arrow})`}
          />
        ))}
        {layout.nodes.map((n) => (
          <FlowNode key={n.vertex.id} jobId={jobId} node={n} />
        ))}
      </svg>
    </div>
  );
}

/** One job: a link (React puts it in the SVG namespace) around its box and three lines of text. */
function FlowNode({ jobId, node }: { jobId: string; node: FlowLayoutNode<Vertex> }) {
  const v = node.vertex;
  const status = statusOfRecordDetail(v.status);
  const duration = status === 'queued' ? 'waiting' : formatDuration(v.build_duration);
  const long = v.display_name.length > NAME_CHARS;
  return (
    <Link
      href={`/jobs/${jobId}/builds/${v.build_no}`}
      className={`flow-node flow-node-${status}`}
      aria-label={`${v.display_name}: ${statusLabel(status)}, ${duration}, build #${v.build_no}`}
      data-vertex={v.id}
      data-status={status}
      data-column={node.column}
    >
      <title>{v.display_name}</title>
      <rect x={node.x} y={node.y} width={NODE_W} height={NODE_H} rx={6} />
      <text x={node.x + 10} y={node.y + 20} className="flow-node-name">
        {/* Isolated (styles.css), so a direction control in the name keeps the ellipsis after it. */}
        <tspan>{long ? v.display_name.slice(0, NAME_CHARS - 1) : v.display_name}</tspan>
        {long && '…'}
      </text>
      <text x={node.x + 10} y={node.y + 38} className="flow-node-status">
        {statusLabel(status)}
      </text>
      <text x={node.x + 10} y={node.y + 55} className="flow-node-meta">
        #{v.build_no} · {duration}
      </text>
    </Link>
  );
}
