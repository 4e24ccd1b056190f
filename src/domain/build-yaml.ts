import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { ACTIONS } from './actions.ts';

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
}

export interface BuildYaml {
  params: { name: string; value: string }[];
  env?: YamlResource;
  envs: { condition: string; resource: YamlResource }[];
  buildspace?: Record<string, unknown>;
  actions: YamlAction[];
}

/** A build.yml that cannot be run; the message starts with `path:line:column:`. */
export class BuildYamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildYamlError';
  }
}

const STAGES = ['PRE_BUILD', 'BUILD'] as const;
const TOP_KEYS = ['version', 'params', 'env', 'envs', 'steps', 'buildspace'];
const RESOURCE_KEYS = ['type', 'arch', 'class', 'pool', 'cache'];
const ACTION_KEYS = ['name', 'image', 'inputs'];
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A build.yml larger than this is refused (a real one is a few KB). */
export const MAX_BUILD_YAML_BYTES = 256 * 1024;

/** Parses and checks a build.yml; throws BuildYamlError naming the place and the problem. */
export function parseBuildYaml(text: string, path: string): BuildYaml {
  const lines = new LineCounter();
  const fail = (offset: number | undefined, message: string): never => {
    const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    throw new BuildYamlError(`${path}:${pos.line}:${pos.col}: ${message}`);
  };
  if (Buffer.byteLength(text) > MAX_BUILD_YAML_BYTES)
    throw new BuildYamlError(`${path}: is larger than ${MAX_BUILD_YAML_BYTES / 1024} KB`);
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: true });
  checkFullWidthColon(text, path);
  const [error] = doc.errors;
  if (error) {
    const at = error.pos[0];
    if (error.code === 'TAB_AS_INDENT')
      fail(
        at,
        'a TAB character indents this line; YAML indents with spaces only (some CodeArts examples use TABs)',
      );
    if (error.code === 'DUPLICATE_KEY') fail(at, `${firstLine(error.message)}: each key may appear once`);
    fail(at, firstLine(error.message));
  }
  const root = doc.contents;
  if (!isMap(root))
    return fail(root?.range?.[0], 'expected a map of keys (version, params, env, steps, ...)');

  const where = (node: Node | null | undefined) => node?.range?.[0];
  const mapOf = (node: unknown, what: string): YAMLMap<unknown, unknown> => {
    if (isMap(node)) return node;
    const n = node as Node | undefined;
    if (isScalar(n) && /[\w-]:[^\s]/.test(String(n.value)))
      fail(
        where(n),
        `${what} must be a map; write a space after each colon ("${colonSlip(String(n.value))}" is read as one string)`,
      );
    return fail(where(n), `${what} must be a map`);
  };
  const keyOf = (pair: { key: unknown }) => (isScalar(pair.key) ? String(pair.key.value) : '');
  const stringOf = (node: unknown, what: string): string => {
    if (node === null || node === undefined) return '';
    if (isScalar(node)) return String(node.value ?? '');
    return fail(where(node as Node), `${what} must be a single value`);
  };

  const topKeys = new Map<string, { key: Node; value: unknown }>();
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key === 'buildflow' || key === 'buildflows')
      fail(
        where(pair.key as Node),
        `"${key}" (a multi-job BuildFlow file) is not supported by Kiln; give a single-job file with "steps"`,
      );
    if (!TOP_KEYS.includes(key))
      fail(where(pair.key as Node), `unknown key "${key}"; a build.yml has ${TOP_KEYS.join(', ')}`);
    topKeys.set(key, { key: pair.key as Node, value: pair.value });
  }

  const version = topKeys.get('version');
  if (!version) fail(0, 'the file has no "version"; write version: 2.0');
  const v = stringOf(version?.value, 'version');
  if (v !== '2.0' && v !== '2') fail(where(version?.value as Node), `version must be 2.0, not "${v}"`);

  const params: BuildYaml['params'] = [];
  const paramsNode = topKeys.get('params')?.value;
  if (paramsNode !== undefined && paramsNode !== null && !(isScalar(paramsNode) && paramsNode.value === '')) {
    if (!isSeq(paramsNode)) fail(where(paramsNode as Node), 'params must be a list of {name, value}');
    for (const item of (paramsNode as { items: unknown[] }).items) {
      const m = mapOf(item, 'a params entry');
      const name = stringOf(m.get('name', true), 'params name');
      if (!PARAM_NAME.test(name))
        fail(where(m), `params entry "${name}": a name of letters, digits and _ not starting with a digit`);
      params.push({ name, value: stringOf(m.get('value', true), `params ${name} value`) });
    }
  }

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
  const envNode = topKeys.get('env');
  const envsNode = topKeys.get('envs');
  if (envNode && envsNode) fail(where(envsNode.key), 'give either env or envs, not both');
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
      for (const field of body?.items ?? []) {
        const key = keyOf(field);
        if (!ACTION_KEYS.includes(key))
          fail(
            where(field.key as Node),
            `unknown key "${key}" in action ${keyword}; it has ${ACTION_KEYS.join(', ')}`,
          );
        if (key === 'inputs') {
          if (field.value !== null && !(isScalar(field.value) && field.value.value === ''))
            action.inputs = mapOf(field.value, `inputs of ${keyword}`).toJS(doc) as Record<string, unknown>;
        } else {
          action[key as 'name' | 'image'] = stringOf(field.value, `${keyword} ${key}`);
        }
      }
      const command = action.inputs.command;
      if (ACTIONS[keyword]?.run === 'command' && (typeof command !== 'string' || command.trim() === ''))
        fail(where(m), `action ${keyword} needs inputs.command`);
      actions.push(action);
    }
  }
  if (actions.length === 0) fail(where(steps), 'steps has no actions');
  return { params, ...(env && { env }), envs, ...(buildspace && { buildspace }), actions };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/ at line \d+, column \d+:?$/, '');
}

function colonSlip(text: string): string {
  return /[\w-]+:[^\s]\S*/.exec(text)?.[0] ?? text;
}

/** A key written with a full-width colon (`pool：Mydocker`) reads as text, not as a key. */
function checkFullWidthColon(text: string, path: string): void {
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^(\s*(?:-\s+)?[\w-]+\s*)：/.exec(line);
    if (m)
      throw new BuildYamlError(
        `${path}:${i + 1}:${(m[1] as string).length + 1}: a full-width colon (：) where YAML needs ":" followed by a space`,
      );
  });
}
