import { useMemo } from 'react';
import uPlot from 'uplot';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { UPlotChart } from '../components/uplot-chart.tsx';
import { formatDuration } from '../../../src/domain/duration.ts';
import { formatCount, formatCountOf } from '../lib/format.ts';
import { dailySeries, durationSeries, paddedTimeRange } from './chart-data.ts';
import { CHART_CAP, type ChartRecords } from './use-chart-records.ts';

const GREEN = '#16a34a';
const RED = '#dc2626';
const BLUE = '#2563eb';

/** Room for an axis's widest tick label (12 px text, about 7 px a character) and the tick itself. */
function fitTicks(_u: uPlot, values: string[] | null): number {
  return 18 + 7 * Math.max(4, ...(values ?? []).map((v) => v.length));
}

const durationOptions: Omit<uPlot.Options, 'width'> = {
  height: 220,
  scales: {
    // A few minutes each side: the first and last points are drawn whole.
    x: {
      time: true,
      range: (u, min, max) =>
        paddedTimeRange(u.data[0], min, max, u.data[0].length > 1 ? Math.max(60, (max - min) * 0.02) : 0),
    },
    y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
  },
  axes: [
    {},
    // The ticks are durations in words ("1m 30s"): they say the unit; the axis is as wide as they are.
    { values: (_u, ticks) => ticks.map((t) => formatDuration(t * 1000)), size: fitTicks },
  ],
  series: [
    {},
    {
      label: 'Duration',
      stroke: BLUE,
      width: 1.5,
      points: { show: true, size: 5 },
      value: (_u, v) => (v === null ? '–' : formatDuration(v * 1000)),
    },
    {
      label: 'Failed',
      stroke: RED,
      width: 0,
      paths: () => null,
      points: { show: true, size: 9, fill: RED, stroke: RED },
      value: (_u, v) => (v === null ? '–' : formatDuration(v * 1000)),
    },
  ],
};

const dailyOptions: Omit<uPlot.Options, 'width'> = {
  height: 220,
  scales: {
    // Half a day each side: each day's bar is centred on its midnight, today's included.
    x: { time: true, range: (u, min, max) => paddedTimeRange(u.data[0], min, max, 43_200) },
    builds: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
    rate: { range: [0, 100] },
  },
  axes: [
    {},
    // Builds are counted: whole-number ticks only.
    {
      scale: 'builds',
      label: 'builds',
      incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000],
    },
    { scale: 'rate', side: 1, label: 'success %', grid: { show: false } },
  ],
  series: [
    { value: (_u, v) => (v === null ? '' : new Date(v * 1000).toLocaleDateString()) },
    {
      label: 'Builds',
      scale: 'builds',
      stroke: '#64748b',
      fill: 'rgba(100,116,139,0.35)',
      paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
      points: { show: false },
    },
    {
      label: 'Success rate',
      scale: 'rate',
      stroke: GREEN,
      width: 2,
      spanGaps: true,
      points: { show: true, size: 5 },
      value: (_u, v) => (v === null ? '–' : `${v} %`),
    },
  ],
};

/** The charts over the page's window: duration per build (failures in red) and builds per day. */
export function HistoryCharts({
  state,
}: {
  state: { data: ChartRecords | undefined; error: unknown; loading: boolean };
}) {
  const { data, error } = state;
  // Held back until the table is in, or reading: either way the person sees that charts are coming.
  const loading = state.loading || (!data && !error);
  const durations = useMemo(() => (data ? durationSeries(data.records) : undefined), [data]);
  const daily = useMemo(() => {
    if (!data) return undefined;
    // When capped, the oldest days of the window were not read: start the chart where the data does.
    const oldest = data.records[data.records.length - 1]?.start_time;
    const from = data.capped && oldest !== undefined ? oldest : data.from;
    return dailySeries(data.records, from, Math.min(data.to, Date.now()));
  }, [data]);

  return (
    <section className="charts" aria-labelledby="charts-title" aria-busy={loading}>
      <h2 id="charts-title">
        Trends {loading && <Spinner label={data ? 'Updating…' : 'Loading charts…'} />}
      </h2>
      <ErrorMessage error={error} title="The charts could not be loaded." />
      {data?.capped && (
        <p className="note" data-testid="chart-cap">
          The charts show the newest {formatCount(data.records.length)} of {formatCount(data.total)} builds in
          this window (at most {formatCount(CHART_CAP)} are read for charts). Pick a shorter window to see all
          of them.
        </p>
      )}
      {durations && daily && (
        <div className="chart-grid">
          <div>
            <h3>Duration per build</h3>
            <UPlotChart
              testId="duration-chart"
              options={durationOptions}
              data={[durations.x, durations.duration, durations.failed]}
              points={durations.x.length}
              summary={`${formatCountOf(durations.x.length, 'finished build')}, ${durations.failed.filter((v) => v !== null).length} failed`}
            />
          </div>
          <div>
            <h3>Builds and success rate per day</h3>
            <UPlotChart
              testId="daily-chart"
              options={dailyOptions}
              data={[daily.days, daily.builds, daily.rate]}
              points={daily.days.length}
              summary={`${formatCountOf(daily.days.length, 'day')}, ${formatCountOf(
                daily.builds.reduce((a, b) => a + b, 0),
                'build',
              )}`}
            />
          </div>
        </div>
      )}
    </section>
  );
}
