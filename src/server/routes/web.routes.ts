import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's Content-Security-Policy. The Vite build is one module script and one stylesheet
 * from /assets, with no inline script or style element (test/browser checks the build and loads it
 * under this policy), so everything is 'self'. React and uPlot set styles through the CSSOM, which
 * style-src does not restrict. The favicon is a data: URL in index.html. The page talks only to
 * its own origin. No framing (clickjacking), no plugins, no <base> to redirect relative URLs.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that belong to the API: an unknown one is a CodeArts 404, never the dashboard. */
const API_PREFIX = /^\/(v\d+|healthz|readyz|metrics|openapi\.json|docs)(\/|$|\?)/;

/**
 * Serves the built dashboard (web/dist) at `/`. Browser navigations to the dashboard's own routes
 * get index.html (the dashboard routes in the page); everything else unknown stays a 404.
 * Returns the fallback to use from the not-found handler, or undefined when there is no build.
 */
export async function registerWeb(
  app: FastifyInstance,
  webRoot: string | undefined,
): Promise<((request: FastifyRequest, reply: FastifyReply) => boolean) | undefined> {
  if (!webRoot || !existsSync(join(webRoot, 'index.html'))) return undefined;
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: true,
    maxAge: 0,
    // Every file of the dashboard, and index.html sent by the fallback below.
    setHeaders: (reply) => {
      reply.header('content-security-policy', DASHBOARD_CSP);
    },
  });
  return (request, reply) => {
    const wantsPage = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    if (!wantsPage || API_PREFIX.test(request.url)) return false;
    void reply.header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
