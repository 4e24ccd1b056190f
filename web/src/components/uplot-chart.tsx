import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A uPlot chart that fills its container's width. uPlot draws on a canvas, so the figure gets a
 * text summary (`summary`) for screen readers and a `data-points` attribute that says how many
 * points were drawn, and `data-x-range` the x range (`min,max`).
 */
export function UPlotChart({
  options,
  data,
  summary,
  points,
  testId,
}: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  summary: string;
  points: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  // A new chart when the options change (they are memoised by the caller); new data is set in
  // place by the effect below, which keeps the canvas and the cursor.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // The x range drawn, in the figure's `data-x-range` (seconds): what a reader of the page can check.
    const figure = el.parentElement;
    const showRange = (u: uPlot, key: string) => {
      if (key === 'x') figure?.setAttribute('data-x-range', `${u.scales.x?.min},${u.scales.x?.max}`);
    };
    const hooks = { ...options.hooks, setScale: [...(options.hooks?.setScale ?? []), showRange] };
    const chart = new uPlot({ ...options, hooks, width: Math.max(240, el.clientWidth) }, data, el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(240, el.clientWidth), height: options.height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [options]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart" data-testid={testId} data-points={points}>
      <div ref={box} className="chart-canvas" role="img" aria-label={summary} />
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}
