/**
 * The build actions of CodeArts (shared/spec/build-yaml.md §3.3), by their build.yml keyword, and
 * the graphical `module_id`s that name the same actions (§7). Kiln runs an action on the runner:
 * a tool action runs its `command` with bash in the workspace, after checking that the runner has
 * the tool; `checkout` is the job's own checkout (or another repository's); `upload_artifact` keeps
 * files of the workspace as the build's artifacts and `download_artifact` fetches one into it;
 * `download_file` puts a file of the file manager into the workspace;
 * actions that need a Huawei cloud service fail with a message saying so. docs/build-yaml.md is the user's view.
 */

/** How the runner carries an action out. */
export type ActionRun = 'command' | 'checkout' | 'upload' | 'download' | 'file' | 'unavailable';

export interface ActionKind {
  keyword: string;
  /** The stage's name when the step gives none. */
  displayName: string;
  run: ActionRun;
  /** The program the runner must have (first word of the check), when the action needs one. */
  tool?: string;
  /** Run when the step gives no command (a graphical step with `properties: null`). */
  defaultCommand?: string;
  /** Why an `unavailable` action cannot run here. */
  unavailable?: string;
  /**
   * A command action documented with inputs of its own and no `command`: what a step without one
   * does ('apksigner': signs as its inputs say, android-sign.ts; else why it cannot, failing the step).
   */
  withoutCommand?: 'apksigner' | { unsupported: string };
}

const tool = (
  keyword: string,
  displayName: string,
  program: string,
  defaultCommand?: string,
): ActionKind => ({
  keyword,
  displayName,
  run: 'command',
  tool: program,
  ...(defaultCommand !== undefined && { defaultCommand }),
});

const cloudOnly = (keyword: string, displayName: string, service: string): ActionKind => ({
  keyword,
  displayName,
  run: 'unavailable',
  unavailable: `${service}, a Huawei Cloud service, is not available on this server`,
});

/** Every action keyword of the spec. */
export const ACTIONS: Readonly<Record<string, ActionKind>> = Object.fromEntries(
  [
    { keyword: 'checkout', displayName: 'Code CheckOut', run: 'checkout' } satisfies ActionKind,
    {
      ...tool('manifest_checkout', 'Manifest CheckOut', 'repo'),
      // repo syncs many repositories with the step's credentials, around the runner's mirrors and
      // its checkout sandbox: not done here. A step with a command still runs it, with repo.
      withoutCommand: {
        unsupported:
          'manifest checkouts (the repo tool) are not supported on Kiln runners; check the repositories out with checkout actions, or run repo in inputs.command',
      },
    },
    { keyword: 'sh', displayName: 'Shell', run: 'command' } satisfies ActionKind,
    tool('swr', 'SWR Image', 'docker'),
    tool('docker', 'Docker', 'docker'),
    tool('build_image', 'Build Image', 'docker'),
    tool('maven', 'Maven', 'mvn', 'mvn package -Dmaven.test.failure.ignore=true -U -e -B'),
    tool('gradle', 'Gradle', 'gradle', 'gradle build'),
    tool('android', 'Android', 'gradle', 'gradle assembleRelease'),
    {
      ...tool('android_sign', 'Android APK Signature', 'apksigner'),
      withoutCommand: 'apksigner',
    } satisfies ActionKind,
    tool('npm', 'npm', 'npm', 'npm install && npm run build'),
    tool('yarn', 'Yarn', 'yarn', 'yarn install && yarn build'),
    tool('grunt', 'Grunt', 'grunt', 'grunt'),
    tool('gulp', 'Gulp', 'gulp', 'gulp'),
    tool('quick_app', 'Quick App', 'npm', 'npm install && npm run release'),
    tool('go', 'Go', 'go', 'go build ./...'),
    tool('python', 'Python', 'python3'),
    tool('php', 'PHP', 'php'),
    tool('cmake', 'CMake', 'cmake', 'mkdir -p build && cd build && cmake .. && make'),
    tool('ant', 'Ant', 'ant', 'ant -f build.xml'),
    tool('mono', 'Mono', 'mono'),
    tool('gnu_arm', 'GNU ARM', 'arm-none-eabi-gcc'),
    tool('bazel', 'Bazel', 'bazel', 'bazel build //...'),
    tool('harmonyos', 'HarmonyOS', 'hvigorw'),
    { keyword: 'upload_artifact', displayName: 'Upload Artifact', run: 'upload' } satisfies ActionKind,
    { keyword: 'download_artifact', displayName: 'Download Artifact', run: 'download' } satisfies ActionKind,
    { keyword: 'download_file', displayName: 'Download File', run: 'file' } satisfies ActionKind,
    cloudOnly('upload_obs', 'Upload to OBS', 'Object Storage Service (OBS)'),
  ].map((a) => [a.keyword, a]),
);

/**
 * Graphical step modules: Kiln's own `kiln.shell`, and the CodeArts module ids found in the
 * reference and in public tools (spec §7), each naming the action it is.
 */
export const MODULE_ACTIONS: Readonly<Record<string, string>> = {
  'kiln.shell': 'sh',
  'devcloud2018.codeci_action_20040.action': 'checkout',
  'devcloud2018.codeci_action_20017.action': 'sh',
  'devcloud2018.codeci_action_20043.action': 'maven',
  'devcloud2018.codeci_action_20014.action': 'npm',
  'devcloud2018.codeci_action_20028.action': 'swr',
  'devcloud2018.codeci_action_20035.action': 'docker',
  'devcloud2018.codeci_action_20004.action': 'build_image',
  'devcloud2018.codeci_action_20005.action': 'cmake',
  'devcloud2018.codeci_action_20018.action': 'upload_artifact',
  'devcloud2018.codeci_action_20057.action': 'upload_obs',
  'devcloud2018.codeci_action_20061.action': 'download_file',
};

/** The action a graphical step's module runs, or undefined for a module Kiln does not know. */
export function actionOfModule(moduleId: string): ActionKind | undefined {
  const keyword = MODULE_ACTIONS[moduleId];
  return keyword === undefined ? undefined : ACTIONS[keyword];
}
