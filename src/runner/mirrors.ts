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
import type { BuildType } from '../domain/build.ts';
import { retry } from '../domain/retry.ts';
import { MirrorKeepers } from './mirror-keepers.ts';
import {
  readResolved,
  readSubmodules,
  type MirrorFailure,
  type Resolved,
  type Submodule,
} from './mirror-scripts.ts';
import { runCommand } from './launcher.ts';
import { repositorySource } from './repository-source.ts';
import type { SandboxBackend } from './sandbox.ts';

/** Limits of a runner's mirror cache. */
export interface MirrorSettings {
  /** Directories under which repositories on the runner's disk may be built. */
  localRepositories: string[];
  /**
   * While the mirrors take more than this, the least recently used unused one is removed; a fetch
   * that writes a file larger than this fails (0: no mirror is kept, and no file capped).
   */
  maxBytes: number;
  /** A mirror no build has used for this long is removed. */
  maxAgeMs: number;
  /** An HTTP(S) fetch that moves (almost) nothing for this long fails; HTTP_STALL_SECONDS by default. */
  httpStallSeconds?: number;
}

/**
 * Five minutes: a server may compute a large pack for a minute or more before it sends a byte
 * (the fetch is quiet: no progress is asked for).
 */
const HTTP_STALL_SECONDS = 300;

/** What a build asks of its repository. */
export interface Wanted {
  kind: BuildType;
  /** Branch or tag ('' for the default branch). */
  ref: string;
  commit: string;
  /** The commit must be on a branch or tag (BuildPlan's `onBranchOrTag`). */
  onBranchOrTag?: boolean;
  /** Fetch the commit's Git LFS files into the mirror too. */
  lfs?: boolean;
}

