/**
 * A job's health score (Jenkins' build stability, 0-100, from the server) as weather, the way
 * people read it at a glance. The bands are the issue's: 0-20 storm ... 81-100 sunny.
 */
export const WEATHER = ['storm', 'rain', 'cloud', 'partly-sunny', 'sunny'] as const;
export type Weather = (typeof WEATHER)[number];

/** The weather of a health score. */
export function weatherOf(score: number): Weather {
  if (score <= 20) return 'storm';
  if (score <= 40) return 'rain';
  if (score <= 60) return 'cloud';
  if (score <= 80) return 'partly-sunny';
  return 'sunny';
}

/** Words for a weather. */
export function weatherLabel(w: Weather): string {
  return w === 'partly-sunny' ? 'partly sunny' : w;
}
