import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { useAsync } from '../app/use-async.ts';
import { Link } from '../router/router.tsx';

/**
 * "Job of BuildFlow #N" on a flow job's build, linking to the flow's build. The record knows its
 * parent only by record id; ShowBuildRecord (by record id) gives that build's job and number.
 * While that is read, or if it cannot be, the line still says what the build is.
 */
export function FlowParent({ client, parentRecordId }: { client: Kiln; parentRecordId: string }) {
  const parent = useAsync(
    async () => (await client.showBuildRecord({ params: { record_id: parentRecordId } })).result,
    [client, parentRecordId],
  );
  const p = parent.data;
  return (
    <p className="flow-parent">
      Job of BuildFlow{' '}
      {p ? (
        <Link href={`/jobs/${p.project_id}/builds/${p.build_no}`}>#{p.build_no}</Link>
      ) : (
        <code title={isUnauthorized(parent.error) ? undefined : 'The flow build could not be read'}>
          {parentRecordId}
        </code>
      )}
    </p>
  );
}
