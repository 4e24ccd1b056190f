import { afterAll, beforeAll, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.ts';
import type { SandboxBackend } from '../../src/runner/sandbox.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * Probe: a runner that takes a build and then cannot start its sandbox (bubblewrap refused, the
 * disk full for the build's directories) keeps the lease it got and drops the build without a word
 * (runner.ts loop: the catch after `prepareSandbox` only logs and asks for more work). The build
 * sits claimed, Starting, until the lease sweep ends it ABORTED as if the runner had died, and the
 * same runner goes on claiming, and losing, the next builds.
 */
let ek: EngineKiln;
let clock: TestClock;
const LEASE_MS = 5_000;
beforeAll(async () => {
  clock = TestClock.live();
  ek = await startEngineKiln({ clock, leaseMs: LEASE_MS });
});
afterAll(() => ek?.close());

it('a build whose sandbox the runner could not start is handed back (or failed saying why), not held until the lease runs out', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);

  const base = await testRunnerOptions(1);
  const broken = Object.create(base.sandbox) as SandboxBackend;
  broken.openBuild = () => Promise.reject(new Error('bwrap: setting up uid map: Permission denied'));
  const failures: string[] = [];
  const bad = new Runner(ek.kiln.engine.dispatch.peer('local:broken'), {
    ...base,
    sandbox: broken,
    onError: (_e, context) => failures.push(context),
  });
  bad.start();
  await waitUntil('the failed start of the build', () => (failures.includes('running a build') ? true : undefined), 15_000);
  await bad.stop();

  // What the server knows now: the build must not be held by a runner that is not running it.
  const now = await ek.record(job, 1);
  const log = await ek.log(job, 1);
  // A healthy runner takes over; the lease of the broken one passes (as time would).
  const good = new Runner(ek.kiln.engine.dispatch.peer('local:good'), await testRunnerOptions(1));
  good.start();
  try {
    clock.advance(LEASE_MS + 1_000);
    await ek.kiln.engine.dispatch.expireLeases();
    const r = await ek.waitFinished(job, 1, 20_000);
    const finalLog = await ek.log(job, 1);
    // Either it ran on the healthy runner, or it failed naming the sandbox: never "runner lost".
    expect(finalLog, JSON.stringify({ recordBefore: now, logBefore: log })).not.toMatch(/was lost/);
    expect(['SUCCESS', 'FAILURE']).toContain(r.state);
  } finally {
    await good.stop();
  }
});
