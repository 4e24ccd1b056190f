import { createContext, useContext } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { Session } from '../api/session.ts';

/** What every signed-in page gets: the client and the session, and a way out. */
export interface SignedIn {
  client: Kiln;
  /** The same, without the activity bar: for requests that wait on purpose (log long polls). */
  quietClient: Kiln;
  session: Session;
  signOut(): Promise<void>;
  /**
   * Changes the person's own password. The server revokes all their tokens with the old password,
   * this tab's too, so this signs in again with the new one and goes on with the new token: true.
   * False when that sign-in failed, and the sign-in form is back, saying the password was changed.
   * Throws the server's error when the password was not changed (a wrong old one, a weak new one).
   */
  changePassword(oldPassword: string, newPassword: string): Promise<boolean>;
}

export const SessionContext = createContext<SignedIn | null>(null);

/** The signed-in session (pages render only inside one). */
export function useSignedIn(): SignedIn {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSignedIn outside a session');
  return s;
}
