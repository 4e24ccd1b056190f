import type { Storage, Stores } from '../../src/storage/ports.ts';

/** What a CountingStorage saw: store calls by `store.method`, and the rows they returned. */
export interface StoreTally {
  calls: Map<string, number>;
  /** Rows returned: an array's length, 1 for a found object, 0 for undefined. */
  rows: number;
  reset(): void;
}

/**
 * A real storage seen through a counter: every store call (also inside transactions) is passed on
 * unchanged and counted with the rows it returned, so a test can show what a piece of the engine
 * reads without timing it.
 */
export function countingStorage(storage: Storage): { storage: Storage; tally: StoreTally } {
  const tally: StoreTally = {
    calls: new Map(),
    rows: 0,
    reset() {
      tally.calls.clear();
      tally.rows = 0;
    },
  };
  const count = (name: string, result: unknown) => {
    tally.calls.set(name, (tally.calls.get(name) ?? 0) + 1);
    if (Array.isArray(result)) tally.rows += result.length;
    else if (result && typeof result === 'object') tally.rows += 1;
    return result;
  };
  const wrapStore = (storeName: string, store: object) =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) =>
          count(
            `${storeName}.${String(prop)}`,
            await (value as (...a: unknown[]) => unknown).apply(target, args),
          );
      },
    });
  const wrapStores = <T extends Stores>(stores: T): T =>
    new Proxy(stores, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'transaction')
          return <R>(fn: (tx: Stores) => Promise<R>) =>
            (target as unknown as Storage).transaction((tx) => fn(wrapStores(tx)));
        if (typeof value === 'function') return (value as (...a: unknown[]) => unknown).bind(target);
        return value && typeof value === 'object' && prop !== 'notifier'
          ? wrapStore(String(prop), value)
          : value;
      },
    });
  return { storage: wrapStores(storage), tally };
}
