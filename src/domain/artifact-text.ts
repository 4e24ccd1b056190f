/** How an artifact's size and digest read for people (the CLI's table and progress bar, the dashboard). */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * A size in the binary units the runner's log uses: `512 B`, `1.5 KiB`, `2.4 MiB`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Number.isFinite(bytes) ? bytes : '?'} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.95 KiB would print as "1024.0 KiB": step up a unit instead.
  if (value.toFixed(1) === '1024.0' && unit < UNITS.length - 1) {
    value = 1;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * The first 12 hex digits of a sha256: enough to tell artifacts apart at a glance (the full digest
 * is in `--output json` and the dashboard's tooltip, and is what downloads are checked against).
 */
export function shortSha256(sha256: string): string {
  return sha256.slice(0, 12);
}
