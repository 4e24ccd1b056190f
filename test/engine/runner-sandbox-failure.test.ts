import { afterAll, beforeAll, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.ts';
import type { Sandbox, SandboxBackend } from '../../src/runner/sandbox.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * A runner that cannot start a build's sandbox (bubblewrap refused, the disk full for the build's
 * directories) takes no build it cannot run: it claims work only with a sandbox started, and tries
 * again to start one until it can, leaving the queue to other runners. When the sandbox it had
 * ready ended while it waited and a new one will not start, the build it just claimed goes back to
 * its place in the queue (a fault of the machine, not of the build), instead of being held until
 * its lease runs out (ABORTED, "runner lost"). The lease is long: nothing here waits for it.
 */
let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live(), leaseMs: 60_000 });
});
afterAll(() => ek?.close());

const REFUSED = 'bwrap: setting up uid map: Permission denied';

/** A real sandbox with some of its methods replaced. */
function withSandbox(real: Sandbox, replaced: Partial<Pick<Sandbox, 'exec' | 'alive'>>): Sandbox {
  return {
    inside: real.inside,
    exec: (command, onOutput, signal) => real.exec(command, onOutput, signal),
    processes: () => real.processes(),
    pids: () => real.pids(),
    alive: () => real.alive(),
    close: () => real.close(),
    ...replaced,
  };
}

/** The test runner's options with `openBuild` replaced. */
async function optionsWith(openBuild: SandboxBackend['openBuild'], onError: (context: string) => void) {
  const base = await testRunnerOptions(1);
  const sandbox = Object.create(base.sandbox) as SandboxBackend;
  sandbox.openBuild = openBuild;
  return { ...base, sandbox, onError: (_e: unknown, context: string) => onError(context) };
}

it('a runner that cannot start sandboxes claims no build; a healthy runner runs it', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  await ek.run(job);
  // Told once the broken runner has failed to start a sandbox twice (it went on trying, not
  // claiming), or has failed at anything else.
  const contexts: string[] = [];
  let told: () => void = () => {};
  const failedTwice = new Promise<void>((resolve) => (told = resolve));
  const broken = new Runner(
    ek.kiln.engine.dispatch.peer('local:broken'),
    await optionsWith(
      () => Promise.reject(new Error(REFUSED)),
      (context) => {
        contexts.push(context);
        if (contexts.length === 2 || context !== 'starting a sandbox') told();
      },
    ),
  );
  broken.start();
  await failedTwice;
  await broken.stop();
  expect(contexts.slice(0, 2)).toEqual(['starting a sandbox', 'starting a sandbox']);
  const queue = (await ek.get('/v1/kiln/queue')).json().result.builds as { job_id: string }[];
  expect(queue.find((q) => q.job_id === job)).toMatchObject({ status: 'queued', runner: '' });

  const good = new Runner(ek.kiln.engine.dispatch.peer('local:good'), await testRunnerOptions(1));
  good.start();
  try {
    const r = await ek.waitFinished(job, 1, 20_000);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
  } finally {
    await good.stop();
  }
});

it('a build whose sandbox cannot be started after its claim goes back to the queue, and runs once one starts', async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  // The first sandbox starts, then ends while its slot waits for work; the next one will not
  // start; the one after that does.
  const base = (await testRunnerOptions(1)).sandbox;
  let opened = 0;
  const contexts: string[] = [];
  const runner = new Runner(
    ek.kiln.engine.dispatch.peer('local:ended'),
    await optionsWith(
      async (spec) => {
        const n = ++opened;
        if (n === 2) throw new Error(REFUSED);
        const real = await base.openBuild(spec);
        if (n > 2) return real;
        return withSandbox(real, { alive: () => false });
      },
      (context) => contexts.push(context),
    ),
  );
  runner.start();
  try {
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 20_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log).toContain('ran-ok');
    expect(log).not.toContain(REFUSED);
    expect(contexts).toContain("starting a build's sandbox");
    expect(opened).toBeGreaterThanOrEqual(3);
  } finally {
    await runner.stop();
  }
});

it("a fault of the runner during a build fails the build, saying so in its log and in the runner's", async () => {
  const job = await ek.newJob({ scms: [], steps: [shell('ok', 'echo ran-ok')] });
  const base = (await testRunnerOptions(1)).sandbox;
  const contexts: string[] = [];
  const runner = new Runner(
    ek.kiln.engine.dispatch.peer('local:faulty'),
    await optionsWith(
      async (spec) => {
        const real = await base.openBuild(spec);
        return withSandbox(real, { exec: () => Promise.reject(new Error('the launcher went away')) });
      },
      (context) => contexts.push(context),
    ),
  );
  runner.start();
  try {
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 20_000);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain('the runner failed: the launcher went away');
    // The runner's own log line says what happened (the build's ids are its fields).
    expect(contexts).toContain('the runner failed while running the build');
  } finally {
    await runner.stop();
  }
});
