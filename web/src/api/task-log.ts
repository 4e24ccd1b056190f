import type { Kiln } from '../../../src/client/kiln-client.ts';
import { operations } from '../../../src/contract/operations.ts';

/**
 * One stage's part of a build log as text (DownloadTaskLog, `task_name` = a stage key such as
 * `stage2`, or a step name). The operation answers a file, not JSON, so it is read with the
 * client's raw request.
 */
export async function readTaskLog(
  client: Kiln,
  recordId: string,
  taskName: string,
  signal?: AbortSignal,
): Promise<string> {
  const op = operations.downloadTaskLog;
  const response = await client.request({
    method: op.method,
    path: op.path.replace('{record_id}', encodeURIComponent(recordId)),
    query: { task_name: taskName },
    ...(signal && { signal }),
  });
  return response.text();
}
