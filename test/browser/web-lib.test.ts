import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/client/api-error.ts';
import type { JobConfigBody } from '../../src/contract/jobs.ts';
import { describeError, fieldErrorsOf } from '../../web/src/api/errors.ts';
import { dailySeries, durationSeries } from '../../web/src/job/chart-data.ts';
import { runParameters } from '../../web/src/job/run-parameters.ts';
import { docFromForm, formFromDoc, move, withDefinition } from '../../web/src/job-form/form-model.ts';
import { parseAnsiLine } from '../../web/src/lib/ansi.ts';
import { BLOCK_LINES, BlockHeights } from '../../web/src/lib/log-blocks.ts';
import { LogBuffer, markMatches } from '../../web/src/lib/log-buffer.ts';
import { logSections, positionOf, shownLines, stepRanges } from '../../web/src/lib/log-sections.ts';
import { paddedTimeRange } from '../../web/src/job/chart-data.ts';
import { serverWallClock } from '../../web/src/lib/server-time.ts';
import { sideBySide } from '../../web/src/lib/side-by-side.ts';
import { windowFromParams, windowToParams } from '../../web/src/lib/time-window.ts';
import { historyRecord } from './helpers/history.ts';

/** The dashboard's pure parts, in Node (the browser story covers them wired together). */

describe('ANSI rendering', () => {
  it('turns SGR colours into styled runs and drops other escapes', () => {
    const { runs, style } = parseAnsiLine('\u001b[1;32mok\u001b[0m plain \u001b[2K\u001b[38;5;196mred', {});
    expect(runs.map((r) => r.text)).toEqual(['ok', ' plain ', 'red']);
    expect(runs[0]?.style).toMatchObject({ bold: true, fg: '#4ade80' });
    expect(runs[1]?.style).toEqual({});
    expect(runs[2]?.style.fg).toBe('rgb(255,0,0)');
    expect(style.fg).toBe('rgb(255,0,0)');
  });

  it('keeps what a carriage return redrew last', () => {
    expect(parseAnsiLine('10%\r50%\r100%', {}).runs.map((r) => r.text)).toEqual(['100%']);
  });

  it('buffers a line cut by a chunk boundary, even inside an escape', () => {
    const b = new LogBuffer();
    b.append('a\n\u001b[3');
    b.append('1mred\u001b[0m\nb');
    expect(b.lines().map((l) => l.text)).toEqual(['a', 'red', 'b']);
    expect(b.lines()[1]?.runs[0]?.style.fg).toBe('#f87171');
  });

  it('marks every match across runs, ignoring case', () => {
    const { runs } = parseAnsiLine('Line \u001b[31mLINE\u001b[0m line', {});
    const marked = markMatches(runs, 'line');
    expect(marked.filter((r) => r.mark).map((r) => r.text)).toEqual(['Line', 'LINE', 'line']);
  });
});

describe('validation errors', () => {
  it('splits semantic and schema messages by field', () => {
    const e = new ApiError(
      400,
      'CB.00060200',
      'job_name: must not be empty; steps[1].properties.command: step "b" needs a non-empty string "command"; triggers[0].parameters.cron: "x; y" is not a valid cron expression',
      'r1',
    );
    expect(fieldErrorsOf(e).fields).toEqual({
      job_name: 'must not be empty',
      'steps[1].properties.command': 'step "b" needs a non-empty string "command"',
      'triggers[0].parameters.cron': '"x; y" is not a valid cron expression',
    });
    const schema = new ApiError(400, 'CB.00060200', "body field 'scms[0].scm_type' is required", 'r2');
    expect(fieldErrorsOf(schema).fields).toEqual({ 'scms[0].scm_type': 'is required' });
    expect(fieldErrorsOf(new ApiError(500, 'CB.00060101', 'boom', 'r3')).general).toHaveLength(1);
  });

  it('says a redirect (status 0 in a browser) is one, not that the server cannot be reached', () => {
    expect(describeError(new ApiError(0, 'REDIRECT', 'http://kiln answered with a redirect', ''))).toMatch(
      /redirect.*Reload the page/,
    );
    expect(describeError(new ApiError(0, 'CONNECTION', 'cannot reach', ''))).toMatch(/cannot be reached/);
  });
});

