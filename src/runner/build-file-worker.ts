import { parentPort } from 'node:worker_threads';
import { buildYamlSteps } from './yaml-steps.ts';

/**
 * The thread that reads code-based builds' files (build-file-reader.ts): for each message, the
 * arguments of buildYamlSteps, it says that it started (the read's time runs from there), then
 * answers its result, or what went wrong in Kiln's own code (a file's mistakes are in the result;
 * the message only: a stack would show the runner's paths in the build log).
 */
parentPort?.on('message', ({ id, args }: { id: number; args: Parameters<typeof buildYamlSteps> }) => {
  parentPort?.postMessage({ id, started: true });
  try {
    parentPort?.postMessage({ id, result: buildYamlSteps(...args) });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
