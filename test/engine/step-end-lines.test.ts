import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { newYamlJob, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Every step ends with Kiln's closing line and its duration, whoever carried it out: a shell step
 * in the sandbox, or an upload_artifact, download_artifact or action the runner carries out
 * itself, succeeded, failed, or failed and let go by ignore_fail. The line is the last of the
 * step's bytes, as ShowBuildRecordFullStages gives them (the dashboard folds a step there).
 */

const UPLOAD = 'devcloud2018.codeci_action_20018.action';
/** A duration as formatDuration writes it. */
const TOOK = String.raw`\d+(\.\d)? (ms|s)`;

/** A step's closing line: `step "make" succeeded in 56 ms`, `step "keep" failed after 3 ms`. */
const closing = (name: string, how: string) =>
  expect.stringMatching(new RegExp(`^\\[kiln\\] step "${name}" ${how} ${TOOK}$`));

interface Stage {
  execution_stage_name: string;
  log_start_offset: number;
  log_end_offset: number;
}

describe('closing lines of steps', () => {
  let ek: EngineKiln;
  let repo: TestRepo;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 } });
    repo = new TestRepo();
    repo.commit('sources', { 'README.md': 'sources\n' });
  });
  afterAll(() => ek?.close());

  /** The lines of a build's log from its first step's (past the checkout's) to its outcome's. */
  async function stepLines(job: string): Promise<string[]> {
    const lines = (await ek.log(job, 1)).split('\n');
    const first = lines.findIndex((l) => l.startsWith('[kiln] step 1/'));
    expect(first, lines.join('\n')).toBeGreaterThan(0);
    return lines.slice(first);
  }

  /** Each step's part of the log, as the stages' offsets cut it. */
  async function stageTexts(job: string): Promise<string[]> {
    const log = Buffer.from(await ek.log(job, 1), 'utf8');
    const record = (await ek.recordInfo(job, 1)).id;
    const stages = (await ek.get(`/v1/record/${record}/full-stages`)).json().result.build_stages as Record<
      string,
      Stage
    >;
    return Object.values(stages)
      .filter((s) => /^stage\d+$/.test(s.execution_stage_name) && s.log_start_offset >= 0)
      .map((s) => log.subarray(s.log_start_offset, s.log_end_offset).toString('utf8'));
  }

  it('ends uploads and downloads as it ends shell steps: succeeded, failed, failed and let go', async () => {
    const producer = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell('make', 'mkdir -p out && echo notes > out/notes.txt'),
        { module_id: UPLOAD, name: 'keep notes', properties: { file: 'out/*' } },
      ],
    });
    await ek.run(producer);
    const made = await ek.waitFinished(producer, 1, 60_000);
    expect(made.state, await ek.log(producer, 1)).toBe('SUCCESS');
    expect(await stepLines(producer)).toEqual([
      '[kiln] step 1/2 "make"',
      closing('make', 'succeeded in'),
      '[kiln] step 2/2 "keep notes"',
      expect.stringMatching(/^\[kiln\] kept out\/notes\.txt as artifact notes\.txt /),
      closing('keep notes', 'succeeded in'),
      '[kiln] build finished: SUCCESS',
      '',
    ]);

    const yaml = new TestRepo();
    yaml.commit('build.yml', {
      '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - download_artifact:
        name: fetch
        inputs:
          url: /v1/kiln/jobs/${producer}/1/artifacts/notes.txt
    - download_artifact:
        name: fetch missing
        inputs:
          url: /v1/kiln/jobs/${producer}/1/artifacts/none.txt
          ignore_fail: true
    - upload_artifact:
        name: keep
        inputs:
          path: "out/*"
`,
    });
    const consumer = await newYamlJob(ek, yaml.url);
    await ek.run(consumer);
    const r = await ek.waitFinished(consumer, 1, 60_000);
    const log = await ek.log(consumer, 1);
    expect(r.state, log).toBe('FAILURE');
    expect(await stepLines(consumer)).toEqual([
      '[kiln] step 1/3 "fetch"',
      expect.stringMatching(/^\[kiln\] downloaded artifact notes\.txt \(/),
      closing('fetch', 'succeeded in'),
      '[kiln] step 2/3 "fetch missing"',
      expect.stringMatching(/^\[kiln\] download_artifact failed: /),
      closing('fetch missing', 'failed after'),
      '[kiln] step "fetch missing" may fail (ignore_fail): going on',
      '[kiln] step 3/3 "keep"',
      '[kiln] upload_artifact: no file of the workspace matches "out/*"',
      closing('keep', 'failed after'),
      '[kiln] build finished: FAILURE',
      '',
    ]);
    const d = await ek.details(consumer, 1);
    expect(d.build_steps.map((s) => s.status)).toEqual(['success', 'error', 'error']);

    // Each step's bytes (ShowBuildRecordFullStages) run from its first line to its closing one.
    for (const [job, names] of [
      [producer, ['make', 'keep notes']],
      [consumer, ['fetch', 'fetch missing', 'keep']],
    ] as const) {
      const texts = await stageTexts(job);
      expect(texts).toHaveLength(names.length);
      texts.forEach((text, i) => {
        const own = text.trimEnd().split('\n');
        expect(own[0]).toBe(`[kiln] step ${i + 1}/${names.length} "${names[i]}"`);
        expect(own.at(-1)).toMatch(new RegExp(`^\\[kiln\\] step "${names[i]}" (succeeded in|failed after) `));
      });
    }
  }, 90_000);
});
