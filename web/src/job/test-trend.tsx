import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { UPlotChart } from '../components/uplot-chart.tsx';

/** The job's latest builds the trend looks at. */
const BUILDS = 100;

const options: Omit<uPlot.Options, 'width'> = {
  height: 220,
  scales: {
    x: { time: false },
    tests: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
    coverage: { range: [0, 100] },
  },
  axes: [
    { label: 'build' },
    { scale: 'tests', label: 'test cases' },
    { scale: 'coverage', side: 1, label: 'line coverage %', grid: { show: false } },
  ],
  series: [
    { value: (_u, v) => (v === null ? '' : `#${v}`) },
    { label: 'Passed', scale: 'tests', stroke: '#16a34a', width: 2, points: { show: true, size: 4 } },
    {
      label: 'Failed or in error',
      scale: 'tests',
      stroke: '#dc2626',
      width: 2,
      points: { show: true, size: 5 },
    },
    { label: 'Skipped', scale: 'tests', stroke: '#64748b', width: 1, points: { show: false } },
    {
      label: 'Line coverage',
      scale: 'coverage',
      stroke: '#2563eb',
      width: 1.5,
      spanGaps: true,
      value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`),
    },
  ],
};

/**
 * The job's test trend (Kiln's test trend): passed, failed and skipped cases and line coverage of
 * the latest builds that read test reports, oldest on the left. Hidden for a job without any.
 */
export function TestTrend({ client, jobId }: { client: Kiln; jobId: string }) {
  const trend = useAsync(
    async () => (await client.showTestTrend({ params: { job_id: jobId }, query: { builds: BUILDS } })).result,
    [client, jobId],
  );
  const series = useMemo(() => {
    const builds = [...(trend.data?.builds ?? [])].reverse();
    return {
      x: builds.map((b) => b.build_no),
      passed: builds.map((b) => b.passed),
      bad: builds.map((b) => b.failures + b.errors),
      skipped: builds.map((b) => b.skipped),
      coverage: builds.map((b) => (b.lines_total ? (100 * (b.lines_covered ?? 0)) / b.lines_total : null)),
    };
  }, [trend.data]);
  const error = isUnauthorized(trend.error) ? undefined : trend.error;
  if (!error && series.x.length === 0) return null;
  const failing = series.bad.filter((n) => n > 0).length;
  return (
    <section className="charts" aria-labelledby="test-trend-title">
      <h2 id="test-trend-title">Tests</h2>
      <ErrorMessage error={error} title="The test trend could not be loaded." />
      {series.x.length > 0 && (
        <UPlotChart
          testId="test-trend-chart"
          options={options}
          data={[series.x, series.passed, series.bad, series.skipped, series.coverage]}
          points={series.x.length}
          summary={`${series.x.length} builds with test reports among the latest ${BUILDS}, ${failing} with failing tests`}
        />
      )}
    </section>
  );
}
