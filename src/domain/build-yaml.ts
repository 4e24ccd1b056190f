import { isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { ACTIONS } from './actions.ts';
import { ignoreFailSetting, MAX_STEPS } from './step-spec.ts';
import { parameterNameProblem, parameterValueProblem } from './parameter-rules.ts';
import { BuildYamlError, MAX_BUILD_YAML_BYTES, yamlReader, type YamlReader } from './yaml-reader.ts';

export { BuildYamlError, MAX_BUILD_YAML_BYTES };

/** The keys that make a file a BuildFlow (build-flow.ts reads it). */
export const FLOW_KEYS = ['buildflow', 'buildflows'];

/**
 * Reads a CodeArts build.yml (shared/spec/build-yaml.md; Kiln's decisions in docs/build-yaml.md):
 * `version: 2.0`, `params`, `env` or `envs`, `buildspace`, and `steps` with the stages PRE_BUILD and
 * BUILD, each a list of actions. Every scalar is read as a string (the failsafe schema), so
 * `version: 2.1` under an action stays "2.1" and `ignore_fail: true` is "true". A file that is not
 * right fails with its path, line and column and what was expected, and the known slips of the
 * CodeArts examples (TAB indents, a full-width colon, `type:docker`) are named as such.
 */

/** `env.resource`: where CodeArts would run the build. */
export interface YamlResource {
  type?: string;
  arch?: string;
  class?: string;
  pool?: string;
}

/** One action of a stage. */
export interface YamlAction {
  stage: 'PRE_BUILD' | 'BUILD';
  keyword: string;
  name?: string;
  image?: string;
  /** The action's inputs, as read (strings, lists and maps of strings). */
  inputs: Record<string, unknown>;
  /** 1-based line of the action in the file. */
  line: number;
  /** `line:column` of `inputs.ignore_fail`'s value, for the error when it resolves to neither true nor false. */
  ignoreFailAt?: string;
}

export interface BuildYaml {
  params: { name: string; value: string }[];
  env?: YamlResource;
  envs: { condition: string; resource: YamlResource }[];
  buildspace?: Record<string, unknown>;
  actions: YamlAction[];
}

const STAGES = ['PRE_BUILD', 'BUILD'] as const;
const TOP_KEYS = ['version', 'params', 'env', 'envs', 'steps', 'buildspace'];
const RESOURCE_KEYS = ['type', 'arch', 'class', 'pool', 'cache'];
const ACTION_KEYS = ['name', 'image', 'inputs'];

/** Inputs the spec marks required (R), checked when the file is read, before any step runs. */
const REQUIRED_INPUTS: Readonly<Record<string, string>> = {
  upload_artifact: 'path',
  download_artifact: 'url',
};

/** Parses and checks a build.yml; throws BuildYamlError naming the place and the problem. */
export function parseBuildYaml(text: string | YamlReader, path: string): BuildYaml {
  // A reader already made (yaml-steps.ts reads a file once for parseBuildFlow and this).
  const reader = typeof text === 'string' ? yamlReader(text, path) : text;
  const { doc, root, lines, fail, where, mapOf, keyOf, stringOf } = reader;

  const topKeys = new Map<string, { key: Node; value: unknown }>();
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (FLOW_KEYS.includes(key))
      fail(
        where(pair.key),
        `"${key}": a BuildFlow file cannot be a job of a flow (build_ref names single-job files with "steps")`,
      );
    if (!TOP_KEYS.includes(key))
      fail(where(pair.key as Node), `unknown key "${key}"; a build.yml has ${TOP_KEYS.join(', ')}`);
    topKeys.set(key, { key: pair.key as Node, value: pair.value });
  }

  const version = topKeys.get('version');
  if (!version) fail(0, 'the file has no "version"; write version: 2.0');
  const v = stringOf(version?.value, 'version');
  if (v !== '2.0' && v !== '2') fail(where(version?.value as Node), `version must be 2.0, not "${v}"`);

  const params = readParams(reader, topKeys.get('params')?.value, 'params');

  const { env, envs } = readEnv(reader, topKeys.get('env'), topKeys.get('envs'));

  const buildspaceNode = topKeys.get('buildspace')?.value;
  const buildspace = buildspaceNode
    ? (mapOf(buildspaceNode, 'buildspace').toJS(doc) as Record<string, unknown>)
    : undefined;

  const stepsEntry = topKeys.get('steps');
  if (!stepsEntry) fail(0, 'the file has no "steps"; give steps with PRE_BUILD and/or BUILD');
  const steps = mapOf(stepsEntry?.value, 'steps');
  const actions: YamlAction[] = [];
  const byStage = new Map<string, unknown>();
  for (const pair of steps.items) {
    const stage = keyOf(pair);
    if (!(STAGES as readonly string[]).includes(stage))
      fail(where(pair.key as Node), `unknown stage "${stage}"; the stages are PRE_BUILD and BUILD`);
    byStage.set(stage, pair.value);
  }
  for (const stage of STAGES) {
    const list = byStage.get(stage);
    if (list === undefined) continue;
    if (!isSeq(list)) fail(where(list as Node), `${stage} must be a list of actions`);
    for (const item of (list as { items: unknown[] }).items) {
      if (actions.length === MAX_STEPS)
        fail(where(item), `a build file has at most ${MAX_STEPS} actions (PRE_BUILD and BUILD together)`);
      const m = mapOf(item, `an action of ${stage}`);
      if (m.items.length !== 1)
        fail(
          where(m),
          `each action of ${stage} is one keyword (e.g. "- sh:") with its name, image and inputs`,
        );
      const pair = m.items[0] as { key: unknown; value: unknown };
      const keyword = keyOf(pair);
      if (!ACTIONS[keyword])
        fail(
          where(pair.key as Node),
          `unknown action "${keyword}"; the actions are ${Object.keys(ACTIONS).join(', ')}`,
        );
      const body =
        pair.value === null || (isScalar(pair.value) && pair.value.value === '')
          ? undefined
          : mapOf(pair.value, `action ${keyword}`);
      const action: YamlAction = { stage, keyword, inputs: {}, line: lines.linePos(where(m) ?? 0).line };
      let inputsNode: YAMLMap<unknown, unknown> | undefined;
      for (const field of body?.items ?? []) {
        const key = keyOf(field);
        if (!ACTION_KEYS.includes(key))
          fail(
            where(field.key as Node),
            `unknown key "${key}" in action ${keyword}; it has ${ACTION_KEYS.join(', ')}`,
          );
        if (key === 'inputs') {
          if (field.value !== null && !(isScalar(field.value) && field.value.value === '')) {
            inputsNode = mapOf(field.value, `inputs of ${keyword}`);
            action.inputs = inputsNode.toJS(doc) as Record<string, unknown>;
            checkIgnoreFail(reader, inputsNode, action);
          }
        } else {
          action[key as 'name' | 'image'] = stringOf(field.value, `${keyword} ${key}`);
        }
      }
      const required = REQUIRED_INPUTS[keyword];
      if (required && !(typeof action.inputs[required] === 'string' && action.inputs[required].trim() !== ''))
        fail(where(m), `action ${keyword} needs inputs.${required}, a single value (spec: required)`);
      const command = action.inputs.command;
      const kind = ACTIONS[keyword];
      // A list or map is not a missing command: said as what it is, where it is.
      if (command !== undefined && command !== null && typeof command !== 'string')
        fail(
          where(inputsNode?.get('command', true)) ?? where(m),
          `inputs.command of action ${keyword} must be a single value (text), not ${described(command)}`,
        );
      if (
        kind?.run === 'command' &&
        !kind.withoutCommand &&
        (typeof command !== 'string' || command.trim() === '')
      )
        fail(where(m), `action ${keyword} needs inputs.command`);
      actions.push(action);
    }
  }
  if (actions.length === 0) fail(where(steps), 'steps has no actions');
  return { params, ...(env && { env }), envs, ...(buildspace && { buildspace }), actions };
}

