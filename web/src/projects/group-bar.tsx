import { useState, type FormEvent } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobGroupNode } from '../../../src/contract/job-groups.ts';
import { groupPaths } from '../../../src/domain/job-groups.ts';
import { ErrorMessage } from '../components/error-message.tsx';

/** Which jobs a project's list shows: all, those in no group, or a group's (by its path id). */
export type GroupFilter = { kind: 'all' } | { kind: 'none' } | { kind: 'group'; pathId: string; id: string };

/** The select's value for a filter, and back. */
function valueOf(f: GroupFilter): string {
  return f.kind === 'group' ? f.id : f.kind;
}

/**
 * A project's groups above its job list: a select that filters the list to a group (with its
 * subgroups) or to the jobs in none, and, for those who may arrange the project's groups, a form
 * to create a group or rename or delete the one selected. What the server refuses (a taken name, a
 * group that still has jobs) shows here.
 */
export function GroupBar({
  client,
  projectId,
  projectName,
  groups,
  filter,
  onFilter,
  mayArrange,
  onChanged,
}: {
  client: Kiln;
  projectId: string;
  projectName: string;
  groups: JobGroupNode[];
  filter: GroupFilter;
  onFilter: (f: GroupFilter) => void;
  /** The person's role lets them create, rename and delete groups (ShowProjectPermission). */
  mayArrange: boolean;
  /** The tree changed: read it again. */
  onChanged: () => void;
}) {
  const [editing, setEditing] = useState<'create' | 'rename' | undefined>();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const placed = groupPaths(groups);
  const selected = filter.kind === 'group' ? placed.find((g) => g.node.id === filter.id) : undefined;

  const choose = (value: string) => {
    const g = placed.find((p) => p.node.id === value);
    onFilter(
      g
        ? { kind: 'group', id: g.node.id, pathId: g.node.path_id }
        : value === 'none'
          ? { kind: 'none' }
          : { kind: 'all' },
    );
  };
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      setEditing(undefined);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const params = { project_id: projectId };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(() =>
      editing === 'rename' && selected
        ? client.updateJobGroup({ params, body: { id: selected.node.id, name } })
        : client.createJobGroup({ params, body: { name, ...(selected && { parent_id: selected.node.id }) } }),
    );
  };
  const remove = () =>
    selected &&
    void act(async () => {
      await client.deleteGroup({ params, query: { id: selected.node.id } });
      onFilter({ kind: 'all' });
    });

  return (
    <div className="group-bar">
      <label className="inline-field">
        Group{' '}
        <select
          aria-label={`Group of ${projectName}`}
          value={valueOf(filter)}
          onChange={(e) => choose(e.target.value)}
        >
          <option value="all">All jobs</option>
          <option value="none">In no group</option>
          {placed.map((g) => (
            <option key={g.node.id} value={g.node.id}>
              {g.path}
            </option>
          ))}
        </select>
      </label>{' '}
      {!mayArrange ? null : editing === undefined ? (
        <>
          <button type="button" onClick={() => (setName(''), setEditing('create'))}>
            {selected ? `New group in ${selected.node.name}…` : 'New group…'}
          </button>{' '}
          {selected && (
            <>
              <button type="button" onClick={() => (setName(selected.node.name), setEditing('rename'))}>
                Rename…
              </button>{' '}
              <button type="button" onClick={remove}>
                Delete group
              </button>
            </>
          )}
        </>
      ) : (
        <form
          className="confirm"
          aria-label={editing === 'rename' ? 'Rename the group' : 'Create a group'}
          onSubmit={submit}
        >
          <label className="inline-field">
            Group name{' '}
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
          </label>{' '}
          <button type="submit" className="primary">
            {editing === 'rename' ? 'Rename' : 'Create'}
          </button>{' '}
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorMessage error={error} title="The group could not be changed." />
    </div>
  );
}
