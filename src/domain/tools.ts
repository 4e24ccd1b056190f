/**
 * The tools a runner has (name -> version), and what a step's `image` asks of them
 * (shared/spec/build-yaml.md §3.4; the user's view is docs/build-yaml.md, "Tools and images").
 * Kiln runs no containers: `cloudbuild@<tag>` (or a bare tag in a graphical step's
 * `properties.image`) names toolchains and their versions, which the runner must have in the same
 * major version; any other image reference is noted and the step runs with the runner's tools.
 */

/** The toolchains Kiln knows, by the name runners report and images ask for. */
export const TOOL_NAMES = [
  'maven',
  'gradle',
  'jdk',
  'node',
  'npm',
  'yarn',
  'python',
  'go',
  'cmake',
  'make',
  'gcc',
  'ant',
  'php',
  'mono',
  'bazel',
  'docker',
  'git',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** How messages name a tool. */
export const TOOL_LABELS: Readonly<Record<ToolName, string>> = {
  maven: 'Maven',
  gradle: 'Gradle',
  jdk: 'JDK',
  node: 'Node.js',
  npm: 'npm',
  yarn: 'Yarn',
  python: 'Python',
  go: 'Go',
  cmake: 'CMake',
  make: 'Make',
  gcc: 'GCC',
  ant: 'Ant',
  php: 'PHP',
  mono: 'Mono',
  bazel: 'Bazel',
  docker: 'Docker',
  git: 'Git',
};

/** How a runner finds a tool's version: the program (looked up on the build's PATH), its arguments. */
export interface ToolProbe {
  tool: ToolName;
  program: string;
  args: string[];
  /** The version is the first match's group 1 (default: the first dotted number of the output). */
  pattern?: RegExp;
}

/** One probe per tool, the program being the one the action catalogue checks for (actions.ts). */
export const TOOL_PROBES: readonly ToolProbe[] = [
  { tool: 'maven', program: 'mvn', args: ['--version'], pattern: /Apache Maven (\d[\w.-]*)/ },
  { tool: 'gradle', program: 'gradle', args: ['--version'], pattern: /Gradle (\d[\w.-]*)/ },
  { tool: 'jdk', program: 'java', args: ['-version'], pattern: /version "([^"]+)"/ },
  { tool: 'node', program: 'node', args: ['--version'] },
  { tool: 'npm', program: 'npm', args: ['--version'] },
  { tool: 'yarn', program: 'yarn', args: ['--version'] },
  { tool: 'python', program: 'python3', args: ['--version'] },
  { tool: 'go', program: 'go', args: ['version'], pattern: /go(\d[\w.]*)/ },
  { tool: 'cmake', program: 'cmake', args: ['--version'] },
  { tool: 'make', program: 'make', args: ['--version'] },
  { tool: 'gcc', program: 'gcc', args: ['-dumpfullversion', '-dumpversion'] },
  { tool: 'ant', program: 'ant', args: ['-version'] },
  { tool: 'php', program: 'php', args: ['--version'] },
  { tool: 'mono', program: 'mono', args: ['--version'] },
  { tool: 'bazel', program: 'bazel', args: ['--version'] },
  { tool: 'docker', program: 'docker', args: ['--version'] },
  { tool: 'git', program: 'git', args: ['--version'] },
];

/** A runner's tools: name -> version ('' when the tool is there but its version is unknown). */
export type RunnerTools = Readonly<Record<string, string>>;

/** The version in a probe's output, or '' when none is found. */
export function probeVersion(probe: ToolProbe, output: string): string {
  const match = (probe.pattern ?? /(\d+(?:\.\d+)*)/).exec(output);
  return match?.[1] ?? '';
}

/**
 * The major version: the first number, except Java's "1.8" style (major 8). '' when there is none.
 */
export function majorVersion(tool: string, version: string): string {
  const parts = /^\D*(\d+)(?:\.(\d+))?/.exec(version);
  if (!parts) return '';
  if (tool === 'jdk' && parts[1] === '1' && parts[2] !== undefined) return parts[2];
  return parts[1] ?? '';
}

/**
 * KILN_RUNNER_TOOLS: `name=version` pairs, comma-separated, that add to or override what the
 * runner detects (`jdk=8`); `name=` says the runner does not have the tool. Names are the tool
 * names above or any other word (reported as given).
 */
