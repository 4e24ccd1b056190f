import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { percentOf, type TestStatus } from '../../../src/domain/test-report.ts';
import { isUnauthorized } from '../api/errors.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Pager } from '../components/pager.tsx';
import { Spinner } from '../components/spinner.tsx';

type Tests = ResponseOf<'listBuildTests'>['result'];
type Counts = Tests['total'];

const PAGE = 50;
const FILTERS: { value: TestStatus | ''; label: string }[] = [
  { value: '', label: 'All (failures first)' },
  { value: 'failed', label: 'Failed' },
  { value: 'error', label: 'Errors' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'passed', label: 'Passed' },
];

/** "41 tests: 38 passed, 1 failed, 0 errors, 2 skipped". */
export function describeTests(c: Counts): string {
  return `${c.tests.toLocaleString()} test${c.tests === 1 ? '' : 's'}: ${c.passed.toLocaleString()} passed, ${c.failures.toLocaleString()} failed, ${c.errors.toLocaleString()} error${c.errors === 1 ? '' : 's'}, ${c.skipped.toLocaleString()} skipped`;
}

/**
 * What the build's test reports said (Kiln's build tests): the counts, each step's coverage, and
 * the cases kept, failures first with their messages and stack traces. Hidden while no step read
 * reports; read again when the build finishes.
 */
export function BuildTests({
  client,
  jobId,
  buildNo,
  finished,
}: {
  client: Kiln;
  jobId: string;
  buildNo: number;
  finished: boolean;
}) {
  const [status, setStatus] = useState<TestStatus | ''>('');
  const [page, setPage] = useState(0);
  const data = useAsync(
    async () =>
      (
        await client.listBuildTests({
          params: { job_id: jobId, build_no: buildNo },
          query: { ...(status && { status }), offset: page * PAGE, limit: PAGE },
        })
      ).result,
    [client, jobId, buildNo, status, page, finished],
  );
  const error = isUnauthorized(data.error) ? undefined : data.error;
  const tests = data.data;
  if (!error && (!tests || tests.steps.length === 0)) return null;
  const bad = tests ? tests.total.failures + tests.total.errors : 0;
  return (
    <section aria-labelledby="tests-title" className="build-tests">
      <h2 id="tests-title">Tests {data.loading && <Spinner label="Reading…" />}</h2>
      <ErrorMessage error={error} title="The test results could not be read." />
      {tests && (
        <>
          <p className={bad > 0 ? 'tests-summary failed' : 'tests-summary'} data-testid="tests-summary">
            {describeTests(tests.total)}
          </p>
          <ul className="tests-steps">
            {tests.steps.map((s) => (
              <li key={s.index}>
                Step {s.index + 1} “<bdi>{s.name}</bdi>”: {describeTests(s)}
                {s.coverage && (
                  <span className="coverage" data-testid="coverage">
                    {' '}
                    · lines {percentOf(s.coverage.lines_covered, s.coverage.lines_total) || '–'} (
                    {s.coverage.lines_covered.toLocaleString()}/{s.coverage.lines_total.toLocaleString()})
                    {s.coverage.branches_total > 0 &&
                      `, branches ${percentOf(s.coverage.branches_covered, s.coverage.branches_total)}`}{' '}
                    ({s.coverage.format})
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="toolbar">
            <label className="inline-field">
              Show{' '}
              <select
                value={status}
                onChange={(e) => {
                  setStatus(e.target.value as TestStatus | '');
                  setPage(0);
                }}
              >
                {FILTERS.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </select>
            </label>
            {tests.cases_kept < tests.total.tests && (
              <span className="muted">
                {tests.cases_kept.toLocaleString()} of {tests.total.tests.toLocaleString()} cases kept (those
                that did not pass first)
              </span>
            )}
          </div>
          {tests.cases.length === 0 ? (
            <p className="muted">No test case of this kind.</p>
          ) : (
            <ol className="test-cases" start={page * PAGE + 1}>
              {tests.cases.map((c, i) => (
                <TestCaseItem key={`${page}-${i}`} testCase={c} />
              ))}
            </ol>
          )}
          {tests.cases_total > PAGE && (
            <Pager
              page={page}
              totalPages={Math.ceil(tests.cases_total / PAGE)}
              onPage={setPage}
              label="Test case pages"
            />
          )}
        </>
      )}
    </section>
  );
}

/** One case: status, class and name, time; a failure's message, and its trace when opened. */
function TestCaseItem({ testCase: c }: { testCase: Tests['cases'][number] }) {
  const head = (
    <>
      <span className={`test-status ${c.status}`}>{c.status}</span>{' '}
      <bdi>
        <code>
          {c.class_name ? `${c.class_name}.` : ''}
          {c.name}
        </code>
      </bdi>{' '}
      <span className="muted">{formatDuration(c.duration_ms)}</span>
      {c.message && <span className="test-message"> — {c.message}</span>}
    </>
  );
  return (
    <li data-status={c.status}>
      {c.detail ? (
        <details>
          <summary>{head}</summary>
          <pre className="test-detail">{c.detail}</pre>
        </details>
      ) : (
        head
      )}
    </li>
  );
}
