/**
 * ShowDockerfileTemplate: Kiln's runners are machines, not images, but a runner environment
 * (ShowImageTemplateList's entries: the runners of an arch and pool, and the tools they announced)
 * can be written as a Dockerfile that installs the same tools from Debian's packages. Versions are
 * Debian's, not the runners'; the file says which the runners have.
 */

/** The Debian packages that give each tool Kiln probes for (bazel has none). */
const PACKAGES: Readonly<Record<string, (version: string) => string | undefined>> = {
  git: () => 'git',
  maven: () => 'maven',
  gradle: () => 'gradle',
  jdk: (v) => (/^(11|17|21)\b/.test(v) ? `openjdk-${v.split('.')[0]}-jdk-headless` : 'default-jdk-headless'),
  node: () => 'nodejs',
  npm: () => 'npm',
  yarn: () => 'yarnpkg',
  python: () => 'python3',
  go: () => 'golang-go',
  cmake: () => 'cmake',
  make: () => 'make',
  gcc: () => 'gcc',
  ant: () => 'ant',
  php: () => 'php-cli',
  mono: () => 'mono-devel',
  docker: () => 'docker.io',
  bazel: () => undefined,
};

/** Docker's platform for a runner arch (Node's process.arch, or CodeArts' X86/ARM). */
function platformOf(arch: string): string | undefined {
  const a = arch.toLowerCase();
  if (a === 'x64' || a === 'x86' || a === 'x86-64' || a === 'amd64') return 'linux/amd64';
  if (a === 'arm64' || a === 'arm' || a === 'aarch64') return 'linux/arm64';
  return undefined;
}

/** The Dockerfile of an environment: `label` as ShowImageTemplateList names it. */
export function dockerfileTemplate(label: string, arch: string, tools: Record<string, string[]>): string {
  const names = Object.keys(tools).sort();
  const packages = new Set<string>(['ca-certificates', 'git']);
  const missing: string[] = [];
  for (const tool of names) {
    const pick = PACKAGES[tool];
    const pkg = pick?.(tools[tool]?.[0] ?? '');
    if (pkg) packages.add(pkg);
    else missing.push(tool);
  }
  const platform = platformOf(arch);
  const lines = [
    `# Kiln build environment "${label}": what its runners announced.`,
    '# Kiln runs builds on its runners, not in images: this file makes an image with the same tools,',
    "# from Debian's packages (their versions are Debian's; the runners have those below).",
    ...names.map((t) => `#   ${t} ${(tools[t] ?? []).join(' | ') || '(version unknown)'}`),
    ...(missing.length > 0 ? [`# Not in Debian, to install by hand: ${missing.join(', ')}`] : []),
    `FROM ${platform ? `--platform=${platform} ` : ''}debian:bookworm-slim`,
    'RUN apt-get update \\',
    `  && apt-get install -y --no-install-recommends ${[...packages].sort().join(' ')} \\`,
    '  && rm -rf /var/lib/apt/lists/*',
    'WORKDIR /workspace',
    '',
  ];
  return lines.join('\n');
}
