/**
 * The records API's times are `yyyy-MM-dd HH:mm:ss` wall clocks, read in the server's time zone
 * (KILN_TIMEZONE; GET /v1/kiln/info says which). Clients write instants that way with this.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
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
  return f;
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in the IANA `zone`. Throws RangeError for an unknown zone. */
export function formatWallClock(epochMs: number, zone: string): string {
  const p: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(epochMs)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
