import { Type, type Static } from 'typebox';

/** The graph of one BuildFlow run (reference: ShowFlowGraph v3, ShowBuildRecordFlowGraph v1). */

/** Path of both operations: the flow's record id. */
export const FlowRecordParams = Type.Object({
  build_flow_record_id: Type.String({
    pattern: '^[0-9a-z-]{36}$',
    'x-kiln-format': 'a record id (UUID)',
    description: "The BuildFlow build's record id",
  }),
});

const FlowGraph = Type.Object({
  edges: Type.Array(
    Type.Object({
      from: Type.String({ description: 'Record id of the job depended on' }),
      to: Type.String({ description: 'Record id of the job that depends on it' }),
    }),
  ),
  vertices: Type.Array(
    Type.Object({
      id: Type.String({ description: "The job's build (record id)" }),
      status: Type.String({
        description: 'SUCCESS, FAILURE, ABORTED, timeout; RUNNING or QUEUED before it ends',
      }),
      display_name: Type.String({ description: "The job's name in the flow" }),
      build_duration: Type.Integer({ description: 'ms' }),
      start_time: Type.String({ description: 'When its build started ("" before)' }),
      finish_time: Type.String({ description: 'When its build ended ("" before)' }),
      build_no: Type.String({ description: "The job's build number" }),
    }),
  ),
});
export type FlowGraph = Static<typeof FlowGraph>;

/** ShowFlowGraph answer (v3 envelope). */
export const FlowGraphV3 = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  err_code: Type.String(),
  result: FlowGraph,
});

/** ShowBuildRecordFlowGraph answer (v1 envelope). */
export const FlowGraphV1 = Type.Object({
  status: Type.String({ description: '"success"' }),
  error: Type.Union([Type.String(), Type.Null()]),
  result: FlowGraph,
});
