import type { JobParameterDoc, JobStepDoc } from './job-document.ts';

/**
 * The official build templates Kiln ships (ListOfficialTemplate): each a working job for a common
 * stack, as graphical steps a job created from it runs as they are. Their uuids never change (a
 * favourite or a use names one). A test creates a job from each and runs those whose toolchain the
 * machine has on a small example repository.
 */
export interface OfficialTemplate {
  uuid: string;
  name: string;
  nickName: string;
  description: string;
  /** The stack, as ListOfficialTemplate's `language` says it. */
  language: string;
  toolType: string;
  steps: JobStepDoc[];
  parameters: JobParameterDoc[];
  /** Files whose presence at a repository's top says the template fits it (recommendations). */
  marks: string[];
}

const SH = 'devcloud2018.codeci_action_20017.action';
const step = (moduleId: string, name: string, command: string): JobStepDoc => ({
  module_id: moduleId,
  name,
  enable: true,
  properties: { command },
});
/** Keeps the files a build made as its artifacts (upload_artifact, module 20018). */
const keep = (path: string): JobStepDoc => ({
  module_id: 'devcloud2018.codeci_action_20018.action',
  name: 'keep the build output',
  enable: true,
  properties: { file: path },
});

export const OFFICIAL_TEMPLATES: readonly OfficialTemplate[] = [
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0001',
    name: 'shell',
    nickName: 'Shell',
    description: 'Runs the build and test commands of the repository with bash',
    language: 'shell',
    toolType: 'shell',
    steps: [
      step(SH, 'build', 'echo "building $(git rev-parse --short HEAD)"; ls'),
      step(SH, 'test', 'echo testing'),
    ],
    parameters: [],
    marks: ['Makefile', 'build.sh'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0002',
    name: 'npm',
    nickName: 'Node.js (npm)',
    description: 'Installs the dependencies with npm ci (npm install without a lock file) and runs npm test',
    language: 'javascript',
    toolType: 'npm',
    steps: [
      step(
        'devcloud2018.codeci_action_20014.action',
        'install and test',
        'if [ -f package-lock.json ]; then npm ci; else npm install; fi && npm test',
      ),
    ],
    parameters: [],
    marks: ['package.json'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0003',
    name: 'python',
    nickName: 'Python',
    description:
      'Runs the pytest suite of the repository with python3 (unittest where pytest is not installed)',
    language: 'python',
    toolType: 'python',
    steps: [
      step(
        SH,
        'test',
        'if python3 -c "import pytest" 2>/dev/null; then python3 -m pytest; else python3 -m unittest discover -v; fi',
      ),
    ],
    parameters: [],
    marks: ['setup.py', 'pyproject.toml', 'requirements.txt'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0004',
    name: 'go',
    nickName: 'Go',
    description: 'Builds and tests every package with go',
    language: 'go',
    toolType: 'go',
    steps: [step(SH, 'build and test', 'go build ./... && go test ./...')],
    parameters: [],
    marks: ['go.mod'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0005',
    name: 'cmake',
    nickName: 'C/C++ (CMake)',
    description: 'Configures with cmake, builds with make and runs ctest',
    language: 'cpp',
    toolType: 'cmake',
    steps: [
      step(
        'devcloud2018.codeci_action_20005.action',
        'build and test',
        'cmake -S . -B build && cmake --build build && (cd build && ctest --output-on-failure)',
      ),
    ],
    parameters: [],
    marks: ['CMakeLists.txt'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0006',
    name: 'maven',
    nickName: 'Java (Maven)',
    description: 'Builds, tests and packages with mvn, and keeps the jars',
    language: 'java',
    toolType: 'maven',
    steps: [
      step('devcloud2018.codeci_action_20043.action', 'package', 'mvn -B package'),
      keep('target/*.jar'),
    ],
    parameters: [],
    marks: ['pom.xml'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0007',
    name: 'gradle',
    nickName: 'Java (Gradle)',
    description:
      "Builds and tests with the repository's Gradle wrapper (gradle without one), and keeps the jars",
    language: 'java',
    toolType: 'gradle',
    steps: [
      step(SH, 'build', 'if [ -x ./gradlew ]; then ./gradlew build; else gradle build; fi'),
      keep('build/libs/*.jar'),
    ],
    parameters: [],
    marks: ['build.gradle', 'build.gradle.kts', 'gradlew'],
  },
  {
    uuid: '0f1c1a1e5d0b4e6f8a3b0000000a0008',
    name: 'artifacts',
    nickName: 'Build and keep artifacts',
    description: 'Runs make and keeps what it leaves in dist/ as the build’s artifacts',
    language: 'shell',
    toolType: 'shell',
    steps: [step(SH, 'build', 'mkdir -p dist && make'), keep('dist/**')],
    parameters: [],
    marks: ['Makefile'],
  },
];

/** The official template with this uuid, if any. */
export function officialTemplate(uuid: string): OfficialTemplate | undefined {
  return OFFICIAL_TEMPLATES.find((t) => t.uuid === uuid);
}
