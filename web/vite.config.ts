import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's own build: web/ is the root, the output goes to web/dist, which `kiln serve`
 * serves at `/`. `npx vite --config web/vite.config.ts` runs a dev server that proxies the API to
 * KILN_URL (default http://127.0.0.1:8080), so the page and the API share one origin as in production.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.KILN_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One file is enough at this size; the report below keeps an eye on it.
    reportCompressedSize: true,
  },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/v3', '/v4', '/healthz', '/readyz'].map((prefix) => [
        prefix,
        { target: api, changeOrigin: false },
      ]),
    ),
  },
});
