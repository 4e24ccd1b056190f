import { Worker } from 'node:worker_threads';
import type { buildYamlSteps, YamlSteps } from './yaml-steps.ts';

/**
 * Reads code-based builds' files (buildYamlSteps) on a thread of their own, never on the runner's
 * event loop, which is the server's for its own runner: a build.yml is anyone's who may push to
 * the repository, and reading a large one takes the YAML library a third of a second or more (a
 * flow reads a file per job), during which the server would answer no request and send no
 * heartbeat. One thread for the process, started on first use and ended after a minute unused. A
 * read that takes longer than `READ_TIMEOUT_MS` from its start fails its build; the thread is
 * replaced, and the reads queued behind it go to the new one.
 */

const READ_TIMEOUT_MS = 60_000;
const IDLE_MS = 60_000;

type Args = Parameters<typeof buildYamlSteps>;
type Answer =
  { id: number; started: true } | { id: number; result: YamlSteps } | { id: number; error: string };

interface Read {
  args: Args;
  resolve(steps: YamlSteps): void;
  reject(error: Error): void;
  /** Set once the thread starts on it. */
  timer?: NodeJS.Timeout;
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 1;
const reads = new Map<number, Read>();

/**
 * The worker's module beside this one: compiled JavaScript in the bundle (dist/cmd), TypeScript
 * in the sources (tests), which tsx loads (resolved from the working directory: the project's,
 * where tests run).
 */
function startWorker(): Worker {
  const own = import.meta.url;
  const started = own.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(new URL('./build-file-worker.ts', own).href)}, ${JSON.stringify(own)}))`,
        { eval: true },
      )
    : new Worker(new URL('./build-file-worker.js', own));
  started.on('message', (answer: Answer) => {
    const read = reads.get(answer.id);
    if (!read) return;
    if ('started' in answer) {
      read.timer = setTimeout(() => timedOut(answer.id), READ_TIMEOUT_MS).unref();
      return;
    }
    reads.delete(answer.id);
    clearTimeout(read.timer);
    if ('error' in answer) read.reject(new Error(`reading the build file failed: ${answer.error}`));
    else read.resolve(answer.result);
    if (reads.size === 0) idle = setTimeout(() => void stopWorker(), IDLE_MS).unref();
  });
  const lost = (error: Error) => {
    if (worker !== started) return;
    worker = undefined;
    for (const [id, read] of reads) {
      reads.delete(id);
      clearTimeout(read.timer);
      read.reject(error);
    }
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the build file reader's thread exited (code ${code})`)));
  // Unreferenced only now, after the 'message' listener: adding that listener references the
  // thread's port again, and a port referenced keeps the process alive after a shutdown (a server
  // that had read a build.yml waited for its 15 s limit and exited with 1).
  started.unref();
  return started;
}

async function stopWorker(): Promise<void> {
  const stopping = worker;
  worker = undefined;
  await stopping?.terminate();
}

/** The read the thread is stuck on fails; the thread is replaced and takes the others. */
function timedOut(id: number): void {
  const read = reads.get(id);
  if (!read) return;
  reads.delete(id);
  read.reject(new Error(`reading the build file took longer than ${READ_TIMEOUT_MS / 1000} s`));
  void stopWorker();
  if (reads.size === 0) return;
  worker = startWorker();
  for (const [other, queued] of reads) worker.postMessage({ id: other, args: queued.args });
}

/** buildYamlSteps, on the reader's thread. */
export function readBuildFile(...args: Args): Promise<YamlSteps> {
  clearTimeout(idle);
  worker ??= startWorker();
  const id = nextId++;
  const on = worker;
  return new Promise<YamlSteps>((resolve, reject) => {
    reads.set(id, { args, resolve, reject });
    on.postMessage({ id, args });
  });
}
