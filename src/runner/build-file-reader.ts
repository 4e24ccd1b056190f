import { Worker } from 'node:worker_threads';
import type { buildYamlSteps, YamlSteps } from './yaml-steps.ts';

/**
 * Reads code-based builds' files (buildYamlSteps) on a thread of their own, never on the runner's
 * event loop, which is the server's for its own runner: a build.yml is anyone's who may push to
 * the repository, and reading a large one takes the YAML library a third of a second or more (a
 * flow reads a file per job), during which the server would answer no request and send no
 * heartbeat. One thread for the process, started on first use and ended after a minute unused. A
 * read that takes longer than `READ_TIMEOUT_MS` from its start fails its build; the thread is
 * replaced, and the reads waiting behind it go to the new one.
 *
 * The reads wait here, and the thread gets one at a time: a build stopped while its read waits
 * drops it (a message posted to the thread could not be taken back, and the thread would spend
 * up to the timeout on it), and one stopped while the thread works on it ends at once, the thread
 * replaced as for a timeout, so that a stop never waits for a hostile file to be read.
 */

const READ_TIMEOUT_MS = 60_000;
const IDLE_MS = 60_000;

type Args = Parameters<typeof buildYamlSteps>;
type Answer =
  { id: number; started: true } | { id: number; result: YamlSteps } | { id: number; error: string };

interface Read {
  id: number;
  args: Args;
  /** Each settles the read once and removes its listener on the build's signal. */
  resolve(steps: YamlSteps): void;
  reject(error: Error): void;
  /** Set once the thread starts on it. */
  timer?: NodeJS.Timeout;
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 1;
/** The read the thread has (or was sent), and those waiting for it, in order. */
let current: Read | undefined;
const waiting: Read[] = [];

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
    const read = current;
    if (worker !== started || read?.id !== answer.id) return;
    if ('started' in answer) {
      read.timer = setTimeout(() => timedOut(read), READ_TIMEOUT_MS).unref();
      return;
    }
    current = undefined;
    clearTimeout(read.timer);
    if ('error' in answer) read.reject(new Error(`reading the build file failed: ${answer.error}`));
    else read.resolve(answer.result);
    next();
  });
  // The thread failed (out of memory, say) on the read it had: that read fails; the ones waiting,
  // never sent to it, go to a new thread.
  const lost = (error: Error) => {
    if (worker !== started) return;
    worker = undefined;
    const read = current;
    current = undefined;
    if (read) {
      clearTimeout(read.timer);
      read.reject(error);
    }
    next();
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the build file reader's thread exited (code ${code})`)));
  // Unreferenced only now, after the 'message' listener: adding that listener references the
  // thread's port again, and a port referenced keeps the process alive after a shutdown (a server
  // that had read a build.yml waited for its 15 s limit and exited with 1).
  started.unref();
  return started;
}

/** Sends the thread the next read waiting, if it is free; ends it after a while unused. */
function next(): void {
  if (current) return;
  current = waiting.shift();
  if (!current) {
    clearTimeout(idle);
    if (worker) idle = setTimeout(() => void stopWorker(), IDLE_MS).unref();
    return;
  }
  clearTimeout(idle);
  worker ??= startWorker();
  worker.postMessage({ id: current.id, args: current.args });
}

async function stopWorker(): Promise<void> {
  const stopping = worker;
  worker = undefined;
  await stopping?.terminate();
}

/** The thread's read ends with `error` at once: the thread is ended, and a new one takes the rest. */
function abandonCurrent(error: Error): void {
  const read = current;
  if (!read) return;
  current = undefined;
  clearTimeout(read.timer);
  read.reject(error);
  void stopWorker();
  next();
}

function timedOut(read: Read): void {
  if (current !== read) return;
  abandonCurrent(new Error(`reading the build file took longer than ${READ_TIMEOUT_MS / 1000} s`));
}

/** A read whose build stopped: dropped while it waits, abandoned (the thread replaced) once sent. */
function stopped(read: Read): void {
  const error = new Error('reading the build file was stopped');
  if (current === read) return abandonCurrent(error);
  const at = waiting.indexOf(read);
  if (at < 0) return;
  waiting.splice(at, 1);
  read.reject(error);
}

/**
 * buildYamlSteps, on the reader's thread. `signal` is the build's: when it aborts before the read
 * has an answer, the read is rejected at once (and costs the thread nothing more).
 */
export function readBuildFile(signal: AbortSignal, ...args: Args): Promise<YamlSteps> {
  if (signal.aborted) return Promise.reject(new Error('reading the build file was stopped'));
  return new Promise<YamlSteps>((resolve, reject) => {
    const onAbort = () => stopped(read);
    const read: Read = {
      id: nextId++,
      args,
      resolve(steps) {
        signal.removeEventListener('abort', onAbort);
        resolve(steps);
      },
      reject(error) {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiting.push(read);
    next();
  });
}
