/**
 * Times the way the server takes them. The records API reads `yyyy-MM-dd HH:mm:ss` as a wall clock
 * in the server's configured time zone (KILN_TIMEZONE, default UTC), and no operation tells a
 * client which zone that is, so the dashboard assumes the default. Everything shown to people is
 * in the viewer's own zone, computed from epoch milliseconds.
 */
export const SERVER_TIME_ZONE = 'UTC';

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
export function serverWallClock(epochMs: number, zone = SERVER_TIME_ZONE): string {
  const p = partsOf(epochMs, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `yyyy-MM-dd` of an instant in the server's zone (what the statistics operations take). */
export function serverDate(epochMs: number, zone = SERVER_TIME_ZONE): string {
  const p = partsOf(epochMs, zone);
  return `${p.year}-${p.month}-${p.day}`;
}
