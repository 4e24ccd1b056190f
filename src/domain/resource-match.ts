import type { YamlResource } from './build-yaml.ts';

/**
 * Whether a runner can give a build what its build.yml's `env.resource` asks for (spec §2.1).
 * CodeArts picks a cloud executor by type, arch, class and pool; Kiln's runners are the machines
 * their admins run: `arch` must be the runner's architecture, a `custom` (or `linux`) type's `pool`
 * must be the runner's pool (KILN_RUNNER_POOL), and `class` (a cloud executor size) is not a choice here: the
 * runner's limits apply. The build is read on the runner that claimed it: a request this runner
 * cannot meet sends the build back to the queue, marked with what it needs (`resourceNeeds`), for a
 * runner that can; when no runner known can, the build fails naming what was asked.
 */

export interface RunnerTraits {
  name: string;
  /** Node's process.arch of the runner. */
  arch: string;
  pool: string;
}

const ARCHES: Record<string, string> = {
  x86: 'x64',
  x86_64: 'x64',
  'x86-64': 'x64',
  amd64: 'x64',
  x64: 'x64',
  arm: 'arm64',
  arm64: 'arm64',
  aarch64: 'arm64',
};
const ARCH_NAMES: Record<string, string> = { x64: 'X86', arm64: 'ARM' };

/** A runner architecture (Node's process.arch) from any of the names CodeArts uses; undefined if none. */
export function runnerArchOf(name: string): string | undefined {
  return ARCHES[name.toLowerCase()];
}

/**
 * The `env.resource.type`s Kiln knows, lower-cased: `docker` runs anywhere, a pool type must be in
 * the `pool` given, an `os` type asks for a machine no Kiln runner is. CodeArts has `docker` (its
 * executors) and `custom` (an agent pool); its older English pages also list Linux and macOS pools.
 * Every Kiln runner is a Linux machine (its launcher and sandbox need Linux's /proc and
 * namespaces), so `linux` is a pool of them like `custom`, and macOS or Windows none can give.
 */
const RESOURCE_TYPES = new Map<string, 'any' | 'pool' | { os: string }>([
  ['docker', 'any'],
  ['custom', 'pool'],
  ['linux', 'pool'],
  ['macos', { os: 'macOS' }],
  ['mac', { os: 'macOS' }],
  ['windows', { os: 'Windows' }],
]);
const RUNNABLE_TYPES = [...RESOURCE_TYPES].filter(([, kind]) => typeof kind === 'string').map(([t]) => t);

/** What `env.resource.type` asks: any runner, one in the pool given, or why no runner can. */
function typeKind(resource: YamlResource): 'any' | 'pool' | { problem: string } {
  // Empty, like an empty arch, is the default (a `${param}` that was not given).
  const type = resource.type || 'docker';
  const kind = RESOURCE_TYPES.get(type.toLowerCase());
  if (kind === undefined)
    return {
      problem: `env.resource.type "${type}" is not ${RUNNABLE_TYPES.slice(0, -1).join(', ')} or ${RUNNABLE_TYPES.at(-1)}`,
    };
  if (typeof kind === 'object')
    return {
      problem: `env.resource.type "${type}" asks for a ${kind.os} machine; Kiln's runners are Linux machines`,
    };
  return kind;
}

/** What keeps the runner from running the build, or undefined when it can. */
export function resourceProblem(
  resource: YamlResource | undefined,
  runner: RunnerTraits,
): string | undefined {
  if (!resource) return undefined;
  // What no runner can give comes first: it is what the build's failure must name.
  const kind = typeKind(resource);
  if (typeof kind === 'object') return kind.problem;
  if (resource.arch !== undefined && resource.arch !== '') {
    const wanted = runnerArchOf(resource.arch);
    if (!wanted) return `env.resource.arch "${resource.arch}" is not X86 or ARM`;
    if (wanted !== runner.arch)
      return `the build asks for arch ${resource.arch} (env.resource.arch); runner ${runner.name} is ${ARCH_NAMES[runner.arch] ?? runner.arch}`;
  }
  if (kind === 'pool' && resource.pool && resource.pool !== runner.pool)
    return `the build asks for pool ${resource.pool} (env.resource.pool); runner ${runner.name} is in pool ${runner.pool}`;
  return undefined;
}

/** Where a build must run: a runner's arch (Node's process.arch) and pool; absent means any. */
export interface RunnerPlace {
  arch?: string;
  pool?: string;
}

/**
 * What `env.resource` asks of the runner, as a runner announces itself (arch as process.arch);
 * undefined when it asks nothing a runner could differ in, or when it is not valid (no runner can).
 */
export function resourceNeeds(resource: YamlResource | undefined): RunnerPlace | undefined {
  if (!resource) return undefined;
  const needs: RunnerPlace = {};
  if (resource.arch !== undefined && resource.arch !== '') {
    const arch = ARCHES[resource.arch.toLowerCase()];
    if (!arch) return undefined;
    needs.arch = arch;
  }
  const kind = typeKind(resource);
  if (typeof kind === 'object') return undefined;
  if (kind === 'pool' && resource.pool) needs.pool = resource.pool;
  return needs.arch === undefined && needs.pool === undefined ? undefined : needs;
}

/** Whether a runner at `place` meets `needs`. */
export function meetsNeeds(needs: RunnerPlace, place: RunnerPlace): boolean {
  return (
    (needs.arch === undefined || needs.arch === place.arch) &&
    (needs.pool === undefined || needs.pool === place.pool)
  );
}

/** The needs in words, as a build.yml would write them: `arch ARM, pool big`. */
export function describeNeeds(needs: RunnerPlace): string {
  const parts: string[] = [];
  if (needs.arch !== undefined) parts.push(`arch ${ARCH_NAMES[needs.arch] ?? needs.arch}`);
  if (needs.pool !== undefined) parts.push(`pool ${needs.pool}`);
  return parts.join(', ');
}