export type { MirrorFailure, Resolved, Submodule };

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
   * the same). `write` gets git's messages. Aborting `signal` (the build stopped or timed out)
   * ends the build's git command at once, so a host that never answers holds no slot.
   */
  update<T>(
    slot: number,
    wanted: Wanted,
    write: (data: Buffer) => void,
    freshSince: number,
    use: (resolved: Resolved) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T | MirrorFailure>;
  /** The submodules of a commit the mirror has (read while `update`'s `use` runs). */
  submodules(slot: number, commit: string, signal: AbortSignal): Promise<Submodule[] | MirrorFailure>;
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
  private readonly keepers: MirrorKeepers;
  /** The mirrors directory, on the runner's disk. */
  readonly dir: string;
  private readonly nameKey: Buffer;
  /**
   * Housekeeping asked again later because a mirror could not be measured: one at a time per
   * mirror, each wait twice the last (to REMEASURE_MAX_MS), so a `du` that keeps failing costs little.
   */
  private readonly remeasures = new Map<string, { timer: NodeJS.Timeout; waitMs: number }>();

  constructor(
    private readonly backend: SandboxBackend,
    workDir: string,
    private readonly settings: MirrorSettings,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {
    this.dir = join(workDir, 'mirrors');
    mkdirSync(join(workDir, 'sandbox'), { recursive: true, mode: 0o700 });
    this.nameKey = readOrCreateKey(join(workDir, 'sandbox', 'mirror-names.key'));
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const owner = backend.mirrorOwner();
    if (owner) chownSync(this.dir, owner.uid, owner.gid);
    this.keepers = new MirrorKeepers(
      backend,
      this.dir,
      join(workDir, 'sandbox', 'keeper'),
      settings.httpStallSeconds ?? HTTP_STALL_SECONDS,
    );
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
    void this.keepers.warm(slot).catch((e: unknown) => this.onError(e, 'starting the mirror keeper'));
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
      update: (slot, wanted, write, freshSince, use, signal) =>
        this.enqueue(held, async () => {
          const resolved = await this.fetch(
            slot,
            held,
            source.kind === 'local' ? source.path : source.url,
            wanted,
            { write, freshSince, signal },
          );
          return 'failure' in resolved ? resolved : use(resolved);
        }),
      submodules: (slot, commit, signal) => this.listSubmodules(slot, held, commit, signal),
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
    for (const { timer } of this.remeasures.values()) clearTimeout(timer);
    this.remeasures.clear();
    await this.keepers.close();
  }

  private enqueue<T>(entry: Entry, op: () => Promise<T>): Promise<T> {
    const next = entry.chain.then(op, op);
    entry.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * The mirror script, tried once more when it failed to get something from the remote (a reset
   * connection, a host restarting): a fetch into the mirror is idempotent (refs are forced to what
   * the remote has, a clone stopped halfway is made again), and a build should not fail on one
   * dropped connection. Twice only: a repository that is gone or refuses the credentials fails the
   * same way again, and the build says so. Stopping the build stops the retry; a fetch that stalled
   * (`httpStallSeconds`) is not tried again.
   */
  private async fetch(
    slot: number,
    entry: Entry,
    source: string,
    wanted: Wanted,
    how: { write: (data: Buffer) => void; freshSince: number; signal: AbortSignal },
  ): Promise<Resolved | MirrorFailure> {
    try {
      return await retry(
        async () => {
          let said = '';
          const write = (data: Buffer) => {
            said += data.toString();
            how.write(data);
          };
          const answer = await this.fetchOnce(slot, entry, source, wanted, { ...how, write });
          // A host that stalled for the whole stall time is no dropped connection: not waited for twice.
          if ('failure' in answer && REMOTE_FAILURES.has(answer.failure) && !STALLED.test(said))
            throw new RemoteFailure(answer);
          return answer;
        },
        {
          backoff: FETCH_BACKOFF,
          attempts: 2,
          signal: how.signal,
          transient: (error) => error instanceof RemoteFailure,
          onRetry: () => how.write(Buffer.from('the fetch failed; trying the fetch once more\n')),
        },
      );
    } catch (error) {
      if (error instanceof RemoteFailure) return error.answer;
      throw error;
    }
  }

  private async fetchOnce(
    slot: number,
    entry: Entry,
    source: string,
    wanted: Wanted,
    { write, freshSince, signal }: { write: (data: Buffer) => void; freshSince: number; signal: AbortSignal },
  ): Promise<Resolved | MirrorFailure> {
    const fresh = entry.fetchedAt >= freshSince;
    const asked = `${wanted.kind}\n${wanted.ref}\n${wanted.commit}\n${wanted.lfs === true}\n${wanted.onBranchOrTag === true}`;
    const known = fresh ? entry.resolved.get(asked) : undefined;
    if (known) return known;
    const inside = await this.keepers.pathOf(slot, `${entry.key}.git`);
    const out: Buffer[] = [];
    const startedAt = Date.now();
    let code: number | null;
    try {
      code = await this.keepers.run(
        slot,
        {
          script: 'mirror.sh',
          args: [
            source,
            inside,
            wanted.kind,
            wanted.ref,
            wanted.commit,
            fresh ? '0' : '1',
            wanted.lfs ? '1' : '0',
            // No cap at 0 (nothing is kept: each mirror goes once its build is done).
            this.settings.maxBytes > 0 ? String(Math.ceil(this.settings.maxBytes / 1024)) : '',
            wanted.onBranchOrTag ? '1' : '0',
          ],
        },
        (data) => out.push(data),
        signal,
      );
    } catch (error) {
      return { failure: 'keeper', detail: (error as Error).message };
    }
    const { messages, answer } = readResolved(
      Buffer.concat(out).toString('utf8'),
      code,
      this.settings.maxBytes,
    );
    if (messages.trim()) write(Buffer.from(messages.endsWith('\n') ? messages : `${messages}\n`));
    if ('failure' in answer) {
      // A fetch that failed or was stopped may have moved some refs: what was resolved before
      // it is asked again.
      entry.fetchedAt = 0;
      entry.resolved = new Map();
      return answer;
    }
    const resolved = answer;
    // A commit the mirror already had is answered without a fetch (mirror.sh): its branches and
    // tags are as old as before, so only a branch's or a tag's answer dates the mirror.
    if (!fresh && wanted.kind !== 'commit') {
      entry.fetchedAt = startedAt;
      entry.resolved = new Map();
    }
    entry.resolved.set(asked, resolved);
    return resolved;
  }

  private async listSubmodules(
    slot: number,
    entry: Entry,
    commit: string,
    signal: AbortSignal,
  ): Promise<Submodule[] | MirrorFailure> {
    const inside = await this.keepers.pathOf(slot, `${entry.key}.git`);
    const out: Buffer[] = [];
    try {
      const code = await this.keepers.run(
        slot,
        { script: 'submodules.sh', args: [inside, commit] },
        (d) => out.push(d),
        signal,
      );
      if (code !== 0) return { failure: 'keeper', detail: `listing submodules: exit code ${code}` };
    } catch (error) {
      return { failure: 'keeper', detail: (error as Error).message };
    }
    return readSubmodules(Buffer.concat(out).toString('utf8'));
  }

  /** After the last build lets go: git's own housekeeping, then the size and age caps. */
  private async maintain(slot: number, entry: Entry): Promise<void> {
    if (entry.users > 0 || this.entries.get(entry.key) !== entry) return;
    try {
      const inside = await this.keepers.pathOf(slot, `${entry.key}.git`);
      // gc.auto is 0 in the mirror so that a fetch never packs while builds borrow its objects.
      await this.keepers.run(
        slot,
        { args: ['-C', inside, '-c', 'gc.auto=6700', 'gc', '--auto', '--quiet'] },
        () => {},
      );
    } catch (error) {
      this.onError(error, 'mirror housekeeping');
    }
    // Measured whether or not git's housekeeping ran: the caps need every mirror's size.
    try {
      entry.bytes = await diskUsage(entry.path);
      // Mirrors found at start are measured once, when the caps are first checked.
      for (const other of this.entries.values()) {
        if (other.bytes < 0 && other.users === 0) other.bytes = await diskUsage(other.path);
      }
      this.remeasureDone(entry);
    } catch (error) {
      this.onError(error, 'mirror housekeeping');
      this.remeasureLater(slot, entry);
    }
    this.evict();
  }

  /**
   * An unmeasured mirror counts as nothing, so the size cap could stay passed with no later
   * release to check it again: housekeeping runs again after a while, once per mirror.
   */
  private remeasureLater(slot: number, entry: Entry): void {
    const last = this.remeasures.get(entry.key);
    if (last) clearTimeout(last.timer);
    const waitMs = last ? Math.min(last.waitMs * 2, REMEASURE_MAX_MS) : REMEASURE_MS;
    const timer = setTimeout(() => {
      if (this.entries.get(entry.key) !== entry) return void this.remeasures.delete(entry.key);
      void this.enqueue(entry, () => this.maintain(slot, entry));
    }, waitMs);
    timer.unref();
    this.remeasures.set(entry.key, { timer, waitMs });
  }

  private remeasureDone(entry: Entry): void {
    clearTimeout(this.remeasures.get(entry.key)?.timer);
    this.remeasures.delete(entry.key);
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

/**
 * Failures of the mirror script's talk with the remote (a fetch, a clone, a commit fetched by id,
 * Git LFS files), which a second try may get through; the others are answers about the repository.
 */
const REMOTE_FAILURES: ReadonlySet<MirrorFailure['failure']> = new Set(['fetch', 'commit', 'lfs']);

/** What git says of an HTTP(S) fetch that moved too little for the stall time (keeperGitconfig). */
const STALLED = /operation too slow/i;

/** The wait before the second try of a fetch (a host that dropped a connection may be restarting). */
const FETCH_BACKOFF = { firstMs: 1_000, maxMs: 1_000 };

/** A remote failure carried through `retry`. */
class RemoteFailure extends Error {
  constructor(readonly answer: MirrorFailure) {
    super(`the mirror's fetch failed (${answer.failure})`);
  }
}

/** The runner's key for mirror names, made once (mode 0600; no sandbox sees it). */
function readOrCreateKey(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

/** The first wait before housekeeping measures again after `du` failed twice, and the longest. */
const REMEASURE_MS = 5_000;
const REMEASURE_MAX_MS = 10 * 60_000;

/** The wait before asking `du` again. */
const DU_BACKOFF = { firstMs: 50, maxMs: 50 };

/**
 * Bytes a directory takes on disk (`du`, started off the event loop: launcher.ts). Asked twice
 * before giving up: the launcher is a process of its own, which a busy machine can fail once.
 */
async function diskUsage(path: string): Promise<number> {
  return retry(
    async () => {
      const { stdout, error } = await runCommand('du', ['-s', '-B1', path]);
      if (error !== undefined) throw new Error(`du ${path}: ${error}`);
      return Number(stdout.split('\t')[0]) || 0;
    },
    { backoff: DU_BACKOFF, attempts: 2, transient: () => true },
  );
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
