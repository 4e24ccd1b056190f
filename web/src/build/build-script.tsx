import { useEffect, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { shortCommit } from '../lib/format.ts';

interface Script {
  text: string;
  path: string;
  url: string;
}

/**
 * The build.yml a build ran (ShowBuildRecordBuildScript), folded away until asked for. A
 * code-based build's is the file read from the commit, named with its path (ShowBuildRecord);
 * until the runner has read it the answer is empty and is asked again each time the build is read.
 * A graphical build's is its steps written as a build.yml.
 */
export function BuildScript({
  client,
  recordId,
  codeBased,
  commit,
  finished,
  buildReadAt,
}: {
  client: Kiln;
  recordId: string;
  codeBased: boolean;
  commit: string;
  finished: boolean;
  buildReadAt: number;
}) {
  const [open, setOpen] = useState(false);
  const [script, setScript] = useState<Script>();
  const [error, setError] = useState<unknown>();
  const complete = script !== undefined && (script.text !== '' || finished);

  useEffect(() => {
    if (!open || complete) return;
    let stale = false;
    const params = { record_id: recordId };
    Promise.all([client.showBuildRecordBuildScript({ params }), client.showBuildRecord({ params })]).then(
      ([s, r]) => {
        if (stale) return;
        setScript({ text: s.result, path: r.result.build_yml_path, url: r.result.build_yml_url });
        setError(undefined);
      },
      (e: unknown) => {
        if (!stale && !isUnauthorized(e)) setError(e);
      },
    );
    return () => {
      stale = true;
    };
  }, [client, recordId, open, complete, buildReadAt]);

  return (
    <details className="build-script" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <h2 id="script-title">build.yml</h2>{' '}
        <span className="muted">
          {codeBased ? 'read from the repository' : "the job's steps written as a build.yml"}
        </span>
      </summary>
      <ErrorMessage error={error} title="The build.yml could not be read." />
      {open && !script && !error && <Spinner label="Loading the build.yml…" />}
      {script && (
        <>
          <p data-testid="build-script-source">
            {codeBased ? (
              <>
                <code>{script.path}</code>
                {commit ? (
                  <>
                    {' '}
                    at commit <code title={commit}>{shortCommit(commit)}</code>
                  </>
                ) : (
                  ' of the branch built'
                )}
                {script.url && (
                  <>
                    {' '}
                    (
                    <a href={script.url} target="_blank" rel="noreferrer">
                      on the web
                    </a>
                    )
                  </>
                )}
              </>
            ) : (
              'This build ran the steps of its job (a graphical build); this is the same build written as a build.yml. It shows no parameter values.'
            )}
          </p>
          {script.text !== '' ? (
            <pre className="code script" aria-labelledby="script-title" tabIndex={0}>
              {script.text}
            </pre>
          ) : (
            <p className="muted">
              {finished
                ? 'The build ended before the file was read (see the log).'
                : 'The runner reads the file when the build starts.'}
            </p>
          )}
        </>
      )}
    </details>
  );
}
