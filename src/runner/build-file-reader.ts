import { Worker } from 'node:worker_threads';
import type { buildYamlSteps, YamlSteps } from './yaml-steps.ts';

/**
 * Reads code-based builds' files (buildYamlSteps) on a thread of their own, never on the runner's
 * event loop, which is the server's for its own runner: a build.yml is anyone's who may push to
 * the repository, and reading a large one takes the YAML library a third of a second or more (a
 * flow reads a file per job), during which the server would answer no request and send no
 * heartbeat. One thread for the process, started on first use and ended after a minute unused; a
 * read that takes longer than `READ_TIMEOUT_MS` ends the thread and fails that build.
 */

const READ_TIMEOUT_MS = 60_000;
const IDLE_MS = 60_000;

type Args = Parameters<typeof buildYamlSteps>;
type Answer = { id: number; result: YamlSteps } | { id: number; error: string };

interface Waiting {
  resolve(steps: YamlSteps): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 1;
const waiting = new Map<number, Waiting>();

/**
 * The worker's module beside this one: compiled JavaScript in the bundle (dist/cmd), TypeScript
 * in the sources (tests), which tsx loads.
 */
function startWorker(): Worker {
  const own = import.meta.url;
  const started = own.endsWith('.ts')
    ? new Worker(
        // (resolved from the working directory: the project's, where tests run)
        `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(new URL('./build-file-worker.ts', own).href)}, ${JSON.stringify(own)}))`,
        { eval: true },
      )
    : new Worker(new URL('./build-file-worker.js', own));
  started.unref();
  started.on('message', (answer: Answer) => {
    const entry = waiting.get(answer.id);
    if (!entry) return;
    waiting.delete(answer.id);
    clearTimeout(entry.timer);
    if ('error' in answer) entry.reject(new Error(`reading the build file failed: ${answer.error}`));
    else entry.resolve(answer.result);
    if (waiting.size === 0) idle = setTimeout(() => void stopWorker(), IDLE_MS).unref();
  });
  const lost = (error: Error) => {
    if (worker !== started) return;
    worker = undefined;
    for (const [id, entry] of waiting) {
      waiting.delete(id);
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the build file reader's thread exited (code ${code})`)));
  return started;
}

async function stopWorker(): Promise<void> {
  const stopping = worker;
  worker = undefined;
  await stopping?.terminate();
}

/** buildYamlSteps, on the reader's thread. */
export function readBuildFile(...args: Args): Promise<YamlSteps> {
  clearTimeout(idle);
  worker ??= startWorker();
  const id = nextId++;
  const on = worker;
  return new Promise<YamlSteps>((resolve, reject) => {
    const timer = setTimeout(() => {
      // The thread is stuck on this file: it ends (the reads it had queued fail with it).
      waiting.delete(id);
      reject(new Error(`reading the build file took longer than ${READ_TIMEOUT_MS / 1000} s`));
      if (worker === on) void stopWorker();
      for (const [other, entry] of waiting) {
        waiting.delete(other);
        clearTimeout(entry.timer);
        entry.reject(new Error('the build file reader was restarted'));
      }
    }, READ_TIMEOUT_MS).unref();
    waiting.set(id, { resolve, reject, timer });
    on.postMessage({ id, args });
  });
}
