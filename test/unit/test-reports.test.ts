import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootIdOf, stepOfRootId, TEST_LIMITS } from '../../src/domain/test-report.ts';
import { readCoverageFile, sumCoverage } from '../../src/runner/coverage-file.ts';
import { CaseSink, readJunitFile } from '../../src/runner/junit-file.ts';
import { collectReports } from '../../src/runner/test-reports.ts';
import { zipWorkspaceFiles } from '../../src/runner/report-zip.ts';
import { MAX_XML_TOKEN, streamXml, XmlSyntaxError } from '../../src/runner/xml-stream.ts';
import { zipEntries } from '../helpers/zip.ts';
import { readFile } from 'node:fs/promises';
import { maskSecretText } from '../../src/domain/secret-text.ts';

/** The runner's reading of JUnit and coverage reports, on real files of the kinds tools write. */

const root = mkdtempSync(join(tmpdir(), 'kiln-reports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function file(text: string | Buffer, name = `r${++n}.xml`): { root: string; path: string } {
  writeFileSync(join(root, name), text);
  return { root, path: name };
}

const SUREFIRE = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="demo.CalcTest" time="0.05" tests="4" errors="1" skipped="1" failures="1">
  <properties><property name="java.version" value="17"/></properties>
  <testcase name="adds" classname="demo.CalcTest" time="0.001"/>
  <testcase name="divides" classname="demo.CalcTest" time="0.012">
    <failure message="expected: &lt;2&gt; but was: &lt;3&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <2> but was: <3>
	at demo.CalcTest.divides(CalcTest.java:14)]]></failure>
    <system-out>noise</system-out>
  </testcase>
  <testcase name="overflows" classname="demo.CalcTest" time="1,234.5"><error type="java.lang.ArithmeticException">java.lang.ArithmeticException
	at demo.Calc.mul(Calc.java:9)</error></testcase>
  <testcase name="later" classname="demo.CalcTest"><skipped message="not yet"/></testcase>
