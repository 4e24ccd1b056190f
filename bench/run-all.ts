import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run bench`: every benchmark, one after the other, each in its own process so that none
 * inherits another's heap or open files. Each prints its figures, baselines and ratios.
 * KILN_BENCH_POSTGRES=postgres://... adds the PostgreSQL runs (issue "scale-out").
 */
const benches = [
  'records.bench.ts',
  'insights.bench.ts',
  'project-records.bench.ts',
  'engine.bench.ts',
  'import.bench.ts',
  'dashboard.bench.ts',
  'build-yaml.bench.ts',
  'flow.bench.ts',
  'artifacts.bench.ts',
  'notifications.bench.ts',
  'cli.bench.ts',
];
const failed: string[] = [];
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, bench)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed.push(bench);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
