import type { CliContext } from './context.ts';
import { CliError } from './context.ts';

/** Reads all of stdin as text (a password piped in, an import file). */
export async function readStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A secret from the flag (visible to other users in `ps`; for scripts), from stdin when it is
 * piped, or typed at a prompt that does not echo.
 */
export async function readSecret(
  ctx: CliContext,
  prompt: string,
  given: string | undefined,
): Promise<string> {
  if (given !== undefined) return given;
  if (!ctx.stdin.isTTY) {
    const text = (await readStdin(ctx)).replace(/\r?\n$/, '');
    if (text === '')
      throw new CliError(
        `${prompt.replace(/:\s*$/, '')} is required (pipe it on stdin or pass it as an option)`,
      );
    return text;
  }
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.err(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (key: string) => {
      for (const ch of key) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          ctx.err('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new CliError('cancelled'));
          return;
        }
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}
