import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A git repository at `dir` with one commit of `files` (path -> text); returns its file:// URL. */
export function benchRepo(dir: string, files: Record<string, string>): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@x',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@x',
  };
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  execFileSync('git', ['-C', dir, 'add', '.'], { env });
  execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'one'], { env });
  return `file://${dir}`;
}
