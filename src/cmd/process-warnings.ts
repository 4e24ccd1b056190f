import type { Logger } from 'pino';

/**
 * Sends the process's warnings (`process.emitWarning`: Node's deprecations, a library's notice
 * such as the AWS SDK's about the Node versions it will support) to the JSON log as one `warn`
 * line each, instead of Node's own lines of plain text on stderr, which land between the JSON
 * lines of `kiln serve` and `kiln runner` and break whatever reads them. For the long-running
 * commands only: a client command's warnings stay Node's.
 */
export function logProcessWarnings(logger: Logger): void {
  // Node's printer is the one listener it adds; with it gone, only this one speaks.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const code = (warning as Error & { code?: string }).code;
    logger.warn({ warning: warning.name, ...(code && { code }) }, warning.message);
  });
}
