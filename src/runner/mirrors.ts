import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BuildType } from '../domain/build.ts';
import { repositorySource } from './repository-source.ts';
import type { Sandbox, SandboxBackend } from './sandbox.ts';

/** Limits of a runner's mirror cache. */
export interface MirrorSettings {
  /** Directories under which repositories on the runner's disk may be built. */
  localRepositories: string[];
  /** While the mirrors take more than this, the least recently used unused one is removed. */
  maxBytes: number;
  /** A mirror no build has used for this long is removed. */
  maxAgeMs: number;
}

/** What a build asks of its repository. */
export interface Wanted {
  kind: BuildType;
  /** Branch or tag ('' for the default branch). */
  ref: string;
  commit: string;
}

/** What the mirror found for a build: the exact commit to check out. */
export interface Resolved {
  /** What `ref` turned out to be (as with git clone --branch, a branch build may name a tag). */
  kind: BuildType;
  /** The branch or tag; for a commit build, the default branch (a clone gets it). */
  name: string;
  commitId: string;
  commitTime: number | null;
  commitMessage: string;
}

/** Why a mirror could not give a build what it wants. */
export type MirrorFailure = { failure: 'fetch' | 'commit' | 'ref' } | { failure: 'keeper'; detail: string };

/** A build's hold on a mirror: it is not repacked or removed until released. */
export interface MirrorHold {
  /** The mirror's name: its directory in the mirrors directory (exists; empty before the first fetch). */
  readonly name: string;
  /**
   * Fetches what is new, resolves what the build wants, and runs `use` with the answer while the
   * mirror's refs stay as resolved (no other fetch moves them until `use` is done: the workspace
   * `use` makes from the mirror has exactly the resolved commit). A fetch that started after
   * `freshSince` (the build's trigger, on the runner's clock) already saw what the build must see:
   * then the mirror is only asked (or not even that, when an earlier build of the same fetch asked
   * the same). `write` gets git's messages.
   */
  update<T>(
    slot: number,
    wanted: Wanted,
    write: (data: Buffer) => void,
    freshSince: number,
    use: (resolved: Resolved) => Promise<T>,
  ): Promise<T | MirrorFailure>;
  release(slot: number): void;
}

interface Entry {
  key: string;
  path: string;
  users: number;
  lastUsed: number;
  /** Size on disk, once measured. */
  bytes: number;
  /** Operations on the mirror run one after another (git refuses concurrent ref updates). */
  chain: Promise<unknown>;
  /** When the last successful fetch started (runner clock), and what was resolved since. */
  fetchedAt: number;
  resolved: Map<string, Resolved>;
}

const run = promisify(execFile);
const NEVER = new AbortController().signal;
const SEPARATOR = '\u001f';
/** Starts the mirror script's answer line. */
const RESOLVED = `${SEPARATOR}kiln${SEPARATOR}`;

/**
 * Run by the mirror keeper: fetches into the mirror (made by `git clone --bare` the first time),
 * then resolves what the build wants to one commit. No housekeeping after the fetch: a mirror is
 * repacked only when no build borrows from it (`maintain`). Never handed anything but these arguments:
 * $1 source, $2 the mirror, $3 branch|tag|commit, $4 ref, $5 commit, $6 1 to fetch (0: a fetch
 * fresh enough for this build was made). Exit codes tell the failures apart: 10 fetch, 11 commit
 * not found, 12 ref not found.
 */
