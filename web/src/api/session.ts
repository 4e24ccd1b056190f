import { ApiError } from '../../../src/client/api-error.ts';
import { createKilnClient, type Kiln } from '../../../src/client/kiln-client.ts';
import { track } from './activity.ts';

/**
 * The signed-in session: an IAM token kept in sessionStorage (one browser tab, gone when it
 * closes), and the client that sends it. Any 401 after sign-in means the token no longer works
 * (expired, revoked, password changed), so the client reports it once and the app returns to the
 * sign-in page.
 */

/** What is kept for the session. */
export interface Session {
  token: string;
  /** ISO instant the token stops working. */
  expiresAt: string;
  userName: string;
  domainName: string;
}

const KEY = 'kiln.session';

/** The stored session, or undefined (none, unreadable, or already expired). */
export function loadSession(now = Date.now()): { session?: Session; expired: boolean } {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return { expired: false };
    const s = JSON.parse(raw) as Session;
    if (typeof s.token !== 'string' || s.token === '') return { expired: false };
    if (Date.parse(s.expiresAt) <= now) {
      sessionStorage.removeItem(KEY);
      return { expired: true };
    }
    return { session: s, expired: false };
  } catch {
    return { expired: false };
  }
}

/** Keeps the session for this tab. */
export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

/** Forgets the session. */
export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** The server is the page's own origin (kiln serve serves both). */
function baseUrl(): string {
  return window.location.origin;
}

/** A client without credentials, for signing in. */
export function anonymousClient(): Kiln {
  return createKilnClient({ baseUrl: baseUrl() });
}

/**
 * A client that sends the session's token, shows its requests in the activity bar (unless
 * `quiet`: for long polls, which wait on purpose), and calls `onExpired` when the server answers 401.
 */
export function sessionClient(token: string, onExpired: () => void, options: { quiet?: boolean } = {}): Kiln {
  const client = createKilnClient({ baseUrl: baseUrl(), credentials: { token } });
  const watch = <T>(p: Promise<T>): Promise<T> =>
    (options.quiet ? p : track(p)).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) onExpired();
      throw error;
    });
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor' || prop === 'records') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise ? watch(result) : result;
      };
    },
  });
}
