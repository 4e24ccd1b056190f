import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.ts';
import { EXIT } from '../../src/cli/context.ts';
import { buildProgram } from '../../src/cli/program.ts';

// docs/cli.md keeps up with the command tree: every command, every option, every exit code.

const DOC = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

const unusedContext = new Proxy({} as CliContext, {
  get: () => () => {
    throw new Error('the docs test only reads the command tree');
  },
});

/** Every command below `command` with its full name (`access-keys create`). */
function leaves(command: Command, prefix = ''): { name: string; command: Command }[] {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return c.commands.length > 0 ? leaves(c, `${name} `) : [{ name, command: c }];
  });
}

describe('docs/cli.md', () => {
  const commands = leaves(buildProgram(unusedContext));

  it('names every command', () => {
    expect(commands.map((c) => c.name)).toEqual(
      expect.arrayContaining(['run', 'access-keys create', 'jobs list']),
    );
    const missing = commands.filter(({ name }) => !DOC.includes(`kiln ${name}`)).map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it("names every command's options", () => {
    const missing = commands.flatMap(({ name, command }) =>
      command.options
        .map((o) => o.long ?? o.short ?? '')
        .filter((flag) => flag !== '--help' && !DOC.includes(flag))
        .map((flag) => `kiln ${name} ${flag}`),
    );
    expect(missing).toEqual([]);
  });

  it('lists every exit code', () => {
    for (const code of Object.values(EXIT)) expect(DOC).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    expect(DOC).toMatch(/^\| 130 \|/m);
  });

  it('describes the credentials file, KILN_URL and KILN_TOKEN', () => {
    expect(DOC).toContain('$XDG_CONFIG_HOME/kiln/credentials.json');
    expect(DOC).toContain('`KILN_URL`');
    expect(DOC).toContain('`KILN_TOKEN`');
  });
});
