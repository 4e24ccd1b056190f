/** Small measuring helpers shared by the benchmarks. */

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** Runs `fn` `n` times (after `warmup` runs) and returns each duration in ms. */
export async function timeEach(
  n: number,
  fn: () => Promise<unknown> | unknown,
  warmup = Math.ceil(n / 10),
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

export const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

/** One line of a figure: name, value, and optionally the ratio to a baseline and a target. */
export function report(name: string, value: string, extra = ''): void {
  console.log(`  ${name.padEnd(58)} ${value.padStart(14)}  ${extra}`);
}
