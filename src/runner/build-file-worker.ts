import { parentPort } from 'node:worker_threads';
import { buildYamlSteps } from './yaml-steps.ts';

/**
 * The thread that reads code-based builds' files (build-file-reader.ts): each message is the
 * arguments of buildYamlSteps, each answer its result or why it failed (an error of Kiln's own: a
 * file's mistakes are in the result).
 */
parentPort?.on('message', ({ id, args }: { id: number; args: Parameters<typeof buildYamlSteps> }) => {
  try {
    parentPort?.postMessage({ id, result: buildYamlSteps(...args) });
  } catch (error) {
    parentPort?.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