const MIRROR_SCRIPT = `source=$1 kind=$3 ref=$4 commit=$5
cd -- "$2" || exit 20
if [ "$6" = 0 ] && [ -f HEAD ]; then
  : # fetched since the build was triggered: resolve only
elif [ -f HEAD ]; then
  git fetch --quiet --prune --no-auto-maintenance origin '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*' || exit 10
else
  find . -mindepth 1 -delete 2>/dev/null
  git clone --quiet --bare -- "$source" . && git config gc.auto 0 || exit 10
fi
show() { git show --no-patch --format='%H${SEPARATOR}%ct${SEPARATOR}%s' "$1^{commit}" 2>/dev/null; }
if [ "$kind" = commit ]; then
  info=$(show "$commit") || { git fetch --quiet origin "$commit" 2>/dev/null && info=$(show "$commit"); } || exit 11
  name=$(git symbolic-ref --quiet --short HEAD)
else
  if [ -z "$ref" ]; then ref=$(git symbolic-ref --quiet --short HEAD) || exit 12; kind=branch; fi
  first=heads second=tags
  [ "$kind" = tag ] && first=tags second=heads
  if info=$(show "refs/$first/$ref"); then space=$first
  elif info=$(show "refs/$second/$ref"); then space=$second
  else exit 12
  fi
  if [ "$space" = heads ]; then kind=branch; else kind=tag; fi
  name=$ref
fi
printf '${SEPARATOR}kiln${SEPARATOR}%s${SEPARATOR}%s${SEPARATOR}%s\\n' "$kind" "$name" "$info"
`;

/** The keeper's git configuration: local repositories may belong to any user. */
const KEEPER_GITCONFIG = '[safe]\n\tdirectory = *\n';

/**
 * The runner's git mirrors, one bare repository per repository URL (as Buildkite's agent keeps
 * them): the first build of a URL clones it, later builds fetch only what is new and make their
 * workspace from the mirror with `git clone --shared`, so a build costs what changed, not the
 * repository's size. Mirrors are kept by a sandboxed keeper (git only, with fixed arguments);
 * builds see the mirrors directory read-only but cannot list it, and reach their own mirror by
 * name. A name is an HMAC of the whole URL, credentials included, under a key of the runner: a
 * build cannot work out another repository's mirror, and a job without the credentials never gets
 * another job's private mirror.
 */
