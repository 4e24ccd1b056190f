import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';

/**
 * Security headers: the dashboard (its page, its assets, and the page sent for its own routes)
 * carries a strict Content-Security-Policy; every answer, API ones included, carries nosniff and
 * X-Frame-Options: DENY. The dashboard here is a stand-in shaped like the Vite build (the browser
 * suite loads the real one under the policy).
 */

let kiln: TestKiln;
let webRoot: string;
beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'kiln-web-'));
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(
    join(webRoot, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/index-1.js"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(webRoot, 'assets', 'index-1.js'), 'console.log("dashboard");\n');
  writeFileSync(join(webRoot, 'assets', 'index-1.css'), 'body { margin: 0 }\n');
  kiln = await createTestKiln({ webRoot });
});
afterAll(async () => {
  await kiln?.close();
  rmSync(webRoot, { recursive: true, force: true });
});

function expectFramingAndSniffing(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
}

function expectStrictCsp(headers: Record<string, unknown>): void {
  const csp = String(headers['content-security-policy'] ?? '');
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  expect(directives.get('default-src')).toEqual(["'self'"]);
  expect(directives.get('script-src')).toEqual(["'self'"]);
  expect(directives.get('style-src')).toEqual(["'self'"]);
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  expect(directives.get('object-src')).toEqual(["'none'"]);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
}

describe('security headers', () => {
  it.each([
    ['the dashboard page', '/', 'text/html'],
    ['its script', '/assets/index-1.js', 'javascript'],
    ['its stylesheet', '/assets/index-1.css', 'text/css'],
    ['the page for a dashboard route', '/jobs/abc?window=7d', 'text/html'],
  ])('serves %s with a strict CSP, nosniff and DENY', async (_what, url, type) => {
    const res = await kiln.app.inject({ method: 'GET', url, headers: { accept: 'text/html,*/*' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(type);
    expectStrictCsp(res.headers);
    expectFramingAndSniffing(res.headers);
  });

  it.each([
    ['an API answer', '/v3/jobs/ffffffffffffffffffffffffffffffff/status'],
    ['a probe', '/healthz'],
    ['an unknown API path', '/v3/nothing-here'],
    ['a URL Fastify cannot parse', '/v3/jobs/%E0%A4%A/status'],
  ])('sends nosniff and DENY on %s', async (_what, url) => {
    const res = await kiln.app.inject({ method: 'GET', url });
    expectFramingAndSniffing(res.headers);
  });
});
