import { useState, type ReactNode } from 'react';
import type { AccessKeyDto } from '../../../src/contract/admin.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { useInlineQuestion } from '../app/use-inline-question.ts';
import { formatLocalTime } from '../lib/format.ts';

/**
 * One access key: Disable or Enable it (a disabled key's signatures are refused, 401, until it is
 * enabled again), and Delete…, asked once more in place of the button (the focus on Cancel, the
 * safe answer, and back on Delete… when cancelled), since programs using it stop for good.
 */
export function AccessKeyRow({
  accessKey: k,
  onChanged,
  onError,
}: {
  accessKey: AccessKeyDto;
  onChanged(what: ReactNode, deletedAk?: string): void;
  onError(error: unknown): void;
}) {
  const { client } = useSignedIn();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const { opener, first: cancelButton, cancelled } = useInlineQuestion<HTMLButtonElement>(asking);
  const active = k.status === 'active';
  const cancel = () => {
    cancelled();
    setAsking(false);
  };
  const act = async (what: () => Promise<unknown>, said: ReactNode, deleted?: boolean) => {
    setBusy(true);
    onError(undefined);
    try {
      await what();
      onChanged(said, deleted ? k.ak : undefined);
      // A deleted row goes when the list is read again: until then its buttons stay disabled.
      if (!deleted) setBusy(false);
    } catch (error) {
      onError(error);
      setBusy(false);
    }
  };
  const setStatus = (status: 'active' | 'disabled') =>
    act(
      () => client.updateAccessKey({ params: { ak: k.ak }, body: { status } }),
      status === 'active' ? (
        <>
          Enabled <code>{k.ak}</code>: requests signed with it are accepted again.
        </>
      ) : (
        <>
          Disabled <code>{k.ak}</code>: requests signed with it are refused until you enable it.
        </>
      ),
    );
  return (
    <tr data-ak={k.ak}>
      <th scope="row" data-label="Access key (AK)">
        <code>{k.ak}</code>
      </th>
      <td data-label="Description">
        {k.description ? <bdi>{k.description}</bdi> : <span className="muted">none</span>}
      </td>
      <td data-label="Status">{active ? 'Active' : 'Disabled'}</td>
      <td data-label="Created">{formatLocalTime(k.created_at)}</td>
      <td data-label="Last used">{k.last_used_at ? formatLocalTime(k.last_used_at) : 'never'}</td>
      <td className="actions">
        {asking ? (
          <span
            className="confirm"
            role="group"
            aria-label={`Delete access key ${k.ak}`}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && !busy) cancel();
            }}
          >
            <span>
              Delete <code>{k.ak}</code>? Whatever signs with it is refused from then on; this cannot be
              undone.
            </span>{' '}
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void act(
                  () => client.deleteAccessKey({ params: { ak: k.ak } }),
                  <>
                    Deleted <code>{k.ak}</code>.
                  </>,
                  true,
                )
              }
            >
              Delete
            </button>{' '}
            <button type="button" ref={cancelButton} disabled={busy} onClick={cancel}>
              Cancel
            </button>
          </span>
        ) : (
          <>
            <button
              type="button"
              disabled={busy}
              onClick={() => void setStatus(active ? 'disabled' : 'active')}
            >
              {active ? 'Disable' : 'Enable'}
              <span className="visually-hidden"> {k.ak}</span>
            </button>{' '}
            <button type="button" ref={opener} disabled={busy} onClick={() => setAsking(true)}>
              Delete…<span className="visually-hidden"> {k.ak}</span>
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
