import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  expectCodeArtsError,
  onEveryStore,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * Jobs: validation of the job document on create and update, and unique job names.
 */

onEveryStore((store) => {
  describe('Jobs: validation of the job document', () => {
    let kiln: TestKiln;
    let admin: string;
    let projectId: string;
    let existing: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
      existing = await createJob(kiln, admin, projectId, { job_name: 'existing' });
    });
    afterAll(() => kiln?.close());

    const step = (over: Record<string, unknown> = {}) => ({
      module_id: 'kiln.shell',
      name: 'say hello',
      properties: { command: 'echo hello' },
      ...over,
    });
    const without = (key: string) => (doc: Record<string, unknown>) => {
      const { [key]: _gone, ...rest } = doc;
      return rest;
    };
    const set = (over: Record<string, unknown>) => (doc: Record<string, unknown>) => ({ ...doc, ...over });
    const uploadStep = (properties: Record<string, unknown>) => ({
      module_id: 'devcloud2018.codeci_action_20018.action',
      name: 'keep',
      properties,
    });
    const mavenStep = (properties: Record<string, unknown>) => ({
      module_id: 'devcloud2018.codeci_action_20043.action',
      name: 'mvn',
      properties,
    });
    const checkoutStep = (properties: Record<string, unknown>) => ({
      module_id: 'devcloud2018.codeci_action_20040.action',
      name: 'other',
      properties,
    });
    const stringParam = (name: string, defaultValue: string) => ({
      name: 'hudson.model.StringParameterDefinition',
      params: [
        { name: 'name', value: name },
        { name: 'defaultValue', value: defaultValue },
      ],
    });
    const pushTrigger = (branches: string) => ({
      name: 'code_update',
      parameters: [{ name: 'branches', value: branches }],
    });

    /** [what is wrong, how to break a good document, what the message must name]. */
    const BAD: [string, (doc: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ['job_name missing', without('job_name'), /job_name/],
      ['steps missing', without('steps'), /steps/],
      ['project_id missing', without('project_id'), /project_id/],
      ['project_id not 32 chars of [0-9a-z]', set({ project_id: 'ABC' }), /project_id/],
      ['job_name empty', set({ job_name: '' }), /job_name/],
      ['job_name of 300 characters', set({ job_name: 'x'.repeat(300) }), /job_name/],
      ['job_name with a slash', set({ job_name: 'a/b' }), /job_name/],
      ['arch a number', set({ arch: 64 }), /arch/],
      ['steps empty', set({ steps: [] }), /steps/],
      [
        'an upload to the release repository without a file',
        set({ steps: [uploadStep({ buildVersion: '1.0' })] }),
        /steps\[0\]\.properties\.file.*"keep" needs a glob/,
      ],
      [
        'an upload whose name has a directory part',
        set({ steps: [uploadStep({ file: 'out/*.jar', name: 'lib/app.jar' })] }),
        /steps\[0\]\.properties.*directory part/,
      ],
      [
        'an upload whose file is a number',
        set({ steps: [uploadStep({ file: 5 })] }),
        /steps\[0\]\.properties\.file: step "keep": file must be text \(a string\), not a number/,
      ],
      [
        'an upload whose buildVersion is a map',
        set({ steps: [uploadStep({ file: 'out/*', buildVersion: { v: 1 } })] }),
        /steps\[0\]\.properties\.buildVersion: step "keep": buildVersion must be text \(a string\) or a number, not a map/,
      ],
      [
        'a step whose image is a map',
        set({ steps: [step({ properties: { command: 'x', image: { a: 1 } } })] }),
        /steps\[0\]\.properties\.image: step "say hello": image must be text \(a string\), not a map/,
      ],
      [
        'a step whose report_path is a number',
        set({ steps: [step({ properties: { command: 'x', report_path: 5 } })] }),
        /steps\[0\]\.properties\.report_path: step "say hello": report_path must be text \(a string\), not a number/,
      ],
      [
        'a step whose coverage is neither true nor false',
        set({ steps: [step({ properties: { command: 'x', coverage: 'yes' } })] }),
        /steps\[0\]\.properties\.coverage: step "say hello": coverage must be true or false \(a boolean, or as text\), not "yes"/,
      ],
      [
        'a step whose ignore_fail is a list',
        set({ steps: [step({ properties: { command: 'x', ignore_fail: ['true'] } })] }),
        /steps\[0\]\.properties\.ignore_fail: step "say hello": ignore_fail must be true or false \(a boolean, or as text\), not a list/,
      ],
      [
        'a step whose unit_test is text',
        set({ steps: [step({ properties: { command: 'x', unit_test: 'on' } })] }),
        /steps\[0\]\.properties\.unit_test: step "say hello": unit_test must be a map, not "on"/,
      ],
      [
        'a step whose unit_test.report_path is a list',
        set({ steps: [step({ properties: { command: 'x', unit_test: { report_path: ['a'] } } })] }),
        /steps\[0\]\.properties\.unit_test\.report_path: step "say hello": unit_test\.report_path must be text \(a string\), not a list/,
      ],
      [
        'a Maven step whose userPublicRepositories is a word, not a list',
        set({ steps: [mavenStep({ userPublicRepositories: 'notalist' })] }),
        /steps\[0\]\.properties\.userPublicRepositories: step "mvn": userPublicRepositories must be a list of repository URLs, not "notalist"/,
      ],
      [
        'a Maven step whose userPublicRepositories holds a number',
        set({ steps: [mavenStep({ userPublicRepositories: ['https://repo.example/m2', 7] })] }),
        /steps\[0\]\.properties\.userPublicRepositories\[1\]: step "mvn": userPublicRepositories\[1\] must be a repository URL \(text, or \{url\} or \{value\}\), not a number/,
      ],
      [
        'a Maven step whose file (its test reports) is a boolean',
        set({ steps: [mavenStep({ file: true })] }),
        /steps\[0\]\.properties\.file: step "mvn": file must be text \(a string\), not a boolean/,
      ],
      [
        'a checkout whose commit is a number (its leading zeros lost)',
        set({ steps: [checkoutStep({ url: 'https://e.com/o.git', path: 'o', commit: 123456 })] }),
        /steps\[0\]\.properties\.commit: step "other": commit must be text \(a string\), not a number/,
      ],
      [
        'a checkout whose lfs is a map',
        set({ steps: [checkoutStep({ lfs: {} })] }),
        /steps\[0\]\.properties\.lfs: step "other": lfs must be true or false \(a boolean, or as text\), not a map/,
      ],
      [
        'a download_file step whose name is a list',
        set({
          steps: [
            {
              module_id: 'devcloud2018.codeci_action_20061.action',
              name: 'get',
              properties: { name: ['k'] },
            },
          ],
        }),
        /steps\[0\]\.properties\.name: step "get": name must be text \(a string\), not a list/,
      ],
      ['steps not an array', set({ steps: 'make' }), /steps/],
      [
        'a step without a name',
        set({ steps: [{ module_id: 'kiln.shell', properties: { command: 'x' } }] }),
        /steps\[0\]\.name/,
      ],
      [
        'a step without module_id',
        set({ steps: [{ name: 'x', properties: { command: 'x' } }] }),
        /steps\[0\]\.module_id/,
      ],
      [
        'a shell step without a command',
        set({ steps: [step({ properties: {} })] }),
        /steps\[0\]\.properties\.command/,
      ],
      ['two steps with one name', set({ steps: [step(), step()] }), /steps\[1\]\.name/],
      [
        'scms[0].scm_type unknown',
        set({ scms: [{ url: 'https://e.com/r.git', scm_type: 'svn' }] }),
        /scms\[0\]\.scm_type/,
      ],
      ['scms[0].url empty', set({ scms: [{ url: '', scm_type: 'git' }] }), /scms\[0\]\.url/],
      [
        'scms[0].url an option',
        set({ scms: [{ url: '--upload-pack=evil', scm_type: 'git' }] }),
        /scms\[0\]\.url/,
      ],
      [
        'scms[0].url not a repository',
        set({ scms: [{ url: 'my repo', scm_type: 'git' }] }),
        /scms\[0\]\.url: must be a repository URL/,
      ],
      [
        'scms[0].url a scheme git does not speak',
        set({ scms: [{ url: 'svn://e.com/r', scm_type: 'git' }] }),
        /scms\[0\]\.url: uses svn:\/\//,
      ],
      [
        'scms[0].branch with ..',
        set({ scms: [{ url: 'https://e.com/r.git', scm_type: 'git', branch: 'a..b' }] }),
        /scms\[0\]\.branch/,
      ],
      ['timeout.limit not a number', set({ timeout: { limit: 'soon', unit: 'MINUTES' } }), /timeout\.limit/],
      ['timeout.limit a fraction', set({ timeout: { limit: 2.5, unit: 'MINUTES' } }), /timeout\.limit/],
      ['timeout.unit unknown', set({ timeout: { limit: '3', unit: 'WEEKS' } }), /timeout\.unit/],
      [
        'timeout.unit unknown without a limit',
        set({ timeout: { unit: 'str' } }),
        /timeout\.unit: must be one of SECONDS, MINUTES, HOURS/,
      ],
      [
        'timeout.unit a NUL without a limit',
        set({ timeout: { unit: '\u0000' } }),
        /body field 'timeout\.unit' holds a NUL character \(U\+0000\)/,
      ],
      ['timeout.unit empty with a limit', set({ timeout: { limit: '3', unit: '' } }), /timeout\.unit/],
      [
        'timeout.limit a negative number',
        set({ timeout: { limit: -5 } }),
        /timeout\.limit: must be a positive whole number/,
      ],
      [
        'timeout.limit 0',
        set({ timeout: { limit: 0, unit: 'HOURS' } }),
        /timeout\.limit: must be a positive whole/,
      ],
      [
        'timeout.limit a fraction (number)',
        set({ timeout: { limit: 1.5 } }),
        /timeout\.limit: must be a positive whole number/,
      ],
      [
        'timeout.limit neither a string nor a number',
        set({ timeout: { limit: true } }),
        /body field 'timeout\.limit' must be a string or a number$/,
      ],
      [
        'timeout.limit and timeout.unit both wrong',
        set({ timeout: { limit: 'soon', unit: 'WEEKS' } }),
        /timeout\.unit: must be one of .*; timeout\.limit: must be a positive whole number/,
      ],
      [
        'a timer with a bad cron',
        set({ triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: 'every day' }] }] }),
        /triggers\[0\]/,
      ],
      [
        'a timer with a seconds field (a build every second)',
        set({ triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '* * * * * *' }] }] }),
        /triggers\[0\]\.parameters\.cron: "\* \* \* \* \* \*" must have five fields: minute hour day-of-month month day-of-week/,
      ],
      [
        'a timer that never fires',
        set({ triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 0 30 2 *' }] }] }),
        /triggers\[0\]\.parameters\.cron: "0 0 30 2 \*" never fires/,
      ],
      [
        'a timer whose fifth field is out of range',
        set({ triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * 8' }] }] }),
        /triggers\[0\]\.parameters\.cron: "0 2 \* \* 8" is not a valid cron expression/,
      ],
      [
        'two timers with one schedule',
        set({
          triggers: [
            { name: 'timer', parameters: [{ name: 'cron', value: '0 * * * *' }] },
            { name: 'timer', parameters: [{ name: 'cron', value: '0 * * * *' }] },
          ],
        }),
        /triggers\[1\]\.parameters\.cron: "0 \* \* \* \*" is triggers\[0\]'s schedule too: give it once/,
      ],
      // Read by no one: a time zone of its own, or a second schedule, would be saved and never apply.
      [
        'a timer with a time zone of its own',
        set({
          triggers: [
            {
              name: 'timer',
              parameters: [
                { name: 'cron', value: '0 2 * * *' },
                { name: 'timeZoneId', value: 'Asia/Shanghai' },
              ],
            },
          ],
        }),
        /triggers\[0\]\.parameters\[1\]\.name: "timeZoneId" is not a timer parameter: a timer has one "cron", in the server's time zone \(KILN_TIMEZONE\)/,
      ],
      [
        'a timer with two cron parameters',
        set({
          triggers: [
            {
              name: 'timer',
              parameters: [
                { name: 'cron', value: '0 2 * * *' },
                { name: 'cron', value: '0 3 * * *' },
              ],
            },
          ],
        }),
        /triggers\[0\]\.parameters\[1\]\.name: a timer has one "cron": give each schedule a timer of its own/,
      ],
      // The same schedule written otherwise would build twice at each due time all the same.
      ...(
        [
          ['0 0 * * *', '0  0 * *  *'],
          ['0 0 * * *', '@daily'],
          ['@midnight', '@daily'],
          ['0 9 * * mon', '0 9 * * MON'],
        ] as const
      ).map(
        ([first, second]): [string, (doc: Record<string, unknown>) => Record<string, unknown>, RegExp] => [
          `two timers with one schedule written apart ("${first}", "${second}")`,
          set({
            triggers: [
              { name: 'timer', parameters: [{ name: 'cron', value: first }] },
              { name: 'timer', parameters: [{ name: 'cron', value: second }] },
            ],
          }),
          /triggers\[1\]\.parameters\.cron: ".*" is triggers\[0\]'s schedule too: give it once/,
        ],
      ),
      [
        'a code_update branch pattern over 255 characters',
        set({ triggers: [pushTrigger(`main,${'a*'.repeat(128)}`)] }),
        /triggers\[0\]\.parameters\.branches: a branch pattern may have at most 255 characters/,
      ],
      ...['^release-.*$', '[mM]ain', 'rel?ase', 'main dev', 'refs/heads/main'].map(
        (pattern): [string, (doc: Record<string, unknown>) => Record<string, unknown>, RegExp] => [
          `a code_update branch pattern no branch can match (${pattern})`,
          set({ triggers: [pushTrigger(`main,${pattern}`)] }),
          new RegExp(
            `triggers\\[0\\]\\.parameters\\.branches: "${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" can match no branch`,
          ),
        ],
      ),
      [
        'code_update triggers naming more than 100 branch patterns',
        set({ triggers: [pushTrigger(Array.from({ length: 101 }, (_, i) => `b${i}`).join(','))] }),
        /triggers: .*at most 100 branch patterns/,
      ],
      [
        'a hudson.triggers.TimerTrigger without a spec',
        set({
          triggers: [
            {
              name: 'hudson.triggers.TimerTrigger',
              parameters: [{ name: 'timeZoneId', value: 'Asia/Shanghai' }],
            },
          ],
        }),
        /triggers\[0\]\.parameters: a hudson\.triggers\.TimerTrigger needs a "spec" parameter/,
      ],
      [
        'a hudson.triggers.TimerTrigger with an unknown timeZoneId',
        set({
          triggers: [
            {
              name: 'hudson.triggers.TimerTrigger',
              parameters: [
                { name: 'spec', value: '18 15 * * 1-5' },
                { name: 'timeZoneId', value: 'China_Standard_Time' },
              ],
            },
          ],
        }),
        /triggers\[0\]\.parameters\.timeZoneId: "China_Standard_Time" is not an IANA time zone/,
      ],
      [
        'a hudson.triggers.TimerTrigger with a bad spec',
        set({
          triggers: [
            { name: 'hudson.triggers.TimerTrigger', parameters: [{ name: 'spec', value: 'H 2 * * *' }] },
          ],
        }),
        /triggers\[0\]\.parameters\.spec: "H 2 \* \* \*" is not a valid cron expression/,
      ],
      [
        "a timer and a hudson.triggers.TimerTrigger with one schedule in the server's zone",
        set({
          triggers: [
            { name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * *' }] },
            { name: 'hudson.triggers.TimerTrigger', parameters: [{ name: 'spec', value: '0  2 * * *' }] },
          ],
        }),
        /triggers\[1\]\.parameters\.spec: "0 {2}2 \* \* \*" is triggers\[0\]'s schedule too: give it once/,
      ],
      [
        'two hudson.triggers.TimerTriggers with one schedule in one zone',
        set({
          triggers: ['Asia/Shanghai', 'asia/shanghai'].map((zone) => ({
            name: 'hudson.triggers.TimerTrigger',
            parameters: [
              { name: 'spec', value: '@daily' },
              { name: 'timeZoneId', value: zone },
            ],
          })),
        }),
        /triggers\[1\]\.parameters\.spec: "@daily" is triggers\[0\]'s schedule too: give it once/,
      ],
      [
        'a trigger of an unknown kind',
        set({ triggers: [{ name: 'bogus', parameters: [] }] }),
        /triggers\[0\]\.name/,
      ],
      [
        'a parameter Kiln sets itself',
        set({
          parameters: [
            { name: 'hudson.model.StringParameterDefinition', params: [{ name: 'name', value: 'PATH' }] },
          ],
        }),
        /parameters\[0\]/,
      ],
      ...(['LD_PRELOAD', 'LD_LIBRARY_PATH', 'BASH_ENV', 'GIT_SSH_COMMAND'].map((name) => [
        `a parameter named ${name}, which CodeArts forbids`,
        set({ parameters: [stringParam(name, 'x')] }),
        new RegExp(`parameters\\[0\\]\\.params\\.name: "${name}" cannot be a parameter: CodeArts forbids`),
      ]) as [string, (doc: Record<string, unknown>) => Record<string, unknown>, RegExp][]),
      [
        'a parameter default of 9000 characters',
        set({ parameters: [stringParam('LONG', 'x'.repeat(9000))] }),
        /parameters\[0\]\.params\.defaultValue: the default of "LONG" has 9000 characters; a parameter's value may have at most 8192/,
      ],
      [
        'a parameter default with a template mark',
        set({ parameters: [stringParam('TPL', '{{ 7*7 }}')] }),
        /parameters\[0\]\.params\.defaultValue: the default of "TPL" contains "\{\{"/,
      ],
    ];

    describe.each([
      ['CreateBuildJob', '/v3/jobs/create', false],
      ['CreateNewJob', '/v1/job/create', false],
      ['UpdateBuildJob', '/v3/jobs/update', true],
    ] as const)('%s', (_op, url, isUpdate) => {
      it.each(BAD)('answers %s with 400 CB.00060200 naming the field', async (_label, breakDoc, field) => {
        const doc = breakDoc(jobBody(projectId, { job_name: isUpdate ? 'existing' : 'fresh-name' }));
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
      });

      it('takes a body without arch (x86-64 is stored) and a numeric timeout.limit (stored as its string)', async () => {
        const name = isUpdate ? 'existing' : `lenient-${url.split('/')[1]}`;
        const doc = without('arch')(
          jobBody(projectId, { job_name: name, timeout: { limit: 30, unit: 'MINUTES' } }),
        );
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expect(res.statusCode, res.body).toBe(200);
        const id = res.json().result.job_id;
        const shown = await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` });
        expect(shown.json().result).toMatchObject({
          arch: 'x86-64',
          timeout: { limit: '30', unit: 'MINUTES' },
        });
      });

      it("takes an empty scms[0].branch (the repository's default branch), as a code_update trigger's", async () => {
        const name = isUpdate ? 'existing' : `no-branch-${url.split('/')[1]}`;
        const doc = jobBody(projectId, {
          job_name: name,
          scms: [{ url: 'https://example.com/repo.git', scm_type: 'git', branch: '' }],
          triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: '' }] }],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expect(res.statusCode, res.body).toBe(200);
      });

      it('takes a timeout of a unit alone, and one whose limit and unit are both empty', async () => {
        for (const [i, timeout] of [{ unit: 'hours' }, { limit: '', unit: '' }, {}].entries()) {
          const name = isUpdate ? 'existing' : `timeout-${i}-${url.split('/')[1]}`;
          const doc = jobBody(projectId, { job_name: name, timeout });
          const res = await kiln.call(admin, {
            method: 'POST',
            url,
            payload: isUpdate ? { ...doc, job_id: existing } : doc,
          });
          expect(res.statusCode, res.body).toBe(200);
        }
      });

      it('accepts CodeArts module ids, and a module Kiln does not know (its build fails naming it)', async () => {
        const doc = jobBody(projectId, {
          job_name: isUpdate ? 'existing' : `modules-${url.replace(/\W/g, '')}`,
          steps: [
            step(),
            {
              module_id: 'devcloud2018.codeci_action_20043.action',
              name: 'Maven构建',
              properties: null,
              enable: true,
            },
            { module_id: 'devcloud2018.codeci_action_99999.action', name: 'someday', properties: {} },
          ],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expect(res.statusCode, res.body).toBe(200);
      });

      it('takes an upload whose version and name come from parameters (checked at the build)', async () => {
        const doc = jobBody(projectId, {
          job_name: isUpdate ? 'existing' : `upload-${url.replace(/\W/g, '')}`,
          steps: [uploadStep({ file: 'out/*.jar', buildVersion: '${VERSION}', name: '${APP}/x' })],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expect(res.statusCode, res.body).toBe(200);
      });

      it('takes the properties as CodeArts clients send them: flags as booleans or text, lists JSON-encoded, the rest free-form', async () => {
        const doc = jobBody(projectId, {
          job_name: isUpdate ? 'existing' : `codearts-props-${url.replace(/\W/g, '')}`,
          steps: [
            mavenStep({
              command: 'mvn -B package',
              image: 'maven3.5.3-jdk8-open',
              settingMode: 'auto',
              userPublicRepositories: [],
              userPrivateRepositories: [{ displayName: 'x', value: 'y' }],
              releaseArtifact: { displayName: 'r', value: 'v' },
              ignoreTest: false,
              file: '**/TEST*.xml',
              junitCoverageSwitch: true,
              coverageReportPath: '',
              coverage: '',
              preCondition: 'SUCCESS',
            }),
            {
              ...mavenStep({
                userPublicRepositories: '["https://repo.example/m2"]',
                junitCoverageSwitch: 'TRUE',
                unit_test: '{"enable": "true", "report_path": "**/TEST*.xml"}',
                ignore_fail: 'yes',
              }),
              name: 'terraform',
            },
            {
              ...mavenStep({
                userPublicRepositories: [
                  { url: 'https://a.example/m2' },
                  { value: 'file:///m2' },
                  'https://b.example',
                ],
                unit_test: { enable: 'false', report_path: 'r/*.xml', coverage: false },
                ignore_fail: true,
              }),
              name: 'objects',
            },
            {
              ...mavenStep({ userPublicRepositories: 'https://one.example/m2', coverage: '${COVER}' }),
              name: 'one',
            },
            uploadStep({
              file: '**/*.jar',
              buildVersion: 2,
              name: null,
              uploadTool: 'curl',
              remainOriginPath: 'FLAT',
            }),
            checkoutStep({ url: 'https://e.com/o.git', path: 'o', lfs: true, submodule: 'false', depth: 1 }),
            {
              module_id: 'devcloud2018.codeci_action_99999.action',
              name: 'unknown',
              properties: { image: { a: 1 } },
            },
          ],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expect(res.statusCode, res.body).toBe(200);
      });

      it('needs a command for a tool step that has no default one', async () => {
        const doc = jobBody(projectId, {
          job_name: isUpdate ? 'existing' : 'fresh-name',
          steps: [
            step({ name: 'shell', module_id: 'devcloud2018.codeci_action_20017.action', properties: {} }),
          ],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        const body = expectCodeArtsError(res, 400, 'CB.00060200', /steps\[0\]\.properties\.command/);
        expect(body.error_msg).toContain('shell');
      });

      it('answers a body that is a JSON array with 400 CB.00060200', async () => {
        const res = await kiln.call(admin, { method: 'POST', url, payload: [jobBody(projectId)] });
        expectCodeArtsError(res, 400, 'CB.00060200');
      });
    });

    it('leaves nothing behind after a refused create', async () => {
      const before = (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs` })).json().total;
      await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: 'never', steps: [] }),
      });
      const after = (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs` })).json().total;
      expect(after).toBe(before);
    });

    it.each([
      ['CreateBuildJob', '/v3/jobs/create'],
      ['CreateNewJob', '/v1/job/create'],
    ])('%s answers a job name the project already has with 409 CB.00060409', async (_op, url) => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url,
        payload: jobBody(projectId, { job_name: 'existing' }),
      });
      expectCodeArtsError(res, 409, 'CB.00060409', /existing/);
    });

    it('UpdateBuildJob answers a rename to a taken name with 409 CB.00060409', async () => {
      const other = await createJob(kiln, admin, projectId, { job_name: 'other' });
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId, { job_name: 'existing' }), job_id: other },
      });
      expectCodeArtsError(res, 409, 'CB.00060409');
    });

    it('accepts the same job name in another project', async () => {
      const elsewhere = await createProject(kiln, admin, 'elsewhere');
      await createJob(kiln, admin, elsewhere, { job_name: 'existing' });
    });
  });
});
