import type { RunnerToolsRecord, Storage } from '../storage/ports.ts';

/**
 * Which runner ran a build, as anyone who may read the build may be told: the runner's name, and
 * the architecture and pool it announced, never its id, token or host. The server's own runner
 * claims builds as `local:<name>`, a registered one as `remote:<runner id>`.
 */
export interface BuildRunner {
  name: string;
  kind: 'server' | 'remote';
  arch: string;
  pool: string;
}

const LOCAL = 'local:';
const REMOTE = 'remote:';

/**
 * The runner a build was given to (`runnerId` as the build row keeps it), or undefined for none.
 * `tools`: the runners' announcements, when the caller has read them already (several builds).
 */
export async function buildRunner(
  storage: Storage,
  runnerId: string | null,
  tools?: RunnerToolsRecord[],
): Promise<BuildRunner | undefined> {
  if (!runnerId) return undefined;
  const announced = (tools ?? (await storage.runners.listTools())).find((t) => t.runnerId === runnerId);
  const place = { arch: announced?.arch ?? '', pool: announced?.pool ?? '' };
  if (runnerId.startsWith(LOCAL)) return { name: runnerId.slice(LOCAL.length), kind: 'server', ...place };
  const id = runnerId.startsWith(REMOTE) ? runnerId.slice(REMOTE.length) : runnerId;
  const runner = await storage.runners.findById(id);
  // A runner removed since has no name any more ('').
  return { name: runner?.name ?? '', kind: 'remote', ...place };
}

/** How a log line names it: "runner NAME", "the server's own runner NAME", or that it is gone. */
export function runnerLabel(runner: BuildRunner | undefined): string {
  if (!runner) return 'the runner';
  if (runner.kind === 'server') return `the server's own runner ${runner.name}`;
  return runner.name ? `runner ${runner.name}` : 'a runner no longer registered';
}