export function parseToolsSetting(text: string): Record<string, string> | { error: string } {
  const tools: Record<string, string> = {};
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const m = /^([a-z][a-z0-9_.-]{0,31})=([\w.+-]{0,64})$/i.exec(entry);
    if (!m) return { error: `"${entry}" is not name=version (e.g. maven=3.9.6,jdk=17)` };
    tools[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  return tools;
}

/** Detected tools with the configured ones over them; a configured empty version removes a tool. */
export function mergeTools(detected: RunnerTools, configured: RunnerTools): Record<string, string> {
  const merged: Record<string, string> = { ...detected };
  for (const [name, version] of Object.entries(configured)) {
    if (version === '') delete merged[name];
    else merged[name] = version;
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** A tool an image asks for: `version` as the tag gives it ('' for any version). */
export interface ToolRequirement {
  tool: ToolName;
  version: string;
}

/** What a step's image means here. */
export type ImageDemand =
  | { kind: 'none' }
  /** `cloudbuild@<tag>` or a bare tag: toolchains, and the tag's parts Kiln does not check. */
  | { kind: 'tools'; tag: string; requirements: ToolRequirement[]; unchecked: string[] }
  /** A registry path (`swr.<region>.../org/image:tag`): Kiln does not pull images. */
  | { kind: 'reference'; reference: string };

/** The words of a tag that name a toolchain (others — shell, git, zip, open — are not checked). */
const TAG_TOOLS: Readonly<Record<string, ToolName>> = {
  maven: 'maven',
  mvn: 'maven',
  gradle: 'gradle',
  jdk: 'jdk',
  java: 'jdk',
  openjdk: 'jdk',
  node: 'node',
  nodejs: 'node',
  npm: 'npm',
  yarn: 'yarn',
  python: 'python',
  go: 'go',
  golang: 'go',
  cmake: 'cmake',
  gcc: 'gcc',
  ant: 'ant',
  php: 'php',
  mono: 'mono',
  bazel: 'bazel',
};

/** Reads a step's `image`: `cloudbuild@maven3.5.3-jdk8-open` asks for Maven 3.5.3 and JDK 8. */
export function parseImage(image: string | undefined): ImageDemand {
  const text = (image ?? '').trim();
  if (text === '') return { kind: 'none' };
  const prefixed = /^cloudbuild@(.+)$/i.exec(text);
  if (!prefixed && /[/:]/.test(text)) return { kind: 'reference', reference: text };
  const tag = prefixed ? (prefixed[1] as string) : text;
  const requirements: ToolRequirement[] = [];
  const unchecked: string[] = [];
  for (const part of tag.split(/[-_]/).filter((p) => p !== '')) {
    const m = /^([a-z]+?)(\d[\w.]*)?$/i.exec(part);
    const tool = m ? TAG_TOOLS[(m[1] as string).toLowerCase()] : undefined;
    if (!tool || requirements.some((r) => r.tool === tool)) unchecked.push(part);
    else requirements.push({ tool, version: m?.[2] ?? '' });
  }
  return { kind: 'tools', tag, requirements, unchecked };
}

/**
 * The inputs that name a toolchain's version (spec §3.3): `gradle` and `android` steps give
 * `gradle` and `jdk` (required in CodeArts, where they choose the versions of the cloud image).
 * Here they ask the runner for those versions as an image tag does; `ndk` names no tool a runner
 * reports, so it is listed as not checked.
 */
const VERSION_INPUTS: Readonly<Record<string, readonly string[]>> = {
  gradle: ['gradle', 'jdk'],
  android: ['gradle', 'jdk', 'ndk'],
};

/** What a step's version inputs ask for: `{gradle: "7.6", jdk: "17"}` asks for Gradle 7.6 and JDK 17. */
export function inputRequirements(
  keyword: string,
  inputs: Readonly<Record<string, unknown>> | undefined,
): { requirements: ToolRequirement[]; unchecked: string[] } {
  const requirements: ToolRequirement[] = [];
  const unchecked: string[] = [];
  for (const name of VERSION_INPUTS[keyword] ?? []) {
    const value = inputs?.[name];
    if (typeof value !== 'string' || value.trim() === '') continue;
    if ((TOOL_NAMES as readonly string[]).includes(name))
      requirements.push({ tool: name as ToolName, version: value.trim() });
    else unchecked.push(`${name} ${value.trim()}`);
  }
  return { requirements, unchecked };
}

/** A requirement the runner does not meet: the tool is missing, or has another major version. */
export interface UnmetRequirement {
  requirement: ToolRequirement;
  /** The runner's version of the tool; undefined when it has none. */
  has: string | undefined;
}

/**
 * The requirements the tools do not meet. Strictness: the same major version (Maven 3.5.3 is met
 * by any Maven 3; JDK 8 only by a JDK 8, "1.8" being 8); a requirement without a version, or a
 * tool whose version the runner does not know, is met by the tool being there.
 */
export function unmetRequirements(
  requirements: readonly ToolRequirement[],
  tools: RunnerTools,
): UnmetRequirement[] {
  const unmet: UnmetRequirement[] = [];
  for (const requirement of requirements) {
    const has = tools[requirement.tool];
    if (has === undefined) {
      unmet.push({ requirement, has });
      continue;
    }
    const wanted = majorVersion(requirement.tool, requirement.version);
    const got = majorVersion(requirement.tool, has);
    if (wanted !== '' && got !== '' && wanted !== got) unmet.push({ requirement, has });
  }
  return unmet;
}

/** "JDK 8" / "Maven" for messages. */
export function describeRequirement(r: ToolRequirement): string {
  const major = majorVersion(r.tool, r.version);
  return `${TOOL_LABELS[r.tool]}${major ? ` ${major}` : ''}`;
}
