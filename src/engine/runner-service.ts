import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { newId32, newSecret } from '../domain/ids.ts';
import { BOOTSTRAP, type Principal } from '../domain/identity.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import type { RunnerRecord, RunnerToolsRecord, Storage } from '../storage/ports.ts';

export type { RunnerRecord, RunnerToolsRecord };
import { unauthenticated } from './auth-service.ts';
import { requireProject } from './access.ts';
import { runnerArchOf } from '../domain/resource-match.ts';
import { tokenHash } from './secret-box.ts';

/** A place builds can run (ShowImageTemplateList): an arch and pool, and the tools found there. */
export interface BuildEnvironment {
  arch: string;
  pool: string;
  /** Each tool's versions across the place's runners. */
  tools: Record<string, string[]>;
  /** When a runner there last announced its tools. */
  reportedAt: number;
}

/** Remote runners: registered by an administrator, each with a token stored only as a hash. */
export class RunnerService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** Runners serve every domain, so only administrators of the default domain manage them. */
  private requireOperator(caller: Principal): void {
    if (!caller.user.isAdmin || caller.domainName !== BOOTSTRAP.domain) {
      throw new AppError('FORBIDDEN', 'only an administrator of the default domain may manage runners');
    }
  }

  /** Registers a runner; the token is returned this once. */
  async create(caller: Principal, name: string): Promise<{ runner: RunnerRecord; token: string }> {
    this.requireOperator(caller);
    if (!/^[\w.-]{1,64}$/.test(name)) throw invalidParam('name must be 1-64 letters, digits, . _ -');
    const token = `kilnr_${newSecret(32)}`;
    const runner: RunnerRecord = {
      id: newId32(),
      name,
      tokenHash: tokenHash(token),
      createdAt: this.clock.now(),
      lastSeenAt: null,
      disabled: false,
    };
    try {
      await this.storage.runners.insert(runner);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', `a runner named ${name} already exists`);
      throw error;
    }
    return { runner, token };
  }

  async list(caller: Principal): Promise<RunnerRecord[]> {
    this.requireOperator(caller);
    return this.storage.runners.list();
  }

  /**
   * The registered runners, each with its last announcement of tools, and the servers' own
   * runners (`local:<name>`) that announced theirs.
   */
  async listWithTools(caller: Principal): Promise<{
    runners: { runner: RunnerRecord; tools: RunnerToolsRecord | undefined }[];
    serverRunners: RunnerToolsRecord[];
  }> {
    this.requireOperator(caller);
    const [runners, tools] = await Promise.all([
      this.storage.runners.list(),
      this.storage.runners.listTools(),
    ]);
    const byId = new Map(tools.map((t) => [t.runnerId, t]));
    return {
      runners: runners.map((runner) => ({ runner, tools: byId.get(`remote:${runner.id}`) })),
      serverRunners: tools.filter((t) => t.runnerId.startsWith('local:')),
    };
  }

  /**
   * ShowAvailableInnerSpec: what a build of `arch` may ask for here: DEFAULT (any runner of the
   * arch) and the pools such runners announced, when one of them is enabled; nothing otherwise.
   */
  async specs(caller: Principal, projectId: string, arch: string): Promise<string[]> {
    await requireProject(this.storage, caller, projectId, 'read');
    const wanted = runnerArchOf(arch);
    const [runners, tools] = await Promise.all([
      this.storage.runners.list(),
      this.storage.runners.listTools(),
    ]);
    const disabled = new Set(runners.filter((r) => r.disabled).map((r) => `remote:${r.id}`));
    const able = tools.filter((t) => !disabled.has(t.runnerId) && t.arch === wanted);
    if (able.length === 0) return [];
    const pools = [...new Set(able.map((t) => t.pool ?? '').filter((p) => p !== ''))].sort();
    return ['DEFAULT', ...pools];
  }

  /**
   * ShowImageTemplateList: where builds can run, as any tenant may know it: each place (arch and
   * pool) the enabled runners announced, with the tools and versions found there, never a runner's
   * id or host (only the server's operators see those).
   */
  async environments(): Promise<BuildEnvironment[]> {
    const [runners, tools] = await Promise.all([
      this.storage.runners.list(),
      this.storage.runners.listTools(),
    ]);
    const disabled = new Set(runners.filter((r) => r.disabled).map((r) => `remote:${r.id}`));
    const places = new Map<string, BuildEnvironment>();
    for (const t of tools) {
      if (disabled.has(t.runnerId)) continue;
      const arch = t.arch ?? '';
      const pool = t.pool ?? '';
      const key = `${arch}/${pool}`;
      const place = places.get(key) ?? { arch, pool, tools: {}, reportedAt: 0 };
      for (const [tool, version] of Object.entries(t.tools))
        place.tools[tool] = [...new Set([...(place.tools[tool] ?? []), version])].sort();
      place.reportedAt = Math.max(place.reportedAt, t.reportedAt);
      places.set(key, place);
    }
    return [...places.values()].sort((a, b) => `${a.arch}/${a.pool}`.localeCompare(`${b.arch}/${b.pool}`));
  }

  private async find(id: string): Promise<RunnerRecord> {
    const r = await this.storage.runners.findById(id);
    if (!r) throw new AppError('NOT_FOUND', `no runner ${id}`);
    return r;
  }

  /** A disabled runner's token stops working; builds it holds end when their lease runs out. */
  async setDisabled(caller: Principal, id: string, disabled: boolean): Promise<RunnerRecord> {
    this.requireOperator(caller);
    await this.find(id);
    await this.storage.runners.setDisabled(id, disabled);
    return this.find(id);
  }

  async remove(caller: Principal, id: string): Promise<void> {
    this.requireOperator(caller);
    await this.find(id);
    await this.storage.runners.delete(id);
    await this.storage.runners.deleteTools(`remote:${id}`);
  }

  /** The runner id a token belongs to (as leases name it: `remote:<id>`), or a 401. */
  async authenticate(token: string | undefined): Promise<string> {
    if (!token) throw unauthenticated('runner token not found (Authorization: Bearer <token>)');
    const runner = await this.storage.runners.findByTokenHash(tokenHash(token));
    if (!runner) throw unauthenticated('unknown runner token');
    if (runner.disabled) throw unauthenticated(`runner ${runner.name} is disabled`);
    const now = this.clock.now();
    if (runner.lastSeenAt === null || now - runner.lastSeenAt > 10_000)
      await this.storage.runners.touch(runner.id, now);
    return `remote:${runner.id}`;
  }
}
