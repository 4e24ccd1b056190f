// Preloaded into the benchmarked server (NODE_OPTIONS=--import): its event-loop delay, measured
// by Node's own monitor at 1 ms resolution. SIGUSR2 writes the largest delay since the last
// SIGUSR2 (less the resolution: what the loop was blocked) to KILN_BENCH_LOOP_FILE, and starts over.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 1;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
process.on('SIGUSR2', () => {
  const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  writeFileSync(
    process.env.KILN_BENCH_LOOP_FILE,
    JSON.stringify({ maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)) }),
  );
  histogram.reset();
});
