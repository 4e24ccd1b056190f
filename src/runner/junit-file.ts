import type { SaxesTagPlain } from 'saxes';
import type { TestCounts } from '../domain/build.ts';
import {
  cutText,
  MAX_TEST_COUNT,
  MAX_TEST_DURATION_MS,
  TEST_LIMITS,
  type TestCase,
  type TestStatus,
} from '../domain/test-report.ts';
import { MAX_PARAMETER_VALUE_LENGTH } from '../domain/parameter-rules.ts';
import type { FileBeneath } from './file-beneath.ts';
import { localName, streamXml } from './xml-stream.ts';

/** Where the cases of a step's reports go: bounded, the ones that did not pass first. */
export class CaseSink {
  readonly failing: TestCase[] = [];
  readonly others: TestCase[] = [];

  /**
   * `mask` is applied to every text of a case before it is cut to its limit: the build's secrets
   * masked as its log is, whole (a cut could otherwise keep the start of one).
   */
  constructor(readonly mask: (text: string) => string = (text) => text) {}

  add(c: TestCase): void {
    const list = c.status === 'failed' || c.status === 'error' ? this.failing : this.others;
    if (list.length < TEST_LIMITS.cases) list.push(c);
  }

  /**
   * The cases kept: those that did not pass, then the rest, at most TEST_LIMITS.cases and about
   * TEST_LIMITS.bytes of text. Over the budget the stack traces are cut shorter first (every
   * failure keeps its message), then the last cases go.
   */
  kept(): TestCase[] {
    let kept = [...this.failing, ...this.others].slice(0, TEST_LIMITS.cases);
    const size = (c: TestCase) => 64 + c.suite.length + c.className.length + c.name.length + c.message.length;
    const bare = kept.reduce((sum, c) => sum + size(c), 0);
    const traces = kept.filter((c) => c.detail !== '').length;
    const withTraces = bare + kept.reduce((sum, c) => sum + c.detail.length, 0);
    if (withTraces > TEST_LIMITS.bytes && traces > 0) {
      const each = Math.max(200, Math.floor((TEST_LIMITS.bytes - bare) / traces));
      kept = kept.map((c) => (c.detail.length > each ? { ...c, detail: cutText(c.detail, each) } : c));
    }
    let total = kept.reduce((sum, c) => sum + size(c) + c.detail.length, 0);
    while (total > TEST_LIMITS.bytes && kept.length > 0) {
      const last = kept.pop()!;
      total -= size(last) + last.detail.length;
    }
    return kept;
  }
}

/**
 * Reads one JUnit XML report (Surefire's, Gradle's, pytest's, Jest's: `<testsuites>` or
 * `<testsuite>` at the root, `<testcase>` with `<failure>`, `<error>` or `<skipped>`), streamed.
 * The counts are those of its test cases; a report without cases counts its suites' attributes.
 * Undefined when the file is XML of another kind; throws XmlSyntaxError when it is not well-formed
 * (the cases it gave before the error are then not added: `sink` gets a file's cases only whole).
 * `warning` hears what the log should say of a report read all the same (an unknown encoding).
 */
export async function readJunitFile(
  file: FileBeneath,
  sink: CaseSink,
  warning?: (message: string) => void,
): Promise<TestCounts | undefined> {
  const counts: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const fromSuites: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const cases = new CaseSink(sink.mask);
  const cut = (text: string, max: number) => cutText(sink.mask(text), max);
  let junit: boolean | undefined;
  const suites: string[] = [];
  let current: TestCase | undefined;
  let detail: string[] | undefined;
  let detailLength = 0;
  await streamXml(file, {
    ...(warning && { warning }),
    open(tag: SaxesTagPlain, depth: number) {
      const name = localName(tag);
      if (depth === 0) junit = name === 'testsuites' || name === 'testsuite';
      if (!junit) return;
      if (name === 'testsuite') {
        suites.push(cut(tag.attributes.name ?? '', TEST_LIMITS.name));
        for (const k of ['tests', 'failures', 'errors', 'skipped'] as const)
          fromSuites[k] = Math.min(
            MAX_TEST_COUNT,
            fromSuites[k] +
              count(tag.attributes[k] ?? (k === 'skipped' ? tag.attributes.disabled : undefined)),
          );
      } else if (name === 'testcase') {
        current = {
          suite: suites.at(-1) ?? '',
          className: cut(tag.attributes.classname ?? tag.attributes.class ?? '', TEST_LIMITS.name),
          name: cut(tag.attributes.name ?? '', TEST_LIMITS.name),
          status: 'passed',
          durationMs: seconds(tag.attributes.time),
          message: '',
          detail: '',
        };
      } else if (current && current.status === 'passed' && OUTCOMES[name]) {
        // The first outcome decides (Surefire's flakyFailure and rerunFailure are not outcomes).
        current.status = OUTCOMES[name];
        current.message = cut(tag.attributes.message ?? tag.attributes.type ?? '', TEST_LIMITS.message);
        if (name !== 'skipped') {
          detail = [];
          detailLength = 0;
        }
      }
    },
    close(name: string) {
      if (!junit) return;
      const local = name.slice(name.indexOf(':') + 1);
      if (local === 'testsuite') suites.pop();
      else if (local === 'testcase' && current) {
        counts.tests++;
        if (current.status === 'failed') counts.failures++;
        else if (current.status === 'error') counts.errors++;
        else if (current.status === 'skipped') counts.skipped++;
        cases.add(current);
        current = undefined;
      } else if ((local === 'failure' || local === 'error') && current && detail) {
        current.detail = cut(detail.join('').trim(), TEST_LIMITS.detail);
        detail = undefined;
      }
    },
    text(text: string) {
      // Read on past the limit by a secret's longest value: a secret that begins before the cut
      // is then whole when masked, not its first characters left.
      if (!detail || detailLength > TEST_LIMITS.detail + MAX_PARAMETER_VALUE_LENGTH) return;
      detail.push(text);
      detailLength += text.length;
    },
  });
  if (!junit) return undefined;
  for (const c of [...cases.failing, ...cases.others]) sink.add(c);
  return counts.tests > 0 ? counts : fromSuites;
}

const OUTCOMES: Record<string, TestStatus> = { failure: 'failed', error: 'error', skipped: 'skipped' };

/**
 * A count attribute ("12", "1,024"); 0 when absent, not a number, or more than MAX_TEST_COUNT:
 * unreadable like the others, where "99999999999999999999" read as a float gave nonsense totals.
 */
function count(value: string | undefined): number {
  const n = Number((value ?? '').replace(/,/g, ''));
  return Number.isFinite(n) && n > 0 && n <= MAX_TEST_COUNT ? Math.floor(n) : 0;
}

/** A `time` attribute in seconds ("0.012", "1,234.5") as whole ms; 0 past MAX_TEST_DURATION_MS. */
function seconds(value: string | undefined): number {
  const ms = Math.round(Number((value ?? '').replace(/,/g, '')) * 1000);
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_TEST_DURATION_MS ? ms : 0;
}
