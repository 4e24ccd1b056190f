import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

// What `kiln jobs create -f FILE` says about a file it cannot use. The file is read before any
// request, so no server is needed (the URL below refuses connections).

let dir = '';
const env = () => ({
  HOME: dir,
  XDG_CONFIG_HOME: join(dir, '.config'),
  KILN_URL: 'http://127.0.0.1:1',
  KILN_TOKEN: 't',
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-cli-jobfile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A YAML mistake is reported with its line and column ("at line 3, column 10"); a JSON one is not:
// src/cli/job-file.ts passes JSON.parse's message through, which on Node 20 (the supported
// runtime) names at best a character offset ("at position 85") and for other mistakes only a
// snippet of the text ("Unexpected token ']', ...") whose own line break splits the "one line on
// stderr" failure (docs/cli.md, Exit codes) in two. In a 200-line job file the user is left to
// count characters or hunt for the stray comma.
it('a JSON job file with a syntax error is reported with its line, on one line', async () => {
  const file = join(dir, 'job.json');
  writeFileSync(
    file,
    '{\n  "job_name": "x",\n  "arch": "x86-64",\n  "steps": [\n    {"module_id": "kiln.shell",},\n  ]\n}\n',
  );
  const r = await runCli(['jobs', 'create', '-f', file, '--project', 'default'], { env: env() });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('is not valid JSON');
  expect(r.stderr).toMatch(/line 5/);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
});

// A directory given as the file: "cannot read DIR: EISDIR: illegal operation on a directory, read"
// is Node's errno text; src/cli/artifact-files.ts fileProblem() already words it ("it is a
// directory") for artifacts, and ENOENT is worded here ("no such file"), EISDIR is not.
it('a directory given as the job file is said in words, not as an errno', async () => {
  const r = await runCli(['jobs', 'create', '-f', dir, '--project', 'default'], { env: env() });
  expect(r.code).toBe(1);
  expect(r.stderr).not.toContain('EISDIR');
  expect(r.stderr).toContain('is a directory');
});
