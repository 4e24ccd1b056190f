import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobGroupNode } from '../../../src/contract/job-groups.ts';
import { groupPaths } from '../../../src/domain/job-groups.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';

/**
 * The group a job is in, as a select that moves it (MoveGroup) to another group or to none; only
 * shown, not changeable, for those who may not change the job (`movable`: MoveGroup asks for that).
 */
export function JobGroup({
  client,
  jobId,
  projectId,
  groupId,
  movable,
}: {
  client: Kiln;
  jobId: string;
  projectId: string;
  /** Its group now ('' : none). */
  groupId: string;
  movable: boolean;
}) {
  const tree = useAsync(
    () => client.listGroupTree({ params: { project_id: projectId } }),
    [client, projectId],
  );
  const [current, setCurrent] = useState(groupId);
  const [error, setError] = useState<unknown>();
  const placed = groupPaths((tree.data?.result ?? []) as JobGroupNode[]);
  if (placed.length === 0 && current === '') return null;
  const move = async (to: string) => {
    setError(undefined);
    try {
      await client.moveGroup({
        params: { project_id: projectId },
        body: { group_id: to, jobs: [{ job_id: jobId }] },
      });
      setCurrent(to);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <label className="inline-field">
        Group{' '}
        <select value={current} disabled={!movable} onChange={(e) => void move(e.target.value)}>
          <option value="">none</option>
          {placed.map((g) => (
            <option key={g.node.id} value={g.node.id}>
              {g.path}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error} title="The job could not be moved." />
    </>
  );
}
