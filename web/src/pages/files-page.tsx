import { useEffect, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { useAsync } from '../app/use-async.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager, usePage } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';
import { formatLocalTime } from '../lib/format.ts';
import { Link } from '../router/router.tsx';

type KeptFile = ResponseOf<'listKeystoreSearch'>['result']['keystore_list'][number];
type Permission = ResponseOf<'showKeystorePermission'>['result']['permission_list'][number];

const PAGE_SIZE = 20;

const RIGHTS = ['usage', 'modify', 'delete', 'setting'] as const;
const RIGHT_NAMES: Record<(typeof RIGHTS)[number], string> = {
  usage: 'use',
  modify: 'change',
  delete: 'delete',
  setting: 'give rights',
};

/**
 * The file manager (docs/files.md): the domain's files, a page at a time, with what the person may
 * do with each; upload (a name the domain has gets new bytes), download, delete, and who may do
 * what with a file. Builds get a file through download_file.
 */
export function FilesPage() {
  const { client } = useSignedIn();
  const [nonce, setNonce] = useState(0);
  const [search, setSearch] = useState('');
  const { page, setPage, pagesOf } = usePage(PAGE_SIZE, search);
  const files = useAsync(
    () =>
      client.listKeystoreSearch({
        query: { page: page + 1, page_size: PAGE_SIZE, ...(search && { search }) },
      }),
    [client, nonce, search, page],
  );
  const [failed, setFailed] = useState<unknown>(undefined);
  useEffect(() => {
    document.title = 'Files · Kiln';
  }, []);
  const act = async (what: () => Promise<unknown>) => {
    setFailed(undefined);
    try {
      await what();
      setNonce((n) => n + 1);
    } catch (error) {
      setFailed(error);
    }
  };
  const list = files.data?.result.keystore_list;
  const totalPages = pagesOf(files.data?.result.total);
  return (
    <main className="page files-page" aria-busy={files.loading && !list}>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>Files</span>
      </nav>
      <h1>Files {files.loading && !list && <Spinner label="Reading the files…" />}</h1>
      <p className="hint">
        Files builds need and the repository must not hold (keystores, settings.xml, .npmrc). A build gets one
        with the download_file action, when its job’s creator and whoever started it may use the file.
      </p>
      <UploadForm client={client} onDone={() => setNonce((n) => n + 1)} />
      <ErrorMessage error={files.error} title="The files could not be read." />
      <ErrorMessage error={failed} title="That did not work." />
      <label className="field">
        Search
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      {files.data?.result.total === 0 && <p className="empty">No file yet.</p>}
      {list && list.length > 0 && (
        <table className="files" data-testid="files">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Description</th>
              <th>Shared</th>
              <th>You may</th>
              <th>Changed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <FileRow key={f.id} client={client} file={f} act={act} />
            ))}
          </tbody>
        </table>
      )}
      {totalPages > 1 && (
        <Pager page={page} totalPages={totalPages} onPage={setPage} label="Pages of the files" />
      )}
    </main>
  );
}