export class MirrorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keepers = new Map<number, Promise<Sandbox>>();
  /** The mirrors directory, on the runner's disk. */
  readonly dir: string;
  private readonly keeperDir: string;
  private readonly nameKey: Buffer;

  constructor(
    private readonly backend: SandboxBackend,
    workDir: string,
    private readonly settings: MirrorSettings,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {
    this.dir = join(workDir, 'mirrors');
    this.keeperDir = join(workDir, 'sandbox', 'keeper');
    mkdirSync(join(workDir, 'sandbox'), { recursive: true, mode: 0o700 });
    this.nameKey = readOrCreateKey(join(workDir, 'sandbox', 'mirror-names.key'));
    const owner = backend.mirrorOwner();
    for (const dir of [this.dir, ...['ctl', 'home', 'tmp'].map((d) => join(this.keeperDir, d))]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (owner) chownSync(dir, owner.uid, owner.gid);
    }
    writeFileSync(join(this.keeperDir, 'ctl', 'gitconfig'), KEEPER_GITCONFIG, { mode: 0o644 });
    writeFileSync(join(this.keeperDir, 'ctl', 'mirror.sh'), MIRROR_SCRIPT, { mode: 0o644 });
    chmodSync(this.dir, 0o700);
    const names = readdirSync(this.dir);
    // Every build sandbox sees this directory, but nobody may list it: a build reaches only the
    // mirror whose name it is given, a keyed hash of the URL that no build can compute.
    chmodSync(this.dir, 0o311);
    for (const name of names) {
      if (name.startsWith('.removed-')) {
        void rm(join(this.dir, name), { recursive: true, force: true });
        continue;
      }
      const m = /^([0-9a-f]{40})\.git$/.exec(name);
      if (!m) continue;
      const path = join(this.dir, name);
      this.entries.set(m[1] as string, newEntry(m[1] as string, path, statSync(path).mtimeMs));
    }
  }

  /** Starts the keeper of a slot ahead of its first build. */
  warm(slot: number): void {
    void this.keeper(slot).catch((e: unknown) => this.onError(e, 'starting the mirror keeper'));
  }

  /** Holds the mirror of `url` for a build, or says why the runner will not fetch that URL. */
  hold(url: string): MirrorHold | { error: string } {
    const source = repositorySource(url, this.settings.localRepositories);
    if ('error' in source) return source;
    const key = createHmac('sha256', this.nameKey).update(url).digest('hex').slice(0, 40);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = newEntry(key, join(this.dir, `${key}.git`), 0);
      this.entries.set(key, entry);
    }
    entry.users++;
    if (!existsSync(entry.path)) {
      mkdirSync(entry.path, { mode: 0o755 });
      const owner = this.backend.mirrorOwner();
      if (owner) chownSync(entry.path, owner.uid, owner.gid);
    }
    const held = entry;
    let released = false;
    return {
      name: `${entry.key}.git`,
      update: (slot, wanted, write, freshSince, use) =>
        this.enqueue(held, async () => {
          const resolved = await this.fetch(
            slot,
            held,
            source.kind === 'local' ? source.path : source.url,
            wanted,
            write,
            freshSince,
          );
          return 'failure' in resolved ? resolved : use(resolved);
        }),
      release: (slot) => {
        if (released) return;
        released = true;
        held.users--;
        held.lastUsed = Date.now();
        if (held.users === 0) void this.enqueue(held, () => this.maintain(slot, held));
      },
    };
  }

  /** Ends the keepers. */
  async close(): Promise<void> {
    const keepers = [...this.keepers.values()];
    this.keepers.clear();
    await Promise.all(keepers.map(async (k) => (await k.catch(() => undefined))?.close()));
  }

  private enqueue<T>(entry: Entry, op: () => Promise<T>): Promise<T> {
    const next = entry.chain.then(op, op);
    entry.chain = next.catch(() => undefined);
    return next;
  }

  private keeper(slot: number): Promise<Sandbox> {
    let keeper = this.keepers.get(slot);
    if (!keeper) {
      const dir = this.keeperDir;
      keeper = this.backend.openKeeper({
        mirrors: this.dir,
        ctl: join(dir, 'ctl'),
        home: join(dir, 'home'),
        tmp: join(dir, 'tmp'),
      });
      this.keepers.set(slot, keeper);
    }
    return keeper;
  }

  /**
   * Runs a command in the slot's keeper: `git` with `args`, or (`script`) the mirror script; a
   * keeper that died is replaced next time.
   */
  private async inKeeper(
    slot: number,
    command: { script: boolean; args: string[] },
    onOutput: (data: Buffer) => void,
  ): Promise<number | null> {
    const keeper = await this.keeper(slot);
    const inside = keeper.inside;
    try {
      const result = await keeper.exec(
        {
          file: command.script ? `${inside.ctl}/mirror.sh` : 'git',
          args: command.args,
          ownScript: command.script,
          cwd: inside.workspace,
          env: {
            PATH: '/usr/local/bin:/usr/bin:/bin',
            HOME: inside.home,
            TMPDIR: inside.tmp,
            LANG: 'C.UTF-8',
            GIT_CONFIG_GLOBAL: `${inside.ctl}/gitconfig`,
            GIT_TERMINAL_PROMPT: '0',
            GIT_ASKPASS: '/bin/false',
          },
        },
        onOutput,
        NEVER,
      );
      return result.exitCode;
    } catch (error) {
      this.keepers.delete(slot);
      void keeper.close();
      throw error;
    }
  }

  private async fetch(
    slot: number,
    entry: Entry,
    source: string,
    wanted: Wanted,
    write: (data: Buffer) => void,
    freshSince: number,
  ): Promise<Resolved | MirrorFailure> {
    const fresh = entry.fetchedAt >= freshSince;
    const asked = `${wanted.kind}\n${wanted.ref}\n${wanted.commit}`;
    const known = fresh ? entry.resolved.get(asked) : undefined;
    if (known) return known;
    const inside = `${(await this.keeper(slot)).inside.workspace}/${entry.key}.git`;
    const out: Buffer[] = [];
    const startedAt = Date.now();
    let code: number | null;
    try {
      code = await this.inKeeper(
        slot,
        { script: true, args: [source, inside, wanted.kind, wanted.ref, wanted.commit, fresh ? '0' : '1'] },
        (data) => out.push(data),
      );
    } catch (error) {
      return { failure: 'keeper', detail: (error as Error).message };
    }
    const text = Buffer.concat(out).toString('utf8');
    const at = text.lastIndexOf(RESOLVED);
    const messages = at >= 0 ? text.slice(0, at) : text;
    if (messages.trim()) write(Buffer.from(messages.endsWith('\n') ? messages : `${messages}\n`));
    if (code !== 0 || at < 0) {
      const failure = FAILURES[code ?? -1];
      return failure ? { failure } : { failure: 'keeper', detail: `exit code ${code}` };
    }
    const [kind, name, commitId, seconds, ...subject] = text
      .slice(at + RESOLVED.length)
      .replace(/\n$/, '')
      .split(SEPARATOR);
    const resolved: Resolved = {
      kind: kind as BuildType,
      name: name ?? '',
      commitId: commitId ?? '',
      commitTime: /^\d+$/.test(seconds ?? '') ? Number(seconds) * 1000 : null,
      commitMessage: subject.join(SEPARATOR),
    };
    if (!fresh) {
      entry.fetchedAt = startedAt;
      entry.resolved = new Map();
    }
    entry.resolved.set(asked, resolved);
    return resolved;
  }

  /** After the last build lets go: git's own housekeeping, then the size and age caps. */
  private async maintain(slot: number, entry: Entry): Promise<void> {
    if (entry.users > 0 || this.entries.get(entry.key) !== entry) return;
    try {
      const inside = `${(await this.keeper(slot)).inside.workspace}/${entry.key}.git`;
      // gc.auto is 0 in the mirror so that a fetch never packs while builds borrow its objects.
      await this.inKeeper(
        slot,
        { script: false, args: ['-C', inside, '-c', 'gc.auto=6700', 'gc', '--auto', '--quiet'] },
        () => {},
      );
      const { stdout } = await run('du', ['-s', '-B1', entry.path]);
      entry.bytes = Number(stdout.split('\t')[0]) || 0;
    } catch (error) {
      this.onError(error, 'mirror housekeeping');
    }
    this.evict();
  }

  /** Removes mirrors nobody holds: too old, then least recently used while over the size cap. */
  private evict(): void {
    const now = Date.now();
    const idle = [...this.entries.values()]
      .filter((e) => e.users === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    let total = [...this.entries.values()].reduce((sum, e) => sum + Math.max(0, e.bytes), 0);
    for (const entry of idle) {
      const old = now - entry.lastUsed > this.settings.maxAgeMs;
      if (!old && total <= this.settings.maxBytes) continue;
      total -= Math.max(0, entry.bytes);
      this.remove(entry);
    }
  }

  /** Takes the mirror out of use at once (a rename), then deletes it off the event loop. */
  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    const trash = join(this.dir, `.removed-${entry.key}-${Date.now()}`);
    try {
      renameSync(entry.path, trash);
    } catch {
      return;
    }
    void rm(trash, { recursive: true, force: true }).catch((e: unknown) =>
      this.onError(e, 'removing a mirror'),
    );
  }
}

/** The runner's key for mirror names, made once (mode 0600; no sandbox sees it). */
function readOrCreateKey(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

function newEntry(key: string, path: string, lastUsed: number): Entry {
  return {
    key,
    path,
    users: 0,
    lastUsed,
    bytes: -1,
    chain: Promise.resolve(),
    fetchedAt: -1,
    resolved: new Map(),
  };
}

/** The mirror script's exit codes. */
const FAILURES: Record<number, 'fetch' | 'commit' | 'ref'> = { 10: 'fetch', 11: 'commit', 12: 'ref' };
