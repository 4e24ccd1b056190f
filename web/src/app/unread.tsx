import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useLocation } from '../router/router.tsx';
import { useSignedIn } from './session-context.tsx';

/** How often the unread count is read again. */
const UNREAD_POLL_MS = 30_000;

/** How many notifications in the person's inbox are unread, and a way to read it again now. */
interface Unread {
  count: number | undefined;
  reread(): void;
}

const UnreadContext = createContext<Unread | null>(null);

/**
 * Reads the unread count at each page, every 30 s, and whenever a page that changed it (the inbox
 * page's Mark read) asks: the header shows the count beside that page, so it must not wait for
 * the next page or poll to agree with it.
 */
export function UnreadProvider({ children }: { children: ReactNode }) {
  const { quietClient } = useSignedIn();
  const { path } = useLocation();
  const [count, setCount] = useState<number | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let live = true;
    const read = () =>
      quietClient.showMyNotifications({}).then(
        (r) => live && setCount(r.result.unread),
        () => {},
      );
    void read();
    const timer = setInterval(read, UNREAD_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [quietClient, path, nonce]);
  const value = useMemo(() => ({ count, reread: () => setNonce((n) => n + 1) }), [count]);
  return <UnreadContext.Provider value={value}>{children}</UnreadContext.Provider>;
}

/** The person's unread count (undefined until read), and `reread` for a page that changed it. */
export function useUnread(): Unread {
  const u = useContext(UnreadContext);
  if (!u) throw new Error('useUnread outside an UnreadProvider');
  return u;
}