</testsuite>`;

describe('JUnit reports', () => {
  it("reads Surefire's report: counts, statuses, messages, stack traces and times", async () => {
    const sink = new CaseSink();
    expect(await readJunitFile(file(SUREFIRE), sink)).toEqual({
      tests: 4,
      failures: 1,
      errors: 1,
      skipped: 1,
    });
    const cases = sink.kept();
    // The ones that did not pass come first.
    expect(cases.map((c) => `${c.name}:${c.status}`)).toEqual([
      'divides:failed',
      'overflows:error',
      'adds:passed',
      'later:skipped',
    ]);
    expect(cases[0]).toEqual({
      suite: 'demo.CalcTest',
      className: 'demo.CalcTest',
      name: 'divides',
      status: 'failed',
      durationMs: 12,
      message: 'expected: <2> but was: <3>',
      detail:
        'org.opentest4j.AssertionFailedError: expected: <2> but was: <3>\n\tat demo.CalcTest.divides(CalcTest.java:14)',
    });
    expect(cases[1]).toMatchObject({ message: 'java.lang.ArithmeticException', durationMs: 1_234_500 });
    expect(cases[3]).toMatchObject({ message: 'not yet', detail: '' });
  });

  it("reads pytest's and Jest's shape: nested suites, cases in the innermost", async () => {
    const sink = new CaseSink();
    const xml = `<testsuites name="jest tests" tests="3">
      <testsuite name="outer" tests="3"><testsuite name="inner" tests="3">
        <testcase classname="app sums" name="one" time="0.1"/>
        <testcase classname="app sums" name="two"><failure>Error: boom</failure></testcase>
        <testcase classname="app sums" name="three"><skipped/></testcase>
      </testsuite></testsuite></testsuites>`;
    expect(await readJunitFile(file(xml), sink)).toEqual({ tests: 3, failures: 1, errors: 0, skipped: 1 });
    expect(sink.kept()[0]).toMatchObject({ suite: 'inner', name: 'two', message: '', detail: 'Error: boom' });
  });

  it('counts the suites of a report that lists no cases', async () => {
    const xml =
      '<testsuites><testsuite tests="5" failures="1" errors="2" disabled="1"/><testsuite tests="2"/></testsuites>';
    expect(await readJunitFile(file(xml), new CaseSink())).toEqual({
      tests: 7,
      failures: 1,
      errors: 2,
      skipped: 1,
    });
  });

  it('reads a count beyond what a step report carries as unreadable, like other bad counts', async () => {
    const xml =
      '<testsuites><testsuite tests="99999999999999999999" failures="2147483648"/>' +
      '<testsuite tests="2147483647" errors="x"/><testsuite tests="3"/></testsuites>';
    expect(await readJunitFile(file(xml), new CaseSink())).toEqual({
      tests: 2147483647,
      failures: 0,
      errors: 0,
      skipped: 0,
    });
  });

  it('reads a time beyond what a step report carries as unreadable (0), as it reads such a count', async () => {
    // A build writes its reports: a time past MAX_TEST_DURATION_MS failed the step's report to
    // the server (500 on PostgreSQL), and the build ended "the runner failed".
    const xml =
      '<testsuite><testcase classname="c" name="huge" time="1e300"/>' +
      '<testcase classname="c" name="long" time="140737488355.328"/><testcase classname="c" name="ok" time="2"/></testsuite>';
    const sink = new CaseSink();
    await readJunitFile(file(xml), sink);
    expect(sink.kept().map((c) => `${c.name}:${c.durationMs}`)).toEqual([
      'huge:0',
      'long:140737488355328',
      'ok:2000',
    ]);
  });

  it("cuts a suite's name as a case's, so the step's report stays within what the server takes", async () => {
    // An uncut suite name (a Jest describe, a parametrized class) over 300 characters had the
    // server refuse the whole step report (400), and the build ended "the runner failed".
    const xml = `<testsuite name="${'s'.repeat(1000)}"><testcase classname="c" name="a"/></testsuite>`;
    const sink = new CaseSink();
    await readJunitFile(file(xml), sink);
    const [c] = sink.kept();
    expect(c!.suite).toHaveLength(TEST_LIMITS.name);
    expect(c!.suite.endsWith('…')).toBe(true);
  });

  it('cuts no character beyond U+FFFF in half, which the server would refuse as no Unicode', async () => {
    const name = `${'a'.repeat(TEST_LIMITS.name - 2)}😀b`;
    const sink = new CaseSink();
    await readJunitFile(file(`<testsuite><testcase classname="c" name="${name}"/></testsuite>`), sink);
    const [c] = sink.kept();
    expect(c!.name).toBe(`${'a'.repeat(TEST_LIMITS.name - 2)}…`);
    expect(c!.name).not.toMatch(/\p{Surrogate}/u);
  });

  it('masks every text before cutting it, so a cut keeps no start of a secret', async () => {
    const secret = 'S3CRET-TOKEN-VALUE';
    // The secret straddles the message's limit: cut first, its first characters would remain.
    const message = `${'m'.repeat(TEST_LIMITS.message - 8)}${secret} and more`;
    const xml =
      `<testsuite name="suite ${secret}"><testcase classname="c" name="uses ${secret}">` +
      `<failure message="${message}">trace ${secret}</failure></testcase></testsuite>`;
    const sink = new CaseSink((text) => maskSecretText(text, [secret]));
    await readJunitFile(file(xml), sink);
    const [c] = sink.kept();
    expect(c).toMatchObject({ suite: 'suite ******', name: 'uses ******', detail: 'trace ******' });
    expect(c?.message.length).toBeLessThanOrEqual(TEST_LIMITS.message);
    expect(c?.message).toContain('******');
    expect(c?.message).not.toMatch(/S3C/);
  });

  it('reads a stack trace past its limit far enough to mask a secret that straddles it', async () => {
    const secret = 'S3CRET-TOKEN-VALUE-20';
    // A trace in parts (text, then CDATA: writers split one where it holds "]]>"): the first part
    // ends inside the secret, past the trace's limit, where reading stopped, the rest unread.
    const first = `${'x'.repeat(TEST_LIMITS.detail - 5)}${secret.slice(0, 10)}`;
    const xml =
      `<testsuite name="s"><testcase classname="c" name="t"><failure message="m">${first}` +
      `<![CDATA[${secret.slice(10)} ]]]]><![CDATA[> tail]]></failure></testcase></testsuite>`;
    const sink = new CaseSink((text) => maskSecretText(text, [secret]));
    await readJunitFile(file(xml), sink);
    const [c] = sink.kept();
    expect(c?.detail.length).toBeLessThanOrEqual(TEST_LIMITS.detail);
    expect(c?.detail).not.toMatch(/S3C/);
    expect(c?.detail).toMatch(/^x+\*+…$/);
  });

  it('says undefined for XML of another kind', async () => {
    expect(await readJunitFile(file('<project><testcase/></project>'), new CaseSink())).toBeUndefined();
  });

  it('rejects a malformed report with where it breaks, adding none of its cases', async () => {
    const sink = new CaseSink();
    const broken = file('<testsuite>\n<testcase name="a"/>\n<testcase name="b">\n</testsuite>');
    const error = await readJunitFile(broken, sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XmlSyntaxError);
    // Where it breaks once, as the log shows it (saxes' own "4:12: " is not repeated).
    expect((error as Error).message).toMatch(/^line 4, column \d+: unexpected close tag\.$/);
    expect(sink.kept()).toEqual([]);
  });

  it('expands no entity a report declares and reads no file it names', async () => {
    const secret = file('top secret', 'secret.txt');
    const external = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://${secret}">]>
      <testsuite><testcase name="&x;"/></testsuite>`;
    await expect(readJunitFile(file(external), new CaseSink())).rejects.toBeInstanceOf(XmlSyntaxError);
    const bomb = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
      <testsuite><testcase name="&b;"/></testsuite>`;
    await expect(readJunitFile(file(bomb), new CaseSink())).rejects.toBeInstanceOf(XmlSyntaxError);
  });

  it('reads a report in UTF-16 by its byte order mark, and one in UTF-8 with or without', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase classname="c" name="zürich ✓ 😀"/></testsuite>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    const utf8 = xml.replace('UTF-16', 'UTF-8');
    for (const text of [le, be, `\uFEFF${utf8}`, utf8]) {
      const sink = new CaseSink();
      const name = `r${++n}.xml`;
      writeFileSync(join(root, name), text);
      expect(await readJunitFile({ root, path: name }, sink)).toMatchObject({ tests: 1 });
      expect(sink.kept()[0]!.name).toBe('zürich ✓ 😀');
    }
  });

  it('reads a report in the encoding its XML declaration names: Latin-1, windows-1252', async () => {
    // Old Surefire and Ant reports declare ISO-8859-1; read as UTF-8, "café" came out "caf\uFFFD".
    const latin1 = Buffer.from(
      `<?xml version="1.0" encoding="ISO-8859-1"?>\n<testsuite name="Résumé"><testcase classname="c" name="café"/></testsuite>`,
      'latin1',
    );
    const sink = new CaseSink();
    expect(await readJunitFile(file(latin1), sink)).toMatchObject({ tests: 1 });
    expect(sink.kept()[0]).toMatchObject({ suite: 'Résumé', name: 'café' });
    // windows-1252 has “ ” and € at 0x93, 0x94 and 0x80, where Latin-1 has control characters.
    const cp1252 = Buffer.concat([
      Buffer.from(`<?xml version='1.0' encoding='windows-1252' ?><testsuite><testcase classname="c" name="`),
      Buffer.from([0x93, 0x71, 0x94, 0x20, 0x80, 0x35, 0x20, 0xe9]),
      Buffer.from('"><failure message="x">'),
      Buffer.from([0x80]),
      Buffer.from('</failure></testcase></testsuite>'),
    ]);
    const other = new CaseSink();
    const warnings: string[] = [];
    expect(await readJunitFile(file(cp1252), other, (w) => warnings.push(w))).toMatchObject({
      tests: 1,
      failures: 1,
    });
    expect(other.kept()[0]).toMatchObject({ name: '“q” €5 é', detail: '€' });
    expect(warnings).toEqual([]);
  });

  it('reads a report with an encoding it does not know as UTF-8, and says so', async () => {
    const xml =
      '<?xml version="1.0" encoding="x-kiln-unknown"?><testsuite><testcase classname="c" name="zürich"/></testsuite>';
    const warnings: string[] = [];
    const sink = new CaseSink();
    expect(await readJunitFile(file(xml), sink, (w) => warnings.push(w))).toMatchObject({ tests: 1 });
    expect(sink.kept()[0]!.name).toBe('zürich');
    expect(warnings).toEqual([
      'declares the encoding "x-kiln-unknown", which the runner does not know: read as UTF-8',
    ]);
    // A UTF-16 declaration in one-byte characters is not so: read as UTF-8, nothing said.
    const quiet: string[] = [];
    const utf16 = xml.replace('x-kiln-unknown', 'UTF-16');
    expect(await readJunitFile(file(utf16), new CaseSink(), (w) => quiet.push(w))).toMatchObject({
      tests: 1,
    });
    expect(quiet).toEqual([]);
  });

  it('reads UTF-16 without a byte order mark by its first "<", as XML 1.0 says', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase classname="c" name="café ✓"/></testsuite>';
    const le = Buffer.from(xml, 'utf16le');
    for (const bytes of [le, Buffer.from(le).swap16()]) {
      const sink = new CaseSink();
      expect(await readJunitFile(file(bytes), sink)).toMatchObject({ tests: 1 });
      expect(sink.kept()[0]!.name).toBe('café ✓');
    }
  });

  it('decodes a declared encoding in a stream: a character split between two reads is whole', async () => {
    // "あ" is 0x82 0xA0 in Shift_JIS; the file is read 256 KiB at a time, the first read ends inside one.
    let prefix = '<?xml version="1.0" encoding="Shift_JIS"?><testsuite>';
    if ((256 * 1024 - prefix.length) % 2 === 0) prefix = prefix.replace('?>', ' ?>');
    const chars = 200_000;
    const bytes = Buffer.concat([
      Buffer.from(prefix),
      Buffer.alloc(chars * 2, Buffer.from([0x82, 0xa0])),
      Buffer.from('</testsuite>'),
    ]);
    const parts: string[] = [];
    await streamXml(file(bytes), { open() {}, close() {}, text: (t) => parts.push(t) });
    expect(parts.join('')).toBe('あ'.repeat(chars));
  });

  it('refuses a text too long to hold as a malformed report, not with an error that fails the build', async () => {
    // V8 has no string of 2^29 characters: a 512 MiB report that was one text threw a RangeError
    // out of saxes, and the build ended "the runner failed". The bound is checked per chunk.
    expect(MAX_XML_TOKEN).toBeLessThan(2 ** 29 - 24 - 256 * 1024);
    const long = file(`<testsuite><testcase name="a"/><![CDATA[${']a'.repeat(300_000)}]]></testsuite>`);
    const error = await streamXml(long, { open() {}, close() {} }, 500_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XmlSyntaxError);
    expect((error as Error).message).toMatch(/^line 1: a text, CDATA .* of more than 500000 characters$/);
    await expect(streamXml(long, { open() {}, close() {} }, 600_001)).resolves.toBeUndefined();
  });

  it('holds no comment, processing instruction or DOCTYPE past a chunk: one longer than the bound is read', async () => {
    // No handler hears their text; saxes gathered it all the same, some 30 bytes a character for a
    // comment of "-a-a-a...", up to the bound, and then the report was not read.
    const long = (junk: string) => '-a'.repeat(300_000).replace(/-/g, junk);
    const reports = [
      `<testsuite><testcase name="a"/><!--${long('-')}--></testsuite>`,
      `<?xml version="1.0"?><!--${long('-')}--><testsuite><?kiln ${long('?')}?><testcase name="a"/></testsuite>`,
      `<!DOCTYPE testsuite [<!--${long('-')}--><?pi ${long('?')}?><!ENTITY e "${long('-')}">]><testsuite><testcase name="a"/></testsuite>`,
    ];
    for (const xml of reports) {
      const opened: string[] = [];
      await streamXml(file(xml), { open: (tag) => opened.push(tag.name), close() {} }, 500_000);
      expect(opened).toEqual(['testsuite', 'testcase']);
    }
    // Still well-formed XML only: a comment that breaks is named as before.
    const broken = file(`<testsuite><!--${long('-')} -- --></testsuite>`);
    await expect(streamXml(broken, { open() {}, close() {} }, 500_000)).rejects.toThrow(/malformed comment/);
  });

  it('reads a huge report in a stream: exact counts, bounded cases, failures first', async () => {
    const cases = 200_000;
    const parts = ['<testsuite name="huge">'];
    for (let i = 0; i < cases; i++)
      parts.push(
        i % 1000 === 999
          ? `<testcase classname="big.T" name="t${i}"><failure message="m${i}">${'x'.repeat(5_000)}</failure></testcase>`
          : `<testcase classname="big.T" name="t${i}" time="0.001"/>`,
      );
    parts.push('</testsuite>');
    const path = file(parts.join('\n'));
    const sink = new CaseSink();
    expect(await readJunitFile(path, sink)).toEqual({ tests: cases, failures: 200, errors: 0, skipped: 0 });
    const kept = sink.kept();
    // Every failure is kept with its message; the traces are cut to fit the budget.
    expect(kept).toHaveLength(TEST_LIMITS.cases);
    expect(kept.slice(0, 200).every((c) => c.status === 'failed' && c.message.startsWith('m'))).toBe(true);
    expect(kept[0]!.detail).toMatch(/^x{100,}…$/);
    expect(kept[0]!.detail.length).toBeLessThan(TEST_LIMITS.detail);
    expect(kept[200]!.status).toBe('passed');
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThan(1024 * 1024);
  });
});

