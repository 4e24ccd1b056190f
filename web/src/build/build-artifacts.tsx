import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { formatBytes, shortSha256 } from '../../../src/domain/artifact-text.ts';
import { downloadArtifact } from '../api/download-artifact.ts';
import { isUnauthorized } from '../api/errors.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';

type Artifact = ResponseOf<'listBuildArtifacts'>['result']['artifacts'][number];

/**
 * What the build kept (ListBuildArtifacts), each with a download. Hidden while the build has
 * none: most builds keep nothing, and an empty heading on each of them says nothing. A running
 * build can keep more with each step, so the list is read again with the build, and once more
 * when it has finished.
 */
export function BuildArtifacts({
  client,
  jobId,
  buildNo,
  finished,
  buildReadAt,
}: {
  client: Kiln;
  jobId: string;
  buildNo: number;
  finished: boolean;
  buildReadAt: number;
}) {
  const list = useAsync(
    async () =>
      (await client.listBuildArtifacts({ params: { job_id: jobId, build_no: buildNo } })).result.artifacts,
    [client, jobId, buildNo, finished ? 'finished' : buildReadAt],
  );
  const [busy, setBusy] = useState('');
  const [downloadError, setDownloadError] = useState<unknown>();
  const listError = isUnauthorized(list.error) ? undefined : list.error;
  const artifacts = list.data ?? [];
  if (artifacts.length === 0 && !listError) return null;

  const download = async (name: string) => {
    setBusy(name);
    setDownloadError(undefined);
    try {
      await downloadArtifact(client, { jobId, buildNo, name });
    } catch (e) {
      if (!isUnauthorized(e)) setDownloadError(e);
    } finally {
      setBusy('');
    }
  };

  return (
    <section aria-labelledby="artifacts-title" className="artifacts">
      <h2 id="artifacts-title">Artifacts</h2>
      <ErrorMessage error={listError} title="The artifacts could not be read." />
      <ErrorMessage error={downloadError} title="The download failed." />
      {artifacts.length > 0 && (
        <table className="artifacts-table responsive" aria-labelledby="artifacts-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col">sha256</th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <ArtifactRow key={a.name} artifact={a} busy={busy} onDownload={download} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One artifact: its name is the download (a button: the fetch carries the token, a link could not). */
function ArtifactRow({
  artifact: a,
  busy,
  onDownload,
}: {
  artifact: Artifact;
  busy: string;
  onDownload: (name: string) => void;
}) {
  return (
    <tr data-artifact={a.name}>
      <th scope="row" data-label="Name">
        <button
          type="button"
          className="link-button"
          aria-label={`Download ${a.name}`}
          title={`Download ${a.name} (${a.content_type})`}
          disabled={busy !== ''}
          onClick={() => onDownload(a.name)}
        >
          {a.name}
        </button>{' '}
        {busy === a.name && <Spinner label="Downloading…" />}
      </th>
      <td data-label="Version">{a.version}</td>
      <td data-label="Size" title={`${a.size.toLocaleString()} bytes`}>
        {formatBytes(a.size)}
      </td>
      <td data-label="sha256">
        <code title={a.sha256}>{shortSha256(a.sha256)}</code>
      </td>
    </tr>
  );
}
