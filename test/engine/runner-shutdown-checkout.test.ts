import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, sleep, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * A runner stopped (SIGTERM of `kiln serve` or `kiln runner`, a rolling restart) while a build is
 * still checking out: nothing of the build ran, so it goes back to its place in the queue, as it
 * does when the runner dies then (a crash), instead of ending ABORTED because of the restart.
 */
let ek: EngineKiln;
let silent: Server;
const held: Socket[] = [];
let url = '';
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live(), leaseMs: 60_000 });
  // A git server that takes the connection and never answers: the checkout waits on it.
  silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  url = `git://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/repo.git`;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await ek?.close();
});

it('a build still checking out when its runner stops goes back to the queue, not ABORTED', async () => {
  const job = await ek.newJob({
    scms: [{ url, scm_type: 'git', branch: 'main' }],
    steps: [shell('never', 'echo ran')],
  });
  const runner = new Runner(ek.kiln.engine.dispatch.peer('local:restarting'), await testRunnerOptions(1));
  runner.start();
  await ek.run(job);
  const deadline = Date.now() + 30_000;
  while (!(await ek.log(job, 1)).includes("into the runner's mirror")) {
    if (Date.now() > deadline) throw new Error(`the checkout never began: ${await ek.log(job, 1)}`);
    await sleep(50);
  }
  await runner.stop();

  expect(await ek.record(job, 1)).toMatchObject({ job_running_status: 'Starting', state: '' });
  const queue = (await ek.get('/v1/kiln/queue')).json().result.builds as { job_id: string }[];
  expect(queue.find((q) => q.job_id === job)).toMatchObject({ status: 'queued', position: 1, runner: '' });
  const log = await ek.log(job, 1);
  expect(log).toContain('checkout interrupted (the runner is stopping); the build goes back to the queue');
  expect(log).not.toContain('build finished');
});
