import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue, compatTable, served } from '../../scripts/api-compat-table.ts';

describe('docs/api-compat.md', () => {
  it('lists all 135 SDK operations, and the ones the route table serves as served', () => {
    const rows = catalogue();
    expect(rows).toHaveLength(135);
    expect(rows.filter(served).length).toBeGreaterThanOrEqual(31);
    const doc = readFileSync(new URL('../../docs/api-compat.md', import.meta.url), 'utf8');
    expect(doc).toContain(compatTable(rows));
  });
});
