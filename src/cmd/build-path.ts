/** Where builds look for programs when the process has no PATH at all. */
const FALLBACK = '/usr/local/bin:/usr/bin:/bin';

/**
 * The PATH builds see by default: the process's own, without what npm adds when it runs a script
 * (`npm start`, `npx kiln`): every package's `node_modules/.bin` and npm's `node-gyp-bin`. A build
 * must find the machine's tools, not the tsc, vite and eslint Kiln itself was installed with.
 * KILN_BUILD_PATH (`--build-path`) replaces it whole.
 */
export function defaultBuildPath(processPath: string | undefined): string {
  const kept = (processPath ?? '')
    .split(':')
    .filter((dir) => dir !== '' && !/\/node_modules\/\.bin\/?$/.test(dir) && !/\/node-gyp-bin\/?$/.test(dir));
  return kept.length > 0 ? [...new Set(kept)].join(':') : FALLBACK;
}
