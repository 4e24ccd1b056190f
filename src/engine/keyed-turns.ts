/**
 * Runs tasks of one key one after another, in the order they came; tasks of different keys run
 * at once. A task that fails does not hold up the next one.
 *
 * Why: transactions that write one job's row (a new build takes the job's next number) wait for
 * each other in the database, and each waits holding a pooled connection. A burst of triggers of
 * one job would hold every connection of the pool, waiting on that one row, while every other
 * request of the server (sign-ins, /readyz) waits for a connection, and fails once the pool's wait
 * runs out. Taking turns here, a server's triggers of a job hold one connection at most, and
 * wait in memory for the rest.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once the tasks of `key` given before it have ended. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting (for tests). */
  get busy(): number {
    return this.tails.size;
  }
}
