import { formatWallClock } from '../../../src/domain/time.ts';

/**
 * Times the way the server takes them. The records API reads `yyyy-MM-dd HH:mm:ss` as a wall clock
 * in the server's configured time zone (KILN_TIMEZONE); the dashboard learns it from
 * GET /v1/kiln/info after sign-in. Everything shown to people is in the viewer's own zone,
 * computed from epoch milliseconds.
 */
let serverTimeZone = 'UTC';
/** Whether the server told its zone (the 'UTC' above is only a guess until it has). */
let zoneKnown = false;

/** Sets the server's zone (from GET /v1/kiln/info). */
export function setServerTimeZone(zone: string): void {
  serverTimeZone = zone;
  zoneKnown = true;
}

/** The server's zone as it told it, or undefined when GET /v1/kiln/info did not answer. */
export function knownServerTimeZone(): string | undefined {
  return zoneKnown ? serverTimeZone : undefined;
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in the server's zone (what start_time/end_time take). */
export function serverWallClock(epochMs: number, zone = serverTimeZone): string {
  return formatWallClock(epochMs, zone);
}

/** `yyyy-MM-dd` of an instant in the server's zone (what the statistics operations take). */
export function serverDate(epochMs: number, zone = serverTimeZone): string {
  return formatWallClock(epochMs, zone).slice(0, 10);
}