function FileRow({
  client,
  file,
  act,
}: {
  client: Kiln;
  file: KeptFile;
  act: (what: () => Promise<unknown>) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const may = RIGHTS.filter((r) => file.permission[r]).map((r) => RIGHT_NAMES[r]);
  const download = async () => {
    const response = await client.open('downloadKeystoreByName', {
      query: { name: file.keystore_name, domain_id: file.domain_id, id: file.id },
    });
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = file.keystore_name;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <tr data-name={file.keystore_name}>
        <td data-label="Name">{file.keystore_name}</td>
        <td data-label="Size">{file.size} bytes</td>
        <td data-label="Description">{file.description}</td>
        <td data-label="Shared">{file.share === 1 ? 'with the domain' : 'no'}</td>
        <td data-label="You may">{may.join(', ') || 'nothing'}</td>
        <td data-label="Changed">
          {/* update_time is a wall clock of the server's zone; the stamp is the instant (epoch seconds). */}
          {formatLocalTime(Number(file.update_time_stamp) * 1000)} by {file.update_user_name}
        </td>
        <td>
          {file.permission.usage && (
            <button type="button" onClick={() => void act(download)}>
              Download
            </button>
          )}{' '}
          <button type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            Rights
          </button>{' '}
          {file.permission.delete && (
            <button
              type="button"
              onClick={() => {
                if (window.confirm(`Delete ${file.keystore_name}? Builds that use it will fail.`))
                  void act(() => client.deleteKeystore({ params: { keystore_id: file.id } }));
              }}
            >
              Delete
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={7}>
            <Rights client={client} file={file} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Who may do what with a file; those with the setting right give, change and take rights. */
function Rights({ client, file }: { client: Kiln; file: KeptFile }) {
  const [nonce, setNonce] = useState(0);
  const rows = useAsync(
    () =>
      client.showKeystorePermission({
        params: { keystore_id: file.id },
        query: { page: '1', page_size: 100 },
      }),
    [client, file.id, nonce],
  );
  const [user, setUser] = useState('');
  const [rights, setRights] = useState({ usage: true, modify: false, delete: false, setting: false });
  const [failed, setFailed] = useState<unknown>(undefined);
  const editable = file.permission.setting;
  const act = async (what: () => Promise<unknown>) => {
    setFailed(undefined);
    try {
      await what();
      setNonce((n) => n + 1);
    } catch (error) {
      setFailed(error);
    }
  };
  return (
    <div className="file-rights" data-testid={`rights-${file.keystore_name}`}>
      <ErrorMessage error={rows.error} title="The rights could not be read." />
      <ErrorMessage error={failed} title="The rights could not be changed." />
      <ul>
        {rows.data?.result.permission_list.map((p: Permission) => (
          <li key={p.id}>
            {p.user_name}
            {p.is_creator
              ? ' (created it: every right)'
              : `: ${
                  RIGHTS.filter((r) => p[r])
                    .map((r) => RIGHT_NAMES[r])
                    .join(', ') || 'nothing'
                }`}{' '}
            {editable && !p.is_creator && (
              <button
                type="button"
                onClick={() =>
                  void act(() => client.deleteKeystorePermission({ params: { permission_id: p.id } }))
                }
              >
                Take away
              </button>
            )}
          </li>
        ))}
      </ul>
      {editable && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              client.addKeystorePermission({
                body: {
                  keystore_id: file.id,
                  user_id: '',
                  user_name: user.trim(),
                  can_absent: false,
                  ...rights,
                },
              }),
            );
          }}
        >
          <label className="field">
            User name
            <input value={user} onChange={(e) => setUser(e.target.value)} required />
          </label>
          {RIGHTS.map((r) => (
            <label key={r}>
              <input
                type="checkbox"
                checked={rights[r]}
                onChange={(e) => setRights((x) => ({ ...x, [r]: e.target.checked }))}
              />{' '}
              {RIGHT_NAMES[r]}
            </label>
          ))}{' '}
          <button type="submit">Give</button>
        </form>
      )}
    </div>
  );
}

/**
 * Upload: a new file, or new bytes for a name the domain has. A done upload empties the form (a
 * file left chosen invited uploading it twice) and says which file went up.
 */
function UploadForm({ client, onDone }: { client: Kiln; onDone: () => void }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [privacy, setPrivacy] = useState<'private' | 'public'>('private');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<unknown>(undefined);
  const [uploaded, setUploaded] = useState('');
  return (
    <form
      className="upload-file"
      onSubmit={(e) => {
        e.preventDefault();
        if (!file) return;
        const form = e.currentTarget;
        setBusy(true);
        setFailed(undefined);
        setUploaded('');
        void file
          .arrayBuffer()
          .then((bytes) =>
            client.uploadKeystoreFile(
              { name: file.name, data: new Uint8Array(bytes) },
              { privacy, description },
            ),
          )
          .then(() => {
            form.reset();
            setFile(undefined);
            setDescription('');
            setPrivacy('private');
            setUploaded(file.name);
            onDone();
          }, setFailed)
          .finally(() => setBusy(false));
      }}
    >
      <label className="field">
        File
        <input
          type="file"
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            setUploaded('');
          }}
          required
        />
      </label>
      <label className="field">
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        Who may use it
        <select value={privacy} onChange={(e) => setPrivacy(e.target.value as 'private' | 'public')}>
          <option value="private">You, and those you give rights to</option>
          <option value="public">Everyone in the domain</option>
        </select>
      </label>
      <button type="submit" disabled={busy || !file}>
        {busy ? 'Uploading…' : 'Upload'}
      </button>
      {/* Always there, so screen readers hear what comes into it; styled only when it says something. */}
      <p className={uploaded ? 'notice' : 'quiet-status'} role="status">
        {uploaded && `Uploaded ${uploaded}.`}
      </p>
      <ErrorMessage error={failed} title="The file could not be uploaded." />
    </form>
  );
}
