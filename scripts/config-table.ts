import { optionRows } from '../src/cmd/config.ts';

/** Prints the table of docs/configuration.md from the option declarations (src/cmd/config.ts). */
export function configTable(): string {
  const rows = optionRows().map(
    (r) => `| \`${r.env}\` | ${r.default ? `\`${r.default}\`` : '—'} | ${r.help.replace(/\|/g, '\\|')} |`,
  );
  return ['| variable | default | what it does |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());