/**
 * `env` or `envs` (where the build would run), checked key by key: a single-job file's, and a
 * BuildFlow file's, which is checked the same way before it is refused (build-flow.ts).
 */
export function readEnv(
  reader: YamlReader,
  envNode: { key: unknown; value: unknown } | undefined,
  envsNode: { key: unknown; value: unknown } | undefined,
): Pick<BuildYaml, 'env' | 'envs'> {
  const { fail, where, mapOf, keyOf, stringOf } = reader;
  const resourceOf = (node: unknown, what: string): YamlResource => {
    const m = mapOf(node, what);
    const resource: YamlResource = {};
    for (const pair of m.items) {
      const key = keyOf(pair);
      if (!RESOURCE_KEYS.includes(key))
        fail(where(pair.key as Node), `unknown key "${key}" in ${what}; it has ${RESOURCE_KEYS.join(', ')}`);
      if (key !== 'cache') resource[key as keyof YamlResource] = stringOf(pair.value, `${what}.${key}`);
    }
    return resource;
  };
  // CodeArts' text says to give one of them, yet its syntax reference and its multi-task example
  // both give env and envs: both are read, envs' first holding entry winning and env the fallback
  // (yaml-plan.ts), so the documented examples run as written.
  let env: YamlResource | undefined;
  if (envNode) {
    const m = mapOf(envNode.value, 'env');
    for (const pair of m.items)
      if (!['resource', 'cache'].includes(keyOf(pair)))
        fail(where(pair.key as Node), `unknown key "${keyOf(pair)}" in env; it has resource, cache`);
    env = resourceOf(m.get('resource', true) ?? m, 'env.resource');
  }
  const envs: BuildYaml['envs'] = [];
  if (envsNode) {
    if (!isSeq(envsNode.value))
      fail(where(envsNode.value as Node), 'envs must be a list of {condition, resource}');
    for (const item of (envsNode.value as { items: unknown[] }).items) {
      const m = mapOf(item, 'an envs entry');
      const condition = stringOf(m.get('condition', true), 'envs condition');
      if (condition.trim() === '') fail(where(m), 'an envs entry needs a condition');
      envs.push({ condition, resource: resourceOf(m.get('resource', true), 'envs resource') });
    }
  }
  return { ...(env && { env }), envs };
}

