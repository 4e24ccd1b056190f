import { AppError } from '../domain/errors.ts';
import { isValidRefName } from '../domain/ref-name.ts';
import { formPayload, type Sender } from './webhook-senders.ts';

/**
 * Reads a push payload: which branch moved and to which commit. The commit built is `after`, the
 * value the pushed ref now has, and nothing else; the payload must not contradict it (GitHub,
 * Gitea and Gitee name the same commit as `head_commit.id`, GitLab and CodeArts Repo as
 * `checkout_sha`), so a
 * payload naming a watched branch cannot carry another commit into that branch's build.
 */

/** A branch moved to a commit, or a push that builds nothing and why. */
export type PushReading =
  | {
      branch: string;
      commit: string;
      /** The repository's default branch, as the host says (undefined: it does not). */
      defaultBranch?: string | undefined;
      /** The URLs the payload gives the pushed repository by, clone URLs first (none: it names none). */
      repositories: string[];
    }
  | { ignored: string };

const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const ZERO = /^0+$/;

/** A value from the payload as an answer may quote it: JSON, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

function refused(message: string): AppError {
  return new AppError('INVALID_BODY', `${message}; nothing was built`);
}

/**
 * The payload's JSON: the body, or (GitHub's default content type,
 * application/x-www-form-urlencoded) the body's `payload` field.
 */
function payloadText(body: Buffer, contentType: string): string {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) return body.toString('utf8');
  const json = formPayload(body, contentType);
  if (json === undefined)
    throw new AppError(
      'INVALID_BODY',
      'the form-encoded webhook body has no payload field (GitHub sends the push as payload=<JSON>)',
    );
  return json;
}

function parse(body: Buffer, contentType: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText(body, contentType));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'INVALID_BODY',
      'the webhook body is not a JSON push payload (the git host sends application/json, or a form with the JSON in payload=)',
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw refused('the push payload is not a JSON object');
  return payload as Record<string, unknown>;
}

/** The commit the payload names, besides `after`, as the branch's new head (undefined: none). */
function namedHead(
  sender: Sender,
  payload: Record<string, unknown>,
): { field: string; value: unknown } | undefined {
  if (sender === 'gitlab' || sender === 'codearts') {
    const sha = payload.checkout_sha;
    return sha === undefined || sha === null ? undefined : { field: 'checkout_sha', value: sha };
  }
  const head = payload.head_commit;
  if (head === undefined || head === null) return undefined;
  return {
    field: 'head_commit.id',
    value: typeof head === 'object' ? (head as Record<string, unknown>).id : head,
  };
}

/** The branch name, or why a branch of that name is not built. */
function branchOf(ref: string): { branch: string } | { ignored: string } {
  if (ref.startsWith('refs/tags/')) {
    return {
      ignored: `tag ${ref.slice(10)} was pushed: tags start no builds, the code_update trigger watches branches`,
    };
  }
  if (!ref.startsWith('refs/heads/')) return { ignored: `${ref} is not a branch` };
  const branch = ref.slice('refs/heads/'.length);
  if (branch.length > 255)
    return { ignored: 'the pushed branch name is longer than 255 characters, more than Kiln builds' };
  if (!isValidRefName(branch))
    return { ignored: `the pushed branch ${shown(branch)} is not a name Kiln builds` };
  return { branch };
}

/** The branch and commit of a push; throws INVALID_BODY for a payload that is malformed or contradicts itself. */
export function readPush(
  sender: Sender,
  body: Buffer,
  contentType = 'application/json',
  /** The delivery is a push only if its `object_kind` says so (a GitLab system hook's). */
  kindRequired = false,
): PushReading {
  const payload = parse(body, contentType);
  // A GitLab system hook sends every event of the instance as a "System Hook": the payload says which.
  if (kindRequired && payload.object_kind !== 'push')
    return {
      ignored: `the system hook's ${shown(payload.object_kind ?? payload.event_name)} events are not pushes`,
    };
  // CodeArts Repo may send no event header: its GitLab-shaped payload says what happened.
  if (sender === 'codearts' && payload.object_kind !== undefined && payload.object_kind !== 'push')
    return { ignored: `${shown(payload.object_kind)} events are not pushes` };
  if (typeof payload.ref !== 'string' || payload.ref === '')
    throw refused("the push payload has no 'ref' (the pushed refs/heads/<branch>)");
  const named = branchOf(payload.ref);
  if ('ignored' in named) return named;
  const { branch } = named;
  const after = payload.after;
  if (typeof after !== 'string' || !FULL_COMMIT.test(after)) {
    throw refused(
      `the push payload's 'after' must be the full commit id (40 or 64 hex digits) that ${branch} now points to`,
    );
  }
  if (ZERO.test(after) || payload.deleted === true) return { ignored: `branch ${branch} was deleted` };
  const head = namedHead(sender, payload);
  if (head && (typeof head.value !== 'string' || head.value.toLowerCase() !== after.toLowerCase())) {
    throw refused(
      `the push payload's 'after' (${after}) is not its head commit (${head.field} ${shown(head.value)}), so it does not say which commit ${branch} now points to`,
    );
  }
  return {
    branch,
    commit: after.toLowerCase(),
    defaultBranch: defaultBranchOf(payload),
    repositories: repositoriesOf(payload),
  };
}

/**
 * The fields of `repository` and `project` that give the repository's URL, as GitHub, Gitea and
 * Gitee (`repository.clone_url` ...) and GitLab and CodeArts Repo (`project.git_http_url` ...,
 * `repository.url` and `homepage`) send them; https clone URLs first, as the one a reason quotes.
 * Not `mirror_url` or `original_url`: a mirror's upstream is another repository.
 */
const URL_FIELDS = [
  'clone_url',
  'git_http_url',
  'html_url',
  'web_url',
  'homepage',
  'url',
  'ssh_url',
  'git_ssh_url',
  'git_url',
  'svn_url',
];

function repositoriesOf(payload: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const holders = [payload.repository, payload.project].filter(
    (h): h is Record<string, unknown> => typeof h === 'object' && h !== null,
  );
  for (const field of URL_FIELDS)
    for (const holder of holders) {
      const url = holder[field];
      if (typeof url === 'string' && url.trim() !== '') found.add(url.trim());
    }
  return [...found];
}

/** `repository.default_branch` (GitHub, Gitea, Gitee) or `project.default_branch` (GitLab, CodeArts Repo). */
function defaultBranchOf(payload: Record<string, unknown>): string | undefined {
  for (const key of ['repository', 'project']) {
    const holder = payload[key];
    const name =
      typeof holder === 'object' && holder !== null
        ? (holder as Record<string, unknown>).default_branch
        : undefined;
    if (typeof name === 'string' && name !== '' && isValidRefName(name)) return name;
  }
  return undefined;
}
