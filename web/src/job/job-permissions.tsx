import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';

const COLUMNS = [
  ['is_view', 'View'],
  ['is_execute', 'Run and stop'],
  ['is_modify', 'Edit'],
  ['is_delete', 'Delete'],
  ['is_copy', 'Copy'],
  ['is_forbidden', 'Disable'],
  ['is_manager', 'Manage permissions'],
] as const;
type Flag = (typeof COLUMNS)[number][0];
type Row = { role_id: number; role_name: string } & Record<Flag, boolean>;

/**
 * Who may do what with a job: its matrix (a row per role, the creator row adding to the creator's
 * role), editable by those who manage its permissions. Saving gives the job its own matrix; "Follow
 * the project" makes it follow the project's again (its own is kept for later).
 */
export function JobPermissions({
  client,
  jobId,
  projectId,
}: {
  client: Kiln;
  jobId: string;
  projectId: string;
}) {
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(0);
  const [edited, setEdited] = useState<Row[] | undefined>();
  const [error, setError] = useState<unknown>();
  const data = useAsync(
    async () =>
      open
        ? Promise.all([
            client.showJobRolePermission({ query: { job_id: jobId } }),
            client.showProjectJobPermission({ query: { project_id: projectId, job_id: jobId } }),
            client.showJobInfo({ params: { job_id: jobId } }),
          ])
        : undefined,
    [client, jobId, projectId, open, version],
  );
  const [matrix, mine, info] = data.data ?? [];
  const rows: Row[] = edited ?? matrix?.result ?? [];
  const canManage = mine?.result.is_manager === true;
  const followsProject = info?.result.project_permission_switch === true;
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      setEdited(undefined);
      setVersion((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (roleId: number, flag: Flag, value: boolean) =>
    setEdited(rows.map((r) => (r.role_id === roleId ? { ...r, [flag]: value } : r)));
  const save = () =>
    act(() =>
      client.batchUpdateJobRolePermission({
        body: {
          project_id: projectId,
          job_ids: [jobId],
          permissions: rows
            .filter((r) => r.role_name !== 'project_admin')
            .map((r) => ({ role_id: r.role_id, ...Object.fromEntries(COLUMNS.map(([f]) => [f, r[f]])) })),
        },
      }),
    );
  return (
    <details className="job-permissions" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Permissions</summary>
      {open && rows.length > 0 && (
        <table className="responsive">
          <caption>
            {followsProject
              ? "This job follows its project's permissions."
              : 'This job has its own permissions.'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              {COLUMNS.map(([f, title]) => (
                <th key={f} scope="col">
                  {title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.role_id}>
                <th scope="row">{r.role_name}</th>
                {COLUMNS.map(([f, title]) => (
                  <td key={f} data-label={title}>
                    <input
                      type="checkbox"
                      aria-label={`${r.role_name}: ${title}`}
                      checked={r[f]}
                      disabled={!canManage || r.role_name === 'project_admin'}
                      onChange={(e) => toggle(r.role_id, f, e.target.checked)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManage && (
        <p className="actions">
          <button type="button" className="primary" disabled={!edited} onClick={() => void save()}>
            Save permissions
          </button>{' '}
          <button
            type="button"
            onClick={() =>
              void act(() =>
                client.applyProjectPermission({
                  body: { job_id: jobId, project_id: projectId, project_switch: !followsProject },
                }),
              )
            }
          >
            {followsProject ? 'Use its own permissions' : "Follow the project's permissions"}
          </button>
        </p>
      )}
      <ErrorMessage error={error ?? data.error} title="The permissions could not be changed." />
    </details>
  );
}