describe('coverage reports', () => {
  it("takes JaCoCo's report-level counters, not a package's", async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
      <report name="m"><sessioninfo id="s" start="1" dump="2"/><package name="p"><class name="p/A"><counter type="LINE" missed="9" covered="9"/></class>
      <counter type="LINE" missed="7" covered="7"/></package>
      <counter type="BRANCH" missed="2" covered="6"/><counter type="LINE" missed="25" covered="75"/></report>`;
    expect(await readCoverageFile(file(xml))).toEqual({
      format: 'jacoco',
      linesCovered: 75,
      linesTotal: 100,
      branchesCovered: 6,
      branchesTotal: 8,
    });
  });

  it("takes Cobertura's counts (coverage.py, Istanbul); a report with rates only says nothing", async () => {
    const xml = `<?xml version="1.0" ?><!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
      <coverage line-rate="0.5" branch-rate="0.25" lines-covered="10" lines-valid="20" branches-covered="1" branches-valid="4" version="7.4" timestamp="1"><packages/></coverage>`;
    const cobertura = await readCoverageFile(file(xml));
    expect(cobertura).toEqual({
      format: 'cobertura',
      linesCovered: 10,
      linesTotal: 20,
      branchesCovered: 1,
      branchesTotal: 4,
    });
    expect(await readCoverageFile(file('<coverage line-rate="0.5"/>'))).toBeUndefined();
    expect(sumCoverage([cobertura!, cobertura!])).toMatchObject({ linesCovered: 20, linesTotal: 40 });
  });

  it('reads more lines or branches covered than a Cobertura report has as all of them, not over 100%', async () => {
    const xml = '<coverage lines-covered="100" lines-valid="10" branches-covered="9" branches-valid="0"/>';
    expect(await readCoverageFile(file(xml))).toEqual({
      format: 'cobertura',
      linesCovered: 10,
      linesTotal: 10,
      branchesCovered: 0,
      branchesTotal: 0,
    });
  });

  it('reads a count beyond what a step report carries as unreadable, and sums no further', async () => {
    const huge = await readCoverageFile(
      file(
        '<coverage lines-covered="1e300" lines-valid="2147483647" branches-covered="3" branches-valid="4"/>',
      ),
    );
    expect(huge).toEqual({
      format: 'cobertura',
      linesCovered: 0,
      linesTotal: 2147483647,
      branchesCovered: 3,
      branchesTotal: 4,
    });
    const jacoco = await readCoverageFile(
      file('<report name="m"><counter type="LINE" missed="2147483647" covered="2147483647"/></report>'),
    );
    expect(jacoco).toMatchObject({ linesCovered: 2147483647, linesTotal: 2147483647 });
    expect(sumCoverage([huge!, huge!])).toMatchObject({ linesTotal: 2147483647, branchesTotal: 8 });
  });
});

describe("a step's reports in a workspace", () => {
  it('reads the matching reports, names the broken one, follows no link, and zips the files', async () => {
    const ws = join(root, 'ws');
    mkdirSync(join(ws, 'a/target/surefire-reports'), { recursive: true });
    mkdirSync(join(ws, 'b/target/surefire-reports'), { recursive: true });
    mkdirSync(join(ws, 'a/target/site/jacoco'), { recursive: true });
    writeFileSync(join(ws, 'a/target/surefire-reports/TEST-a.xml'), SUREFIRE);
    writeFileSync(join(ws, 'b/target/surefire-reports/TEST-b.xml'), '<testsuite><testcase name="x">');
    writeFileSync(
      join(ws, 'a/target/site/jacoco/jacoco.xml'),
      '<report name="a"><counter type="LINE" missed="1" covered="3"/></report>',
    );
    writeFileSync(join(ws, 'a/target/site/jacoco/index.html'), '<html/>');
    symlinkSync(join(root, 'secret.txt'), join(ws, 'b/target/surefire-reports/TEST-link.xml'));

    const got = await collectReports(ws, { reports: '**/TEST*.xml', coverage: '**/site/jacoco' });
    expect(got.tests?.counts).toEqual({ tests: 4, failures: 1, errors: 1, skipped: 1 });
    expect(got.tests?.coverage).toEqual({
      format: 'jacoco',
      linesCovered: 3,
      linesTotal: 4,
      branchesCovered: 0,
      branchesTotal: 0,
    });
    expect(got.lines).toEqual([
      'unit tests (**/TEST*.xml): 1 report, 4 tests, 1 failure, 1 error, 1 skipped',
      '  a/target/surefire-reports/TEST-a.xml: 4 tests, 1 failure, 1 error, 1 skipped',
      expect.stringMatching(
        /^ {2}b\/target\/surefire-reports\/TEST-b\.xml: not well-formed XML \(line 1, .*\); not counted$/,
      ),
      'coverage (jacoco, 1 report): lines 3/4 75.0%',
    ]);
    expect(got.files).toEqual([
      'a/target/surefire-reports/TEST-a.xml',
      'b/target/surefire-reports/TEST-b.xml',
      'a/target/site/jacoco/index.html',
      'a/target/site/jacoco/jacoco.xml',
    ]);
    const zip = join(root, 'reports.zip');
    await zipWorkspaceFiles(ws, got.files, zip);
    const entries = await zipEntries(await readFile(zip));
    expect(Object.keys(entries).sort()).toEqual([...got.files].sort());
    expect(entries['b/target/surefire-reports/TEST-b.xml']).toBe('<testsuite><testcase name="x">');
  });

  it('says how many matching files it did not read past its bound, the counts being short then', async () => {
    const ws = join(root, 'many');
    mkdirSync(ws);
    for (let i = 0; i < 1003; i++)
      writeFileSync(
        join(ws, `TEST-${String(i).padStart(4, '0')}.xml`),
        '<testsuite><testcase name="a"/></testsuite>',
      );
    const got = await collectReports(ws, { reports: 'TEST-*.xml' });
    expect(got.tests?.counts.tests).toBe(1000);
    expect(got.lines[0]).toBe(
      'unit tests (TEST-*.xml): 1000 reports, 1000 tests, 0 failures, 0 errors, 0 skipped',
    );
    expect(got.lines.at(-1)).toBe(
      'unit tests: 3 more file(s) match TEST-*.xml, not read (a step reads at most 1000)',
    );
  });

  it('says when the walk stopped at its bounds, not only that no report matches', async () => {
    const ws = join(root, 'deep');
    const deep = join(ws, ...Array.from({ length: 260 }, () => 'd'));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'TEST-deep.xml'), '<testsuite><testcase name="a"/></testsuite>');
    const got = await collectReports(ws, { reports: '**/TEST-*.xml' });
    expect(got.lines).toEqual([
      'the workspace has more than 200000 entries or 256 levels of directories: reports past them were not looked for',
      'unit tests: no report matches **/TEST-*.xml',
    ]);
  });

  it('says in the log which reports name an encoding the runner does not know, read as UTF-8', async () => {
    const ws = join(root, 'encodings');
    mkdirSync(join(ws, 'site'), { recursive: true });
    const declare = (encoding: string, body: string) => `<?xml version="1.0" encoding="${encoding}"?>${body}`;
    writeFileSync(
      join(ws, 'TEST-old.xml'),
      Buffer.from(declare('ISO-8859-1', '<testsuite><testcase name="é"/></testsuite>'), 'latin1'),
    );
    writeFileSync(join(ws, 'TEST-odd.xml'), declare('x-odd', '<testsuite><testcase name="a"/></testsuite>'));
    writeFileSync(join(ws, 'TEST-other.xml'), declare('x-odd', '<project/>'));
    writeFileSync(
      join(ws, 'site/jacoco.xml'),
      declare('x-odd', '<report><counter type="LINE" missed="1" covered="1"/></report>'),
    );
    const got = await collectReports(ws, { reports: 'TEST-*.xml', coverage: 'site' });
    expect(got.tests?.cases.map((c) => c.name).sort()).toEqual(['a', 'é']);
    expect(got.lines).toEqual([
      'unit tests (TEST-*.xml): 2 reports, 2 tests, 0 failures, 0 errors, 0 skipped',
      '  TEST-odd.xml: 1 test, 0 failures, 0 errors, 0 skipped',
      '  TEST-old.xml: 1 test, 0 failures, 0 errors, 0 skipped',
      '  TEST-odd.xml: declares the encoding "x-odd", which the runner does not know: read as UTF-8',
      'coverage: site/jacoco.xml: declares the encoding "x-odd", which the runner does not know: read as UTF-8',
      'coverage (jacoco, 1 report): lines 1/2 50.0%',
    ]);
  });

  it('says so when nothing matches', async () => {
    const got = await collectReports(join(root, 'ws'), { reports: 'none/*.xml' });
    expect(got).toEqual({ lines: ['unit tests: no report matches none/*.xml'], files: [] });
  });
});

describe('root ids', () => {
  it("name a build's step within the reference's 40 characters", () => {
    const recordId = '025fa618-a241-4219-87b5-e0e2b0ce0c89';
    const id = rootIdOf(recordId, 999);
    expect(id).toBe('025fa618a241421987b5e0e2b0ce0c89-s1000');
    expect(id.length).toBeLessThanOrEqual(40);
    expect(stepOfRootId(id, recordId)).toBe(999);
    expect(stepOfRootId(rootIdOf('ffffffff-a241-4219-87b5-e0e2b0ce0c89', 0), recordId)).toBeUndefined();
    expect(stepOfRootId('junk', recordId)).toBeUndefined();
  });
});
