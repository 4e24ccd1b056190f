import type { JobConfigBody } from '../../../src/contract/jobs.ts';
import { parameterSpec, withParam, type ParameterSpec } from '../../../src/domain/job-parameters.ts';

/**
 * The job editor's model and its two mappers: the stored job document (CodeArts create body) to
 * form fields and back. Fields the form does not show (arch, flavor, other repository settings,
 * choice limits of a parameter, other step properties) are carried over from the document as they
 * were, so editing never drops what another client set.
 */

type Doc = JobConfigBody;
type ParamDoc = NonNullable<Doc['parameters']>[number];
type StepDoc = Doc['steps'][number];
type TriggerDoc = NonNullable<Doc['triggers']>[number];

/** Timeout units Kiln accepts. */
export const TIMEOUT_UNITS = ['MINUTES', 'HOURS', 'SECONDS'] as const;
/** The step module Kiln runs. */
export const SHELL_MODULE = 'kiln.shell';
/** CodeArts' class name of a text parameter. */
export const STRING_PARAMETER = 'hudson.model.StringParameterDefinition';

export interface StepForm {
  key: string;
  name: string;
  command: string;
  enabled: boolean;
  base?: StepDoc;
}
/** A parameter in the form; its choices are read-only here. */
export interface ParamForm extends ParameterSpec {
  key: string;
  base?: ParamDoc;
}
export interface CronForm {
  key: string;
  cron: string;
}
export interface JobForm {
  name: string;
  repo: { url: string; scmType: string; branch: string; webUrl: string };
  steps: StepForm[];
  parameters: ParamForm[];
  crons: CronForm[];
  push: boolean;
  pushBranches: string;
  timeoutLimit: string;
  timeoutUnit: string;
}

let keys = 0;
/** A key for a new list item (React needs one that survives reordering). */
export function newKey(): string {
  return `k${++keys}`;
}

/** A new step. */
export function newStep(n: number): StepForm {
  return { key: newKey(), name: `step ${n}`, command: '', enabled: true };
}

/** A new text parameter. */
export function newParameter(): ParamForm {
  return { key: newKey(), name: '', defaultValue: '', sensitive: false, description: '', choices: [] };
}

/** A form for a new job. */
export function emptyForm(): JobForm {
  return {
    name: '',
    repo: { url: '', scmType: 'git', branch: 'main', webUrl: '' },
    steps: [{ ...newStep(1), name: 'build' }],
    parameters: [],
    crons: [],
    push: false,
    pushBranches: '',
    timeoutLimit: '30',
    timeoutUnit: 'MINUTES',
  };
}

function triggerValue(t: TriggerDoc, name: string): string {
  return t.parameters.find((p) => p.name === name)?.value ?? '';
}

/** The form showing a stored document. */
export function formFromDoc(doc: Doc): JobForm {
  const scm = doc.scms?.[0];
  const triggers = doc.triggers ?? [];
  const push = triggers.find((t) => t.name === 'code_update');
  return {
    name: doc.job_name,
    repo: {
      url: scm?.url ?? '',
      scmType: scm?.scm_type ?? 'git',
      branch: scm?.branch ?? '',
      webUrl: scm?.web_url ?? '',
    },
    steps: doc.steps.map((s) => ({
      key: newKey(),
      name: s.name,
      command: typeof s.properties?.command === 'string' ? s.properties.command : '',
      enabled: s.enable !== false,
      base: s,
    })),
    parameters: (doc.parameters ?? []).map((p) => ({ key: newKey(), ...parameterSpec(p), base: p })),
    crons: triggers
      .filter((t) => t.name === 'timer')
      .map((t) => ({ key: newKey(), cron: triggerValue(t, 'cron') })),
    push: push !== undefined,
    pushBranches: push ? triggerValue(push, 'branches') : '',
    timeoutLimit: doc.timeout?.limit ?? '',
    timeoutUnit: (doc.timeout?.unit ?? 'MINUTES').toUpperCase(),
  };
}

function parameterDoc(p: ParamForm): ParamDoc {
  const fields: [string, string][] = [
    ['name', p.name],
    ['defaultValue', p.defaultValue],
    ['sensitiveVar', String(p.sensitive)],
    ['description', p.description],
  ];
  const base: ParamDoc = { ...p.base, name: p.base?.name ?? STRING_PARAMETER, params: p.base?.params ?? [] };
  return fields.reduce((doc, [name, value]) => withParam(doc, name, value), base);
}

/** Which form field each entry of `triggers[]` came from (to put the server's errors back). */
export type TriggerSource = { kind: 'cron'; key: string } | { kind: 'push' };

/** The document to send; `base` is the stored one when editing. */
export function docFromForm(
  form: JobForm,
  base: Doc | undefined,
  projectId: string,
): { doc: Doc; triggerSources: TriggerSource[] } {
  const scmBase = base?.scms?.[0];
  const triggers: TriggerDoc[] = [];
  const triggerSources: TriggerSource[] = [];
  for (const c of form.crons) {
    triggers.push({ name: 'timer', parameters: [{ name: 'cron', value: c.cron.trim() }] });
    triggerSources.push({ kind: 'cron', key: c.key });
  }
  if (form.push) {
    triggers.push({
      name: 'code_update',
      parameters: [{ name: 'branches', value: form.pushBranches.trim() }],
    });
    triggerSources.push({ kind: 'push' });
  }
  const url = form.repo.url.trim();
  const doc: Doc = {
    ...base,
    arch: base?.arch ?? 'x86-64',
    project_id: base?.project_id ?? projectId,
    job_name: form.name.trim(),
    scms:
      url === ''
        ? []
        : [
            {
              ...scmBase,
              url,
              scm_type: form.repo.scmType,
              ...(form.repo.branch.trim() !== ''
                ? { branch: form.repo.branch.trim() }
                : { branch: undefined }),
              web_url: form.repo.webUrl.trim() || undefined,
            },
          ],
    steps: form.steps.map((s) => ({
      ...s.base,
      module_id: s.base?.module_id ?? SHELL_MODULE,
      name: s.name.trim(),
      properties: { ...(s.base?.properties ?? {}), command: s.command },
      enable: s.enabled,
    })),
    parameters: form.parameters.map(parameterDoc),
    // Sent even when empty: an update without `triggers` would keep the old ones.
    triggers,
    timeout:
      form.timeoutLimit.trim() === '' ? {} : { limit: form.timeoutLimit.trim(), unit: form.timeoutUnit },
  };
  // JSON drops undefined, but keep the document tidy for anyone who logs it.
  for (const s of doc.scms ?? [])
    for (const k of Object.keys(s) as (keyof typeof s)[]) if (s[k] === undefined) delete s[k];
  return { doc, triggerSources };
}

/** Moves an item of a list by `delta` places (a new list). */
export function move<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item as T);
  return out;
}
