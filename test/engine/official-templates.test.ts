import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OFFICIAL_TEMPLATES } from '../../src/domain/official-templates.ts';
import { TestRepo } from '../helpers/git.ts';
import { startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Kiln's official templates (issue 19) are working jobs: a job is created from each (its steps and
 * parameters as the template has them), and those whose toolchain the runner has run on a small
 * example repository of their stack, offline (the sandbox has no network), and succeed. Maven's
 * would fetch plugins and Go's and Gradle's toolchains are not on these machines: created, not run.
 */

/** A small repository each stack builds and tests without the network. */
const EXAMPLES: Record<string, Record<string, string>> = {
  shell: { 'README.md': 'hello\n' },
  npm: {
    'package.json': JSON.stringify({ name: 'example', version: '1.0.0', scripts: { test: 'node test.js' } }),
    'test.js': "require('assert').strictEqual(1 + 1, 2); console.log('npm test passed');\n",
  },
  python: {
    'test_math.py':
      'import unittest\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(1 + 1, 2)\n',
  },
  cmake: {
    'CMakeLists.txt':
      'cmake_minimum_required(VERSION 3.10)\nproject(example C)\nenable_testing()\nadd_executable(hello hello.c)\nadd_test(NAME hello COMMAND hello)\n',
    'hello.c': '#include <stdio.h>\nint main(void) { puts("hello from cmake"); return 0; }\n',
  },
  artifacts: { Makefile: 'all:\n\tmkdir -p dist && echo built > dist/app.txt\n' },
};
const RUN = new Set(Object.keys(EXAMPLES));

let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 2, env: { KILN_SANDBOX_NETWORK: 'off' } } });
});
afterAll(() => ek?.close());

it.each(OFFICIAL_TEMPLATES.map((t) => [t.name, t] as const))(
  'the %s template makes a job (run when its toolchain is here)',
  async (name, template) => {
    const repo = new TestRepo();
    repo.commit('example', EXAMPLES[name] ?? { 'README.md': 'x\n' });
    const job = await ek.newJob({
      job_name: `official-${name}`,
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: template.steps,
      parameters: template.parameters,
    });
    if (!RUN.has(name)) return;
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 90_000);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
    if (name === 'artifacts') {
      const kept = (await ek.get(`/v1/kiln/jobs/${job}/1/artifacts`)).json().result.artifacts;
      expect(kept.map((a: { name: string }) => a.name)).toEqual(['app.txt']);
    }
  },
  120_000,
);

it('runs on machines that have the toolchains the run list assumes', () => {
  for (const tool of ['npm', 'python3', 'cmake', 'make'])
    expect(() => execFileSync('sh', ['-c', `command -v ${tool}`])).not.toThrow();
});
