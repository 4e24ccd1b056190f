import { readdirSync, readFileSync } from 'node:fs';

/** The children of a process (of every one of its threads), from /proc; empty once it is gone. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
      if (text) for (const child of text.split(' ')) children.push(Number(child));
    } catch {
      // The thread ended while we read.
    }
  }
  return children;
}

/**
 * Every process below `pid`, parents before their children. A sandbox's processes can leave their
 * session and process group (setsid, double forks), but never its tree: an orphan is adopted by
 * the sandbox's own init. Reading the tree costs a few small /proc reads per process.
 */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...childrenOf(next));
  }
  return found;
}

/** Sends `signal` to each process, ignoring the ones already gone. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}
