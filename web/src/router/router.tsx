import {
  createContext,
  useContext,
  useEffect,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

/**
 * A small history router: the dashboard has a dozen pages, which does not warrant a routing library.
 * Paths are the server's SPA fallback paths, so none starts with /v1../v4, /docs, /metrics,
 * /healthz or /readyz.
 */

/** Where the page is. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const LocationContext = createContext<Location>(current());
const listeners = new Set<() => void>();

/** Goes to `href` (a path with an optional query) without reloading. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const l of listeners) l();
  if (!options.replace) window.scrollTo(0, 0);
}

/** Provides the location to the tree and follows back/forward. */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

/** The current location. */
export function useLocation(): Location {
  return useContext(LocationContext);
}

/** Matches `path` against a pattern like `/jobs/:jobId/builds/:n`; returns the named parts. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (path === '/' && pattern === '/') return {};
  if (p.length !== s.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i] as string;
    const seg = s[i] as string;
    if (part.startsWith(':')) {
      if (seg === '') return undefined;
      out[part.slice(1)] = decodeURIComponent(seg);
    } else if (part !== seg) return undefined;
  }
  return out;
}

/** A link that navigates in the page; modified clicks (new tab) work as usual. */
export function Link({
  href,
  children,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={href} onClick={onClick}>
      {children}
    </a>
  );
}
