import { describe, expect, it } from 'vitest';
import { LoopPacer } from '../../src/server/loop-pacer.ts';

/** Holds the event loop for `ms`, as a request on the synchronous SQLite store does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/**
 * A burst of `n` requests arriving together (one synchronous block, as the requests of one poll
 * phase are handled), each holding the loop for `costMs`; `pacer` undefined: handled as they come.
 */
async function burst(n: number, costMs: number, pacer?: LoopPacer) {
  const order: string[] = [];
  setTimeout(() => order.push('timer'), 0);
  const done: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const handle = () => {
      busy(costMs);
      order.push(`r${i}`);
    };
    const wait = pacer?.turn();
    if (wait) done.push(wait.then(handle));
    else handle();
  }
  await Promise.all(done);
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { order };
}

describe('LoopPacer', () => {
  it('without it, a burst holds the loop: the timer runs after every request', async () => {
    const { order } = await burst(10, 2);
    expect(order.at(-1)).toBe('timer');
  });

  it('with it, a timer due during a burst runs between its requests, which keep their order', async () => {
    // Order only, no times: the machine's load decides how late the timer is, not the pacer.
    const { order } = await burst(10, 2, new LoopPacer(2));
    const requests = order.filter((o) => o !== 'timer');
    expect(requests).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(order.indexOf('timer')).toBeLessThan(order.indexOf('r9'));
    expect(order.indexOf('timer')).toBeGreaterThan(0); // the budget's worth ran at once
  });

  it('lets requests go straight on while the turn has time', () => {
    const pacer = new LoopPacer(50);
    for (let i = 0; i < 5; i++) expect(pacer.turn()).toBeUndefined();
  });

  it('a request arriving while others wait queues behind them, even in a fresh turn', async () => {
    const pacer = new LoopPacer(1);
    const order: number[] = [];
    expect(pacer.turn()).toBeUndefined(); // opens the turn
    busy(2);
    const waits = [pacer.turn()?.then(() => order.push(1)), pacer.turn()?.then(() => order.push(2))];
    expect(waits.every((w) => w !== undefined)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // the next turn: one has gone, one waits
    expect(order).toEqual([1]);
    const fourth = pacer.turn(); // a fresh turn with time to spare, but the queue goes first
    expect(fourth).toBeDefined();
    waits.push(fourth?.then(() => order.push(3)));
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });
});
