import type { JobConfigBody } from '../../../src/contract/jobs.ts';
import { actionOfModule } from '../../../src/domain/actions.ts';
import {
  BUILD_YAML_PATH_PARAMETER,
  parameterSpec,
  STRING_PARAMETER,
  withParam,
  type ParameterSpec,
} from '../../../src/domain/job-parameters.ts';

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
/** Where a job's build is defined: its own steps (graphical) or the repository's build.yml (code-based). */
export const BUILD_DEFINITIONS = ['ACTION', 'YAML'] as const;
export type BuildDefinition = (typeof BUILD_DEFINITIONS)[number];

export interface StepForm {
  key: string;
  name: string;
  /** The step's command; for a module with a default command, '' means that default. */
  command: string;
  enabled: boolean;
  /** The step module: `kiln.shell` for a new step, a CodeArts module id when loaded with one. */
  moduleId: string;
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
  /** ACTION: the steps below; YAML: the build.yml of the commit built (`yamlPath`, '' = the default). */
  definition: BuildDefinition;
  yamlPath: string;
  /** The stored CB_BUILD_YAML_PATH parameter of a code-based job (its description and flags are kept). */
  yamlPathBase?: ParamDoc;
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
  return { key: newKey(), name: `step ${n}`, command: '', enabled: true, moduleId: SHELL_MODULE };
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
    definition: 'ACTION',
    yamlPath: '',
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

/** True for the CB_BUILD_YAML_PATH parameter. */
function isYamlPathParameter(p: ParamDoc): boolean {
  return parameterSpec(p).name === BUILD_YAML_PATH_PARAMETER;
}

/** A stored step in the form: its command as given ('' when it has none and its module a default). */
function stepForm(s: StepDoc): StepForm {
  return {
    key: newKey(),
    name: s.name,
    command: typeof s.properties?.command === 'string' ? s.properties.command : '',
    enabled: s.enable !== false,
    moduleId: s.module_id,
    base: s,
  };
}

/** The form showing a stored document. */
export function formFromDoc(doc: Doc): JobForm {
  const scm = doc.scms?.[0];
  const triggers = doc.triggers ?? [];
  const push = triggers.find((t) => t.name === 'code_update');
  const yaml = doc.build_config_type === 'YAML';
  const params = doc.parameters ?? [];
  // A code-based job's CB_BUILD_YAML_PATH is its build.yml field, not one of the parameters shown.
  const yamlPathBase = yaml ? params.find(isYamlPathParameter) : undefined;
  return {
    name: doc.job_name,
    repo: {
      url: scm?.url ?? '',
      scmType: scm?.scm_type ?? 'git',
      branch: scm?.branch ?? '',
      webUrl: scm?.web_url ?? '',
    },
    definition: yaml ? 'YAML' : 'ACTION',
    yamlPath: yamlPathBase ? parameterSpec(yamlPathBase).defaultValue : '',
    ...(yamlPathBase && { yamlPathBase }),
    steps: doc.steps.map(stepForm),
    parameters: params
      .filter((p) => p !== yamlPathBase)
      .map((p) => ({ key: newKey(), ...parameterSpec(p), base: p })),
    crons: triggers
      .filter((t) => t.name === 'timer')
      .map((t) => ({ key: newKey(), cron: triggerValue(t, 'cron') })),
    push: push !== undefined,
    pushBranches: push ? triggerValue(push, 'branches') : '',
    timeoutLimit: String(doc.timeout?.limit ?? ''),
    timeoutUnit: (doc.timeout?.unit ?? 'MINUTES').toUpperCase(),
  };
}

/**
 * The form with its build defined the other way. To YAML, a CB_BUILD_YAML_PATH among the
 * parameters becomes the build.yml field; to ACTION, a path given becomes that parameter again
 * (nothing is lost by switching back and forth), and a job without steps gets an empty one.
 */
export function withDefinition(form: JobForm, definition: BuildDefinition): JobForm {
  if (definition === form.definition) return form;
  if (definition === 'ACTION') {
    const path = yamlPathParameter(form);
    const { yamlPathBase: _, ...rest } = form;
    return {
      ...rest,
      definition,
      yamlPath: '',
      steps: form.steps.length > 0 ? form.steps : [{ ...newStep(1), name: 'build' }],
      parameters: path ? [...form.parameters, { ...path, key: newKey() }] : form.parameters,
    };
  }
  const given = form.parameters.find((p) => p.name === BUILD_YAML_PATH_PARAMETER);
  if (!given) return { ...form, definition };
  return {
    ...form,
    definition,
    yamlPath: given.defaultValue,
    ...(given.base && { yamlPathBase: given.base }),
    parameters: form.parameters.filter((p) => p !== given),
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

/** The build.yml path field as the CB_BUILD_YAML_PATH parameter, or undefined for the default path. */
function yamlPathParameter(form: JobForm): ParamForm | undefined {
  const path = form.yamlPath.trim();
  if (path === '') return undefined;
  const stored = form.yamlPathBase ? parameterSpec(form.yamlPathBase) : undefined;
  return {
    key: '',
    name: BUILD_YAML_PATH_PARAMETER,
    defaultValue: path,
    sensitive: stored?.sensitive ?? false,
    description: stored?.description || 'The build.yml of this code-based job',
    choices: [],
    ...(form.yamlPathBase && { base: form.yamlPathBase }),
  };
}

/** The CB_BUILD_YAML_PATH parameter doc of a code-based job, or undefined for the default path. */
function yamlPathDoc(form: JobForm): ParamDoc | undefined {
  const path = yamlPathParameter(form);
  return path && parameterDoc(path);
}

/**
 * A step as sent: the stored step with the form's name, switch and command. A module with a
 * default command (Maven, npm ...) runs that default when the command is left empty; a module
 * that takes no command (checkout, Kiln's unknown ones) keeps its properties as they were.
 */
function stepDoc(s: StepForm): StepDoc {
  const action = actionOfModule(s.moduleId);
  let properties = s.base?.properties;
  if (action?.run === 'command') {
    const rest: Record<string, unknown> = { ...(properties ?? {}) };
    delete rest.command;
    const useDefault = s.command.trim() === '' && action.defaultCommand !== undefined;
    properties = useDefault ? (properties === null ? null : rest) : { ...rest, command: s.command };
  }
  return {
    ...s.base,
    module_id: s.moduleId,
    name: s.name.trim(),
    ...(properties !== undefined && { properties }),
    enable: s.enabled,
  };
}

/**
 * Which form field each entry of `triggers[]` came from (to put the server's errors back); `kept`:
 * a trigger the form does not show, sent back as stored.
 */
export type TriggerSource = { kind: 'cron'; key: string } | { kind: 'push' } | { kind: 'kept' };

/** Trigger kinds the form edits; another (CodeArts' hudson.triggers.TimerTrigger) is kept as stored. */
const FORM_TRIGGERS = ['timer', 'code_update'];

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
  // Saving the form must not delete what it does not show (a schedule in a zone of its own).
  for (const t of base?.triggers ?? []) {
    if (FORM_TRIGGERS.includes(t.name)) continue;
    triggers.push(t);
    triggerSources.push({ kind: 'kept' });
  }
  if (form.push) {
    triggers.push({
      name: 'code_update',
      parameters: [{ name: 'branches', value: form.pushBranches.trim() }],
    });
    triggerSources.push({ kind: 'push' });
  }
  const url = form.repo.url.trim();
  const yaml = form.definition === 'YAML';
  const yamlPath = yaml ? yamlPathDoc(form) : undefined;
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
    build_config_type: yaml ? 'YAML' : base?.build_config_type === undefined ? undefined : 'ACTION',
    // A code-based job's stored steps are not run and not shown: they are sent back as they were.
    steps: yaml ? (base?.build_config_type === 'YAML' ? base.steps : []) : form.steps.map(stepDoc),
    parameters: [...form.parameters.map(parameterDoc), ...(yamlPath ? [yamlPath] : [])],
    // Sent even when empty: an update without `triggers` would keep the old ones.
    triggers,
    timeout:
      form.timeoutLimit.trim() === '' ? {} : { limit: form.timeoutLimit.trim(), unit: form.timeoutUnit },
  };
  // JSON drops undefined, but keep the document tidy for anyone who logs it.
  if (doc.build_config_type === undefined) delete doc.build_config_type;
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
