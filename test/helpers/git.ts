import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where tests make their repositories: the directory test runners allow as local repositories
 * (KILN_LOCAL_REPOSITORIES). Readable by everyone, as the sandbox's user must read them when the
 * tests run as root.
 */
export const TEST_REPOS = join(tmpdir(), 'kiln-test-repos');
mkdirSync(TEST_REPOS, { recursive: true, mode: 0o755 });
chmodSync(TEST_REPOS, 0o755);

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Kiln Test',
  GIT_AUTHOR_EMAIL: 'test@kiln.invalid',
  GIT_COMMITTER_NAME: 'Kiln Test',
  GIT_COMMITTER_EMAIL: 'test@kiln.invalid',
};

/** A real git repository made by a test. */
export class TestRepo {
  readonly dir: string;

  constructor(dir = mkdtempSync(join(TEST_REPOS, 'repo-'))) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    this.git('init', '--quiet', '--initial-branch=main');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  }

  /** Writes files and commits them; returns the commit id. */
  commit(
    message: string,
    files: Record<string, string> = { 'README.md': `${message}\n` },
    date?: Date,
  ): string {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(this.dir, name, '..'), { recursive: true });
      writeFileSync(join(this.dir, name), content);
    }
    this.git('add', '--all');
    const env = date ? { GIT_AUTHOR_DATE: date.toISOString(), GIT_COMMITTER_DATE: date.toISOString() } : {};
    execFileSync('git', ['commit', '--quiet', '-m', message], { cwd: this.dir, env: { ...GIT_ENV, ...env } });
    return this.git('rev-parse', 'HEAD');
  }

  branch(name: string): void {
    this.git('checkout', '--quiet', '-B', name);
  }

  tag(name: string): void {
    this.git('tag', name);
  }

  /** The repository as a URL git can fetch. */
  get url(): string {
    return `file://${this.dir}`;
  }
}