describe('time window in the URL', () => {
  it('round-trips presets and custom windows; bad values fall back to 7 days', () => {
    const p = new URLSearchParams();
    windowToParams({ kind: 'custom', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 2) }, p);
    expect(windowFromParams(p)).toEqual({
      kind: 'custom',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 2),
    });
    windowToParams({ kind: 'preset', preset: '24h' }, p);
    expect(p.toString()).toBe('window=24h');
    expect(windowFromParams(new URLSearchParams('window=1y'))).toEqual({ kind: 'preset', preset: '7d' });
    expect(serverWallClock(Date.UTC(2024, 1, 29, 3, 4, 5))).toBe('2024-02-29 03:04:05');
  });
});

describe('chart series', () => {
  it('one duration point per finished build, failures marked; every day of the window counted, aborted builds not in its rate', () => {
    const day = 86_400_000;
    const t0 = new Date(2024, 4, 10, 12).getTime();
    const records = [
      historyRecord(7, t0 + day, 1),
      historyRecord(8, t0 + day + 1000, 2),
      historyRecord(9, t0, 1),
    ];
    records.push({ ...historyRecord(10, t0 + 2 * day, 1), job_running_status: 'Running', state: '' });
    records.push({ ...historyRecord(11, t0 + day + 2000, 3), state: 'ABORTED' });
    const d = durationSeries(records);
    expect(d.numbers).toEqual([9, 7, 8, 11]);
    expect(d.failed.map((v) => v !== null)).toEqual([false, true, false, false]);
    const daily = dailySeries(records, t0 - day, t0 + 2 * day);
    expect(daily.builds).toEqual([0, 1, 3, 1]);
    expect(daily.rate).toEqual([null, 100, 50, null]);
  });
});

describe('the Run form', () => {
  const param = (name: string, sensitive = false) => ({
    name,
    defaultValue: '',
    sensitive,
    description: '',
    choices: [],
  });

  it('sends each parameter once: a job that defines codeBranch gets the branch as its value', () => {
    // RunJob refuses a name given twice: a job defining codeBranch (as CodeArts' own jobs do) run
    // on another branch than its own was answered 400 "codeBranch" is given twice.
    const params = [param('codeBranch'), param('ENV'), param('TOKEN', true)];
    const values = { codeBranch: 'main', ENV: 'prod', TOKEN: '' };
    expect(runParameters(params, values, 'feature/x')).toEqual([
      { name: 'codeBranch', value: 'feature/x' },
      { name: 'ENV', value: 'prod' },
    ]);
    expect(runParameters(params, values, undefined)).toEqual([
      { name: 'codeBranch', value: 'main' },
      { name: 'ENV', value: 'prod' },
    ]);
    expect(runParameters([param('ENV')], { ENV: 'dev' }, 'feature/x')).toEqual([
      { name: 'ENV', value: 'dev' },
      { name: 'codeBranch', value: 'feature/x' },
    ]);
  });
});

