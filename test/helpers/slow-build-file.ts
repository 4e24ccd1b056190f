import { Worker } from 'node:worker_threads';
import type { buildYamlSteps } from '../../src/runner/yaml-steps.ts';

/**
 * Build files that take the YAML reader seconds, within its limits: a file of 256 KB whose 100
 * aliases (the most it allows) each make the YAML library walk the whole document, a list of
 * 127,000 values, to find its anchor (three seconds of a core here); a BuildFlow multiplies that
 * by its jobs, each file read in turn.
 */

/** One valid single-job build.yml, just under 256 KB, with 100 aliases over a long list. */
export function slowBuildYaml(): string {
  const head = 'version: 2.0\nsteps:\n  BUILD:\n    - sh: &step {name: slow, inputs: {command: echo}}\n';
  const list = 'a,'.repeat((250_000 - head.length) / 2);
  return `${head}buildspace: {aliases: [${'*step,'.repeat(99)}*step], list: [${list}a]}\n`;
}

/** A flow of `jobs` jobs, each its own copy of slowBuildYaml (one blob in git), under `dir`. */
export function slowFlowFiles(dir: string, jobs: number): Record<string, string> {
  const files: Record<string, string> = {};
  const slow = slowBuildYaml();
  const lines = ['version: 2.0', 'buildflow:', '  jobs:'];
  for (let i = 1; i <= jobs; i++) {
    files[`${dir}/j${i}.yml`] = slow;
    lines.push(`    - {job: j${i}, build_ref: ${dir}/j${i}.yml}`);
  }
  files[`${dir}/flow.yml`] = `${lines.join('\n')}\n`;
  return files;
}

/** A read on a thread of the test's own, begun (its own thread started) when `begun` settles. */
export interface ReferenceRead {
  begun: Promise<void>;
  /** True once the read has its answer. */
  done(): boolean;
  stop(): Promise<number>;
}

/**
 * Reads a file as the runner does (buildYamlSteps), on a thread of its own: the yardstick for a
 * read under way elsewhere, as the same work begun no later.
 */
export function referenceRead(...args: Parameters<typeof buildYamlSteps>): ReferenceRead {
  const module = new URL('../../src/runner/yaml-steps.ts', import.meta.url).href;
  // Set by the thread itself as the read ends: seen at once, where a message could still be on its way.
  const ended = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import('tsx/esm/api')
       .then((tsx) => tsx.tsImport(${JSON.stringify(module)}, ${JSON.stringify(import.meta.url)}))
       .then(({ buildYamlSteps }) => {
         parentPort.postMessage('begun');
         buildYamlSteps(...workerData.args);
         Atomics.store(workerData.ended, 0, 1);
       });`,
    { eval: true, workerData: { args, ended } },
  );
  const begun = new Promise<void>((resolve, reject) => {
    worker.on('message', () => resolve());
    worker.on('error', reject);
  });
  return { begun, done: () => Atomics.load(ended, 0) === 1, stop: () => worker.terminate() };
}