/**
 * Keeps where an action's `ignore_fail` is, and refuses at once a value that can be neither true
 * nor false; one with `${...}` is checked once its parameters are known (yaml-plan.ts).
 */
function checkIgnoreFail(reader: YamlReader, inputs: YAMLMap<unknown, unknown>, action: YamlAction): void {
  if (!inputs.has('ignore_fail')) return;
  const { fail, where, lines } = reader;
  const node = inputs.get('ignore_fail', true);
  const at = where(node) ?? where(inputs) ?? 0;
  const { line, col } = lines.linePos(at);
  action.ignoreFailAt = `${line}:${col}`;
  const value = action.inputs.ignore_fail;
  if (typeof value === 'string' && value.includes('${')) return;
  if (ignoreFailSetting(value) === undefined)
    fail(at, `ignore_fail of action ${action.keyword} must be true or false, not ${described(value)}`);
}

/** A value as an error message shows it. */
function described(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'empty' : `"${value}"`;
  if (value === null || value === undefined) return 'empty';
  return Array.isArray(value) ? 'a list' : 'a map';
}

/** A list of `{name, value}` (the file's `params`, a flow job's `params`). */
export function readParams(
  reader: YamlReader,
  node: unknown,
  what: string,
): { name: string; value: string }[] {
  const { fail, where, mapOf, stringOf, isEmpty } = reader;
  const params: { name: string; value: string }[] = [];
  if (isEmpty(node)) return params;
  if (!isSeq(node)) fail(where(node), `${what} must be a list of {name, value}`);
  for (const item of (node as { items: unknown[] }).items) {
    const m = mapOf(item, `a ${what} entry`);
    const name = stringOf(m.get('name', true), `${what} name`);
    const nameProblem = parameterNameProblem(name);
    if (nameProblem) fail(where(m), `${what} entry "${name}" ${nameProblem}`);
    const valueNode = m.get('value', true);
    const value = stringOf(valueNode, `${what} ${name} value`);
    const valueProblem = parameterValueProblem(value);
    if (valueProblem)
      fail(where(valueNode) ?? where(m), `${what} entry "${name}": its value ${valueProblem}`);
    params.push({ name, value });
  }
  return params;
}
