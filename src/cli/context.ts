import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { akskCredentials } from '../client/aksk-signer.ts';
import { createKilnClient, type Kiln } from '../client/kiln-client.ts';
import { terminalText } from '../domain/control-chars.ts';
import { maskUrlCredentials, urlUserinfo } from '../domain/url-credentials.ts';

/** Where the CLI keeps its login: `$XDG_CONFIG_HOME/kiln/credentials.json` (mode 0600). */
export function credentialsPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'kiln', 'credentials.json');
}

/** A saved login. */
export interface SavedLogin {
  url: string;
  token: string;
  user: string;
  expires_at: string;
}

/** Exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  buildFailed: 10,
  buildAborted: 11,
  buildTimeout: 12,
  /** Ctrl-C while following a log (the build keeps running) or during a download. */
  interrupted: 130,
} as const;

/** A failure with the exit code to leave with and a message that says what to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What every command runs with: I/O, environment and the client. */
export interface CliContext {
  env: Record<string, string | undefined>;
  /**
   * Writes output. On a terminal, what would act on it (ESC, C1, a lone CR, bidi overrides) in text
   * from the server (names, descriptions, messages, whoever wrote them) is shown as escapes;
   * to a file or a pipe it is written exactly (data for programs).
   */
  out: (text: string) => void;
  /** Writes a build's log as the build wrote it (its colours and progress lines work). */
  log: (text: string) => void;
  err: (text: string) => void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** True when stderr is a terminal (progress bars go there). */
  interactive: boolean;
  /** The server URL: --url, KILN_URL, the saved login, or http://127.0.0.1:8080. */
  url(override?: string): string;
  /** A client with the saved or KILN_TOKEN credentials; fails with advice when there are none. */
  client(override?: string): Kiln;
  saveLogin(login: SavedLogin): void;
  forgetLogin(): SavedLogin | undefined;
  savedLogin(): SavedLogin | undefined;
}

/** Whether two server URLs name the same server: scheme, host, port and path, as URL parsing sees them. */
export function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const parsed = new URL(u);
      return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    } catch {
      return u.replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

/**
 * The file's content when it is a login, else undefined (as when there is no file): a hand-edited
 * or foreign file without a text `url` and `token` would otherwise fail every command with a
 * JavaScript error instead of "not logged in"; `kiln login` replaces it.
 */
function asSavedLogin(value: unknown): SavedLogin | undefined {
  const login = value as Partial<SavedLogin> | null;
  return typeof login?.url === 'string' && typeof login.token === 'string'
    ? (login as SavedLogin)
    : undefined;
}

/** The real context of a CLI process. */
export function processContext(): CliContext {
  const env = process.env;
  const file = credentialsPath(env);
  const saved = (): SavedLogin | undefined => {
    try {
      return asSavedLogin(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      return undefined;
    }
  };
  const url = (override?: string) => {
    const chosen = override || env.KILN_URL || saved()?.url || 'http://127.0.0.1:8080';
    // Without a scheme the request would fail as if no server answered.
    if (!/^https?:\/\//i.test(chosen))
      throw new CliError(
        `the server URL "${maskUrlCredentials(chosen)}" must start with http:// or https:// (--url or KILN_URL)`,
        EXIT.usage,
      );
    // fetch refuses such a URL, which read as a server that is down, the password in the message.
    if (urlUserinfo(chosen) !== undefined)
      throw new CliError(
        `the server URL "${maskUrlCredentials(chosen)}" must not hold a user name or password: sign in with \`kiln login\` (--url or KILN_URL)`,
        EXIT.usage,
      );
    return chosen.replace(/\/+$/, '');
  };
  // `kiln records --all | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    env,
    out: (t) => process.stdout.write(process.stdout.isTTY ? terminalText(t) : t),
    log: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdin: process.stdin,
    interactive: Boolean(process.stderr.isTTY),
    url,
    client(override) {
      // An access key does not expire like a token: the way for CI jobs.
      if (env.KILN_AK && env.KILN_SK) {
        return createKilnClient({
          baseUrl: url(override),
          credentials: akskCredentials(env.KILN_AK, env.KILN_SK, env.KILN_PROJECT_ID),
        });
      }
      const target = url(override);
      if (env.KILN_TOKEN)
        return createKilnClient({ baseUrl: target, credentials: { token: env.KILN_TOKEN } });
      const login = saved();
      if (!login)
        throw new CliError('not logged in: run `kiln login` (or set KILN_TOKEN, or KILN_AK and KILN_SK)');
      // A saved token goes only to the server that issued it: another URL (a KILN_URL left over,
      // a typo, a server someone asked you to try) would otherwise receive a working credential.
      if (!sameServer(login.url, target))
        throw new CliError(
          `the saved login is for ${login.url}, not ${target}: its token is not sent elsewhere; ` +
            `run \`kiln login --url ${target}\` (or set KILN_TOKEN)`,
        );
      return createKilnClient({ baseUrl: target, credentials: { token: login.token } });
    },
    saveLogin(login) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Written whole to a new file of mode 0600, then renamed over the old: the token is never in
      // a file others may read (an older file left 0644), nor written through a symbolic link
      // planted at the file's name.
      const fresh = `${file}.${process.pid}.tmp`;
      rmSync(fresh, { force: true });
      writeFileSync(fresh, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(fresh, file);
    },
    forgetLogin() {
      const s = saved();
      rmSync(file, { force: true });
      return s;
    },
    savedLogin: saved,
  };
}
