import { MAX_TEST_COUNT, type Coverage } from '../domain/test-report.ts';
import type { FileBeneath } from './file-beneath.ts';
import { localName, streamXml } from './xml-stream.ts';

/**
 * Reads one coverage report, streamed: JaCoCo's XML (`<report>`, whose own `<counter type="LINE"
 * |"BRANCH" missed covered>` children are the totals) or Cobertura's (`<coverage lines-covered
 * lines-valid branches-covered branches-valid>`, which coverage.py, Istanbul and gcovr write too).
 * Undefined when the file is XML of another kind, or a Cobertura report without counts (only
 * rates); throws XmlSyntaxError when it is not well-formed. `warning` hears what the log should say
 * of a report read all the same (an unknown encoding).
 */
export async function readCoverageFile(
  file: FileBeneath,
  warning?: (message: string) => void,
): Promise<Coverage | undefined> {
  let found: Coverage | undefined;
  let kind: 'jacoco' | 'cobertura' | undefined;
  await streamXml(file, {
    ...(warning && { warning }),
    open(tag, depth) {
      const name = localName(tag);
      const a = tag.attributes;
      if (depth === 0) {
        if (name === 'report') {
          kind = 'jacoco';
          found = { format: 'jacoco', linesCovered: 0, linesTotal: 0, branchesCovered: 0, branchesTotal: 0 };
        } else if (name === 'coverage' && a['lines-valid'] !== undefined) {
          kind = 'cobertura';
          // More covered than valid (a report's own say) is read as all covered, not as 1000%.
          const lines = int(a['lines-valid']);
          const branches = int(a['branches-valid']);
          found = {
            format: 'cobertura',
            linesCovered: Math.min(lines, int(a['lines-covered'])),
            linesTotal: lines,
            branchesCovered: Math.min(branches, int(a['branches-covered'])),
            branchesTotal: branches,
          };
        }
        return;
      }
      if (kind === 'jacoco' && depth === 1 && name === 'counter' && found) {
        const covered = int(a.covered);
        const total = Math.min(MAX_TEST_COUNT, covered + int(a.missed));
        if (a.type === 'LINE') {
          found.linesCovered = covered;
          found.linesTotal = total;
        } else if (a.type === 'BRANCH') {
          found.branchesCovered = covered;
          found.branchesTotal = total;
        }
      }
    },
    close() {},
  });
  return found;
}

/** Sums reports of one format (a multi-module build has one per module); the first format wins. */
export function sumCoverage(reports: Coverage[]): Coverage | undefined {
  const first = reports[0];
  if (!first) return undefined;
  const sum = { ...first, linesCovered: 0, linesTotal: 0, branchesCovered: 0, branchesTotal: 0 };
  // Each sum stops at MAX_TEST_COUNT, as test counts do: the server keeps no more.
  const add = (a: number, b: number) => Math.min(MAX_TEST_COUNT, a + b);
  for (const r of reports.filter((r) => r.format === first.format)) {
    sum.linesCovered = add(sum.linesCovered, r.linesCovered);
    sum.linesTotal = add(sum.linesTotal, r.linesTotal);
    sum.branchesCovered = add(sum.branchesCovered, r.branchesCovered);
    sum.branchesTotal = add(sum.branchesTotal, r.branchesTotal);
  }
  return sum;
}

/** A count attribute; 0 when absent, not a number, or more than MAX_TEST_COUNT (not believed). */
function int(value: string | undefined): number {
  const n = Number(value ?? '');
  return Number.isFinite(n) && n > 0 && n <= MAX_TEST_COUNT ? Math.floor(n) : 0;
}
