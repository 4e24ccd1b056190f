import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { TestRepo } from '../helpers/git.ts';
import { rawDatabaseText } from '../helpers/raw-database.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Secrets are stored sealed with the server's key and never shown: a sensitive default (in the job
 * document), a sensitive value given at run time (in the build's plan) and credentials in the
 * repository URL are nowhere in the database in the clear, yet the build gets them; the log shows
 * no URL credentials, whether Kiln prints the URL, git does, or a step does.
 */

const DEFAULT_SECRET = 'dflt-7c1e-secret';
const RUN_SECRET = 'run-4d2a-secret';
const REPO_TOKEN = 'tok3n-user-abc123';
const STEP_PASSWORD = 'p4ss-word-xyz';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A shell test that `$name` holds `value`, without printing it. */
const holds = (name: string, value: string) =>
  `[ "$(printf %s "$${name}" | sha256sum | cut -c1-64)" = "${sha256(value)}" ]`;

describeEachStore('secrets at rest and in logs', (store) => {
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    ek = await startEngineKiln({ store, runner: { slots: 2 } });
    repo = new TestRepo();
    repo.commit('first');
  });
  afterAll(() => ek?.close());

  it('stores sensitive defaults and run-time values sealed, and the build still gets them', async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      parameters: [
        param('DEFAULT_SECRET', DEFAULT_SECRET, true),
        param('RUN_SECRET', 'replaced-at-run-time', true),
        param('PLAIN', 'plain-value'),
      ],
      steps: [
        shell('check', `${holds('DEFAULT_SECRET', DEFAULT_SECRET)}\n${holds('RUN_SECRET', RUN_SECRET)}`),
        shell('print', 'echo "default=$DEFAULT_SECRET run=$RUN_SECRET plain=$PLAIN"'),
      ],
    });
    await ek.run(job, { parameter: [{ name: 'RUN_SECRET', value: RUN_SECRET }] });
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(log).not.toContain(DEFAULT_SECRET);
    expect(log).not.toContain(RUN_SECRET);

    const raw = await rawDatabaseText(ek.kiln.databaseUrl);
    expect(raw).toContain('plain-value');
    expect(raw).not.toContain(DEFAULT_SECRET);
    expect(raw).not.toContain(RUN_SECRET);
  });

  it('masks URL credentials in the log: Kiln printing the URL, git failing on it, a step echoing one', async () => {
    const job = await ek.newJob({
      scms: [{ url: `https://${REPO_TOKEN}@127.0.0.1:9/team/none.git`, scm_type: 'git', branch: 'main' }],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain('https://******@127.0.0.1:9/team/none.git');
    expect(log).not.toContain(REPO_TOKEN);
    expect(await rawDatabaseText(ek.kiln.databaseUrl)).not.toContain(REPO_TOKEN);

    const echo = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell(
          'echo',
          `echo "remote: https://deploy:${STEP_PASSWORD}@example.com/r.git and ssh://git@host/r"`,
        ),
      ],
    });
    await ek.run(echo);
    expect((await ek.waitFinished(echo, 1)).state).toBe('SUCCESS');
    const echoed = await ek.log(echo, 1);
    expect(echoed).toContain('remote: https://******@example.com/r.git and ssh://git@host/r');
    expect(echoed).not.toContain(STEP_PASSWORD);
  });
});