describe('job form', () => {
  const doc: JobConfigBody = {
    arch: 'arm64',
    project_id: 'p'.repeat(32),
    job_name: 'j',
    flavor: 'big',
    scms: [{ url: 'https://x/y.git', scm_type: 'github', branch: 'main', depth: '1' }],
    steps: [
      { module_id: 'kiln.shell', name: 'a', properties: { command: 'echo a', extra: 1 } },
      { module_id: 'kiln.shell', name: 'b', properties: { command: 'echo b' }, enable: false },
    ],
    parameters: [
      {
        name: 'hudson.model.ChoiceParameterDefinition',
        params: [
          { name: 'name', value: 'ENV' },
          { name: 'defaultValue', value: 'dev' },
          { name: 'limits', value: null, limits: [{ name: 'dev' }, { name: 'prod' }] },
        ],
      },
    ],
    triggers: [
      { name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * *' }] },
      { name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] },
    ],
    timeout: { limit: '30', unit: 'MINUTES' },
  };

  it('edits without dropping what the form does not show', () => {
    const form = formFromDoc(doc);
    expect(form.parameters[0]?.choices).toEqual(['dev', 'prod']);
    form.steps = move(form.steps, 1, -1);
    form.push = false;
    const { doc: out, triggerSources } = docFromForm(form, doc, '');
    expect(out.arch).toBe('arm64');
    expect(out.flavor).toBe('big');
    expect(out.scms?.[0]).toMatchObject({ depth: '1', branch: 'main' });
    expect(out.steps.map((s) => s.name)).toEqual(['b', 'a']);
    expect(out.steps[1]?.properties).toEqual({ command: 'echo a', extra: 1 });
    expect(out.steps[0]?.enable).toBe(false);
    expect(out.parameters?.[0]?.params?.find((p) => p.name === 'limits')?.limits).toHaveLength(2);
    expect(out.parameters?.[0]?.params?.find((p) => p.name === 'sensitiveVar')?.value).toBe('false');
    expect(out.triggers).toEqual([{ name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * *' }] }]);
    expect(triggerSources).toHaveLength(1);
  });

  it("keeps a trigger the form does not show (CodeArts' hudson.triggers.TimerTrigger) as stored", () => {
    const codearts = {
      name: 'hudson.triggers.TimerTrigger',
      parameters: [
        { name: 'spec', value: '18 15 * * 1,2,3,4,5' },
        { name: 'timeZoneId', value: 'Asia/Shanghai' },
        { name: 'timeZone', value: 'China_Standard_Time' },
        { name: 'isDST', value: 'false' },
      ],
    };
    const stored = { ...doc, triggers: [...(doc.triggers ?? []), codearts] };
    const form = formFromDoc(stored);
    expect(form.crons.map((c) => c.cron)).toEqual(['0 2 * * *']);
    const { doc: out, triggerSources } = docFromForm(form, stored, '');
    expect(out.triggers).toEqual([doc.triggers?.[0], codearts, doc.triggers?.[1]]);
    expect(triggerSources.map((s) => s.kind)).toEqual(['cron', 'kept', 'push']);
  });

  const stringParam = (name: string, value: string) => ({
    name: 'hudson.model.StringParameterDefinition',
    params: [
      { name: 'name', value: name },
      { name: 'defaultValue', value },
      { name: 'description', value: `about ${name}` },
      { name: 'sensitiveVar', value: 'false' },
    ],
  });
  const codeBased: JobConfigBody = {
    arch: 'x86-64',
    project_id: 'p'.repeat(32),
    job_name: 'y',
    build_config_type: 'YAML',
    scms: [{ url: 'file:///r', scm_type: 'git', branch: 'main' }],
    steps: [],
    parameters: [stringParam('A', '1'), stringParam('CB_BUILD_YAML_PATH', 'ci/b.yml')],
  };

  it('keeps a code-based job code-based, its build.yml path as the CB_BUILD_YAML_PATH parameter', () => {
    const form = formFromDoc(codeBased);
    expect(form.definition).toBe('YAML');
    expect(form.yamlPath).toBe('ci/b.yml');
    expect(form.parameters.map((p) => p.name)).toEqual(['A']);
    const { doc: out } = docFromForm({ ...form, yamlPath: 'ci/c.yml' }, codeBased, '');
    expect(out.build_config_type).toBe('YAML');
    expect(out.steps).toEqual([]);
    expect(out.parameters).toEqual([stringParam('A', '1'), stringParam('CB_BUILD_YAML_PATH', 'ci/c.yml')]);
    // Empty: the default path, so no parameter.
    const { doc: plain } = docFromForm({ ...form, yamlPath: ' ' }, codeBased, '');
    expect(plain.parameters).toEqual([stringParam('A', '1')]);
  });

  it('switches between steps and build.yml', () => {
    const graphical = formFromDoc({ ...codeBased, build_config_type: undefined, steps: [] });
    expect(graphical.definition).toBe('ACTION');
    expect(graphical.parameters.map((p) => p.name)).toEqual(['A', 'CB_BUILD_YAML_PATH']);
    const yaml = withDefinition(graphical, 'YAML');
    expect(yaml.yamlPath).toBe('ci/b.yml');
    expect(yaml.parameters.map((p) => p.name)).toEqual(['A']);
    const { doc: out } = docFromForm(yaml, undefined, 'p'.repeat(32));
    expect(out.build_config_type).toBe('YAML');
    expect(out.parameters?.[1]).toEqual(stringParam('CB_BUILD_YAML_PATH', 'ci/b.yml'));
    // Back to steps: a job without any gets an empty shell step, and says it is graphical; the
    // path is a parameter again.
    const back = withDefinition(formFromDoc(codeBased), 'ACTION');
    expect(back.steps.map((s) => [s.name, s.moduleId])).toEqual([['build', 'kiln.shell']]);
    expect(back.parameters.map((p) => [p.name, p.defaultValue])).toEqual([
      ['A', '1'],
      ['CB_BUILD_YAML_PATH', 'ci/b.yml'],
    ]);
    expect(back.yamlPath).toBe('');
    expect(withDefinition(back, 'YAML').yamlPath).toBe('ci/b.yml');
    const { doc: graphicalDoc } = docFromForm({ ...back, steps: [] }, codeBased, '');
    expect(graphicalDoc.build_config_type).toBe('ACTION');
    expect(docFromForm(graphical, undefined, '').doc).not.toHaveProperty('build_config_type');
  });

  it('shows and keeps CodeArts module steps: default commands, checkout and unknown modules as they were', () => {
    const modules: JobConfigBody = {
      ...doc,
      steps: [
        { module_id: 'devcloud2018.codeci_action_20043.action', name: 'maven', properties: null },
        {
          module_id: 'devcloud2018.codeci_action_20014.action',
          name: 'npm',
          properties: { command: 'npm ci', image: 'node:20' },
        },
        { module_id: 'devcloud2018.codeci_action_20040.action', name: 'checkout', properties: { depth: 1 } },
        { module_id: 'vendor.unknown', name: 'odd', properties: { x: 'y' }, version: '2' },
      ],
    };
    const form = formFromDoc(modules);
    expect(form.steps.map((s) => [s.moduleId, s.command])).toEqual([
      ['devcloud2018.codeci_action_20043.action', ''],
      ['devcloud2018.codeci_action_20014.action', 'npm ci'],
      ['devcloud2018.codeci_action_20040.action', ''],
      ['vendor.unknown', ''],
    ]);
    expect(docFromForm(form, modules, '').doc.steps).toEqual(
      modules.steps.map((s) => ({ ...s, enable: true })),
    );
    // A command given to Maven replaces its default; clearing npm's brings its default back.
    const edited = form.steps.map((s, i) =>
      i === 0 ? { ...s, command: 'mvn -B verify' } : i === 1 ? { ...s, command: '' } : s,
    );
    const steps = docFromForm({ ...form, steps: edited }, modules, '').doc.steps;
    expect(steps[0]?.properties).toEqual({ command: 'mvn -B verify' });
    expect(steps[1]?.properties).toEqual({ image: 'node:20' });
  });
});

describe('side-by-side diffs', () => {
  it('puts unchanged lines on both sides and pairs removed lines with the added ones', () => {
    const patch = [
      '===================================================================',
      '--- version 1',
      '+++ version 2',
      '@@ -3,4 +3,5 @@',
      '   "a": 1,',
      '-  "b": 2,',
      '-  "c": 3',
      '+  "b": 20,',
      '+  "c": 30,',
      '+  "d": 40',
      ' }',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect(sideBySide(patch)).toEqual([
      { hunk: '@@ -3,4 +3,5 @@' },
      {
        left: { line: 3, text: '  "a": 1,', kind: 'same' },
        right: { line: 3, text: '  "a": 1,', kind: 'same' },
      },
      {
        left: { line: 4, text: '  "b": 2,', kind: 'removed' },
        right: { line: 4, text: '  "b": 20,', kind: 'added' },
      },
      {
        left: { line: 5, text: '  "c": 3', kind: 'removed' },
        right: { line: 5, text: '  "c": 30,', kind: 'added' },
      },
      { right: { line: 6, text: '  "d": 40', kind: 'added' } },
      { left: { line: 6, text: '}', kind: 'same' }, right: { line: 7, text: '}', kind: 'same' } },
    ]);
  });

  it('shows nothing for two equal versions', () => {
    expect(sideBySide('===\n--- version 2\n+++ version 2\n')).toEqual([]);
  });
});

describe('log sections', () => {
  const text = [
    '[kiln] build 1 (#1) on runner r',
    'checked out',
    '[kiln] step 1/2 "build"',
    'compiling',
    '[kiln] step "build" succeeded in 1 s',
    '[kiln] step 2/2 "test"',
    'testing',
    '[kiln] build finished: SUCCESS',
    '',
  ].join('\n');
  const buffer = new LogBuffer();
  buffer.append(text);
  const lines = buffer.lines();
  const at = (line: string) => Buffer.byteLength(text.slice(0, text.indexOf(line)));
  // The stages as the server answers them: each step's bytes, from its line to the next step's.
  const stages = [
    {
      execution_stage_name: 'initial',
      sequence: 0,
      log_start_offset: 0,
      log_end_offset: at('[kiln] step 1/2'),
    },
    {
      execution_stage_name: 'stage1',
      sequence: 1,
      log_start_offset: at('[kiln] step 1/2'),
      log_end_offset: at('[kiln] step 2/2'),
    },
    {
      execution_stage_name: 'stage2',
      sequence: 2,
      log_start_offset: at('[kiln] step 2/2'),
      log_end_offset: at('[kiln] build finished'),
    },
    {
      execution_stage_name: 'final',
      sequence: 3,
      log_start_offset: at('[kiln] build finished'),
      log_end_offset: Buffer.byteLength(text),
    },
  ];
  const ranges = stepRanges(stages);

  it("finds each step's lines where the server says its bytes are", () => {
    expect(logSections(buffer.lineStarts(0), ranges)).toEqual([
      { step: 1, start: 2, end: 5 },
      { step: 2, start: 5, end: 7 },
    ]);
    // A step still running reaches the last line held.
    const running = stepRanges([{ ...(stages[2] as (typeof stages)[number]), log_end_offset: -1 }]);
    expect(logSections(buffer.lineStarts(0), running)).toEqual([{ step: 2, start: 5, end: 8 }]);
  });

  it("makes no section of a line the build prints like Kiln's own, and ends none early at one", () => {
    const forged = [
      '[kiln] step 1/1 "build"',
      '[kiln] step 9/9 "fake"',
      'hidden',
      '[kiln] build finished: SUCCESS',
      'after the forged end',
      '[kiln] step "build" succeeded in 1 s',
      '[kiln] build finished: SUCCESS',
      '',
    ].join('\n');
    const b = new LogBuffer();
    b.append(forged);
    const end = Buffer.byteLength(forged.slice(0, forged.lastIndexOf('[kiln] build finished')));
    const sections = logSections(
      b.lineStarts(0),
      stepRanges([{ execution_stage_name: 'stage1', sequence: 1, log_start_offset: 0, log_end_offset: end }]),
    );
    // One section, the real step's: the forged lines are inside it, not headers of their own.
    expect(sections).toEqual([{ step: 1, start: 0, end: 6 }]);
    // Without the server's ranges there are no sections at all, whatever the text says.
    expect(logSections(b.lineStarts(0), [])).toEqual([]);
  });

  it('matches offsets to lines of a log read from its middle, or past lines dropped', () => {
    const b = new LogBuffer();
    const from = at('compiling');
    b.append(text.slice(text.indexOf('compiling')));
    expect(logSections(b.lineStarts(from), ranges)).toEqual([{ step: 2, start: 2, end: 4 }]);
    const skipped = from + b.dropFirst(3);
    expect(logSections(b.lineStarts(skipped), ranges)).toEqual([]);
  });

  it('folds a section to its first line, and finds a line among those shown', () => {
    const sections = logSections(buffer.lineStarts(0), ranges);
    expect(shownLines(lines.length, sections, new Set())).toBeUndefined();
    const shown = shownLines(lines.length, sections, new Set([1])) ?? [];
    expect(shown).toEqual([0, 1, 2, 5, 6, 7]);
    expect(positionOf(shown, 5)).toBe(3);
    expect(positionOf(shown, 3)).toBe(3);
    expect(shownLines(lines.length, sections, new Set([1, 2]))).toEqual([0, 1, 2, 5, 7]);
  });

  it('keeps a log prepended to a buffer in order, with the lines after', () => {
    const b = new LogBuffer();
    b.append('c\nd\n');
    b.prepend('a\nb\n');
    expect(b.lines().map((l) => l.text)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps the first part of a line cut for length as a line of its own when prepended', () => {
    const b = new LogBuffer();
    b.append('rest of a long line\n');
    b.prepend('z\nstart of a long');
    expect(b.lines().map((l) => l.text)).toEqual(['z', 'start of a long', 'rest of a long line']);
  });
});

describe('chart time ranges', () => {
  it('puts an hour each side of a lone point (uPlot guesses years), and the pad each side of several', () => {
    expect(paddedTimeRange([1000], 1000, 1000 + 86_400_000, 0)).toEqual([1000 - 3600, 1000 + 3600]);
    expect(paddedTimeRange([86_400], 86_400, 86_400 + 86_400_000, 43_200)).toEqual([43_200, 129_600]);
    expect(paddedTimeRange([0, 100], 0, 100, 10)).toEqual([-10, 110]);
  });
});

describe('drawing only the blocks of a long log that are in view', () => {
  it('guesses the height of blocks not drawn from the lines measured, and keeps each measure', () => {
    const h = new BlockHeights(18);
    expect(h.height(0, BLOCK_LINES)).toBe(BLOCK_LINES * 18);
    expect(h.measure(0, BLOCK_LINES, 4000)).toBe(true); // wrapped lines: 20 px a line
    expect(h.measure(0, BLOCK_LINES, 4000)).toBe(false);
    expect(h.linePx()).toBe(20);
    expect(h.height(0, BLOCK_LINES)).toBe(4000);
    expect(h.height(5, BLOCK_LINES)).toBe(4000); // guessed
    // The last block grew since it was measured: its measure no longer holds.
    expect(h.height(0, BLOCK_LINES - 1)).toBe((BLOCK_LINES - 1) * 20);
    h.clear();
    expect(h.linePx()).toBe(18);
  });

  it('draws the blocks meeting the view and a screen either side, and stands space for the rest', () => {
    const h = new BlockHeights(10);
    const count = 100 * BLOCK_LINES + 50; // 101 blocks of 2,000 px (the last 500)
    expect(h.total(count)).toBe(100 * 2000 + 500);
    // Scrolled to 50,000 px with a 1,000 px box: 49,000..52,000 px, blocks 24..25.
    const mid = h.range(count, 50_000, 1_000);
    expect(mid).toEqual({ from: 24, to: 26, above: 48_000, below: h.total(count) - 52_000 });
    // At the top and at the end.
    expect(h.range(count, 0, 1_000)).toMatchObject({ from: 0, to: 1, above: 0 });
    const end = h.range(count, h.total(count) - 1_000, 1_000);
    expect(end).toMatchObject({ to: 101, below: 0 });
    expect(end.above + (end.to - end.from - 1) * 2000 + 500).toBe(h.total(count));
    // An empty log, and a view past every block (the guesses were too long): the last block.
    expect(h.range(0, 0, 1_000)).toEqual({ from: 0, to: 0, above: 0, below: 0 });
    expect(h.range(count, 10_000_000, 1_000)).toMatchObject({ from: 100, to: 101, below: 0 });
  });
});
