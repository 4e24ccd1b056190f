import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@x',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@x',
};

/**
 * A fast-import `commit` of `files` on main; `onExisting`: main exists before this stream (within
 * one stream, each commit follows the previous one by itself).
 */
function commitCommand(message: string, files: [string, Buffer][], onExisting: boolean): Buffer[] {
  const parts: Buffer[] = [
    Buffer.from(
      `commit refs/heads/main\ncommitter b <b@x> ${Math.floor(Date.now() / 1000)} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}\n${onExisting ? 'from refs/heads/main^0\n' : ''}`,
    ),
  ];
  for (const [path, content] of files) {
    parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${content.length}\n`), content, Buffer.from('\n'));
  }
  return parts;
}

/**
 * A bare repository the size of a real project's: `files` small files in the tree and a history
 * of `historyMb` megabytes (one file of 1 MB of random bytes rewritten by each commit), made
 * with `git fast-import` in a few seconds.
 */
export function makeBigRepository(dir: string, files = 10_000, historyMb = 100): void {
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env: GIT_ENV });
  const stream: Buffer[] = [];
  const tree: [string, Buffer][] = [];
  for (let i = 0; i < files; i++) {
    tree.push([
      `src/m${Math.floor(i / 100)}/f${i}.txt`,
      Buffer.from(`${randomBytes(300).toString('base64')}\n`),
    ]);
  }
  tree.push(['data.bin', randomBytes(1 << 20)]);
  stream.push(...commitCommand('the tree', tree, false));
  for (let i = 1; i < historyMb; i++)
    stream.push(...commitCommand(`data ${i}`, [['data.bin', randomBytes(1 << 20)]], false));
  execFileSync('git', ['-C', dir, 'fast-import', '--quiet'], { input: Buffer.concat(stream), env: GIT_ENV });
  execFileSync('git', ['-C', dir, 'repack', '-a', '-d', '-q'], { env: GIT_ENV });
}

/** Adds a small commit on main (what a day of work looks like between two builds). */
export function advance(dir: string, n: number): void {
  const stream = commitCommand(`change ${n}`, [[`src/m0/f0.txt`, Buffer.from(`change ${n}\n`)]], true);
  execFileSync('git', ['-C', dir, 'fast-import', '--quiet'], { input: Buffer.concat(stream), env: GIT_ENV });
}
