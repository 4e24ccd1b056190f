/**
 * Times the way the server takes them. The records API reads `yyyy-MM-dd HH:mm:ss` as a wall clock
 * in the server's configured time zone (KILN_TIMEZONE); the dashboard learns it from
 * GET /v1/kiln/info after sign-in. Everything shown to people is in the viewer's own zone,
 * computed from epoch milliseconds.
 */
let serverTimeZone = 'UTC';

/** Sets the server's zone (from GET /v1/kiln/info). */
export function setServerTimeZone(zone: string): void {
  serverTimeZone = zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsOf(epochMs: number, zone: string): Record<string, string> {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(epochMs))) out[p.type] = p.value;
  return out;
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in the server's zone (what start_time/end_time take). */
export function serverWallClock(epochMs: number, zone = serverTimeZone): string {
  const p = partsOf(epochMs, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `yyyy-MM-dd` of an instant in the server's zone (what the statistics operations take). */
export function serverDate(epochMs: number, zone = serverTimeZone): string {
  const p = partsOf(epochMs, zone);
  return `${p.year}-${p.month}-${p.day}`;
}
