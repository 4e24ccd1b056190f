import { weatherLabel, weatherOf, type Weather } from '../lib/health.ts';

// Small inline drawings: no icon font or emoji, which headless browsers and some phones lack.
const SUN = <circle cx="9" cy="9" r="4.5" fill="#f59e0b" />;
const CLOUD = (fill: string) => (
  <path d="M7 20h11a4 4 0 0 0 .5-7.97A5.5 5.5 0 0 0 7.8 11.1 4.5 4.5 0 0 0 7 20z" fill={fill} />
);

const SHAPES: Record<Weather, React.ReactNode> = {
  sunny: (
    <>
      <circle cx="12" cy="12" r="5.5" fill="#f59e0b" />
      <g stroke="#f59e0b" strokeWidth="1.8" strokeLinecap="round">
        <path d="M12 1.5v2.5M12 20v2.5M1.5 12H4M20 12h2.5M4.6 4.6l1.8 1.8M17.6 17.6l1.8 1.8M4.6 19.4l1.8-1.8M17.6 6.4l1.8-1.8" />
      </g>
    </>
  ),
  'partly-sunny': (
    <>
      {SUN}
      {CLOUD('#cbd5e1')}
    </>
  ),
  cloud: CLOUD('#94a3b8'),
  rain: (
    <>
      {CLOUD('#64748b')}
      <path
        d="M9 21.5l-1 2M13 21.5l-1 2M17 21.5l-1 2"
        stroke="#3b82f6"
        strokeWidth="1.6"
        strokeLinecap="round"
      />
    </>
  ),
  storm: (
    <>
      {CLOUD('#475569')}
      <path d="M13 15l-3 5h3l-2 4 5-6h-3l2-3z" fill="#facc15" />
    </>
  ),
};

/** A job's health as a weather icon with its score. */
export function WeatherIcon({ score, showScore = true }: { score: number; showScore?: boolean }) {
  const weather = weatherOf(score);
  const label = `Health ${score}: ${weatherLabel(weather)}`;
  return (
    <span className="weather" data-weather={weather} title={label}>
      <svg viewBox="0 0 24 24" width="24" height="24" role="img" aria-label={label}>
        {SHAPES[weather]}
      </svg>
      {showScore && (
        <span className="weather-score" aria-hidden="true">
          {score}
        </span>
      )}
    </span>
  );
}
