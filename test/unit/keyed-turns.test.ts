import { describe, expect, it } from 'vitest';
import { KeyedTurns } from '../../src/engine/keyed-turns.ts';

/** A task that ends when `end` is called, noting when it began. */
function gate(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((resolve) => (end = resolve));
  return {
    task: async () => {
      log.push(`${name} began`);
      await done;
      log.push(`${name} ended`);
      return name;
    },
    end: () => end(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('KeyedTurns', () => {
  it('runs the tasks of one key one after another, in order', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const ra = turns.run('job', a.task);
    const rb = turns.run('job', b.task);
    await tick();
    expect(log).toEqual(['a began']);
    a.end();
    expect(await ra).toBe('a');
    await tick();
    expect(log).toEqual(['a began', 'a ended', 'b began']);
    b.end();
    expect(await rb).toBe('b');
    await tick();
    expect(turns.busy).toBe(0);
  });

  it('runs the tasks of different keys at once', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const ra = turns.run('one', a.task);
    const rb = turns.run('two', b.task);
    await tick();
    expect(log).toEqual(['a began', 'b began']);
    a.end();
    b.end();
    expect(await Promise.all([ra, rb])).toEqual(['a', 'b']);
  });

  it('lets the next task run after one that failed, and hands the failure to its caller only', async () => {
    const turns = new KeyedTurns();
    const failed = turns.run('job', () => Promise.reject(new Error('no')));
    const next = turns.run('job', () => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('no');
    expect(await next).toBe('next');
  });
});
