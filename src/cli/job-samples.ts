/**
 * Job files to start from (`kiln jobs init`): each a whole job document in the shape `kiln jobs
 * create -f` takes, commented field by field. docs/jobs.md documents every field; a test creates
 * a job from each sample, and runs the shell one.
 */

/** What every sample has first: the repository and the fields every job has. */
const HEAD = `# A Kiln job (the CodeArts CreateBuildJob body). Create it with
#   kiln jobs create -f job.yaml --project default
# Every field is described in docs/jobs.md.

job_name: my-job           # unique in its project; up to 128 characters, no slashes
# arch: x86-64             # optional; the architecture CodeArts' console stores (runners are
                           # chosen by a build.yml's env.resource, not by this)

# The repository each build checks out (one; a build.yml checkout step can add more).
scms:
  - url: https://github.com/you/your-repo.git   # https://, ssh://, git:// or file:// (file:
                                                # only under KILN_LOCAL_REPOSITORIES)
    scm_type: git
    branch: main                                # what a build builds unless it is given codeBranch
`;

/** What every sample has last: run-time parameters, limits, triggers and Kiln's options. */
const TAIL = `
# Parameters a build can be given (kiln run JOB -p NAME=value); each is an environment variable
# of the steps. A parameter named codeBranch chooses the branch to build.
parameters:
  - name: hudson.model.StringParameterDefinition
    params:
      - { name: name, value: GREETING }
      - { name: defaultValue, value: hello }
      - { name: description, value: what the build says first }
      # - { name: sensitiveVar, value: "true" }   # masked in logs, never shown again

# A build running longer than this is stopped and ends "timeout" (default 60 minutes).
timeout:
  limit: 30                # a number or a string of digits
  unit: MINUTES            # SECONDS, MINUTES or HOURS; at most 24 hours

# When builds start by themselves (remove what you do not want).
triggers:
  - name: timer            # a schedule: cron in the server's time zone (KILN_TIMEZONE)
    parameters:
      - { name: cron, value: "0 2 * * *" }
  - name: code_update      # a push webhook: kiln jobs webhook JOB gives the URL and secret
    parameters:            # (docs/webhooks.md)
      - { name: branches, value: "main,release/*" }

# Kiln's own options (none is required).
kiln:
  builds_keep_days: 90     # builds older than this go (the newest and the last good one stay)
  # artifacts_keep_builds: 10
  # keep_workspace: true   # keep the last build's workspace on the runner, for debugging
`;

/** The samples, by the name `--template` takes. */
export const JOB_SAMPLES = {
  shell: `${HEAD}
# What a build runs, in order; a step that fails ends the build FAILURE.
steps:
  - module_id: kiln.shell  # a bash script (set -e), run in the checked-out repository
    name: build
    properties:
      command: |
        echo "$GREETING from build $BUILD_NUMBER of $CODE_BRANCH at $COMMIT_ID"
        ls -la
  - module_id: kiln.shell
    name: test
    properties:
      command: echo tested
      # report_path: "**/TEST-*.xml"   # JUnit reports to read (kiln tests JOB BUILD shows them)
${TAIL}`,
  npm: `${HEAD}
steps:
  # CodeArts' npm action (module 20014): without a command, npm install && npm run build.
  - module_id: devcloud2018.codeci_action_20014.action
    name: build
    properties:
      command: |
        npm ci
        npm test
        npm run build
      image: nodejs20      # the runner must have Node.js 20 (checked before the step runs)
${TAIL}`,
  maven: `${HEAD}
steps:
  # CodeArts' Maven action (module 20043): without a command, mvn package ... -B.
  - module_id: devcloud2018.codeci_action_20043.action
    name: package
    properties:
      command: mvn -B package
      image: maven3-jdk17  # the runner must have Maven 3 and JDK 17
      report_path: "**/target/surefire-reports/TEST-*.xml"
${TAIL}`,
  yaml: `${HEAD}
# The build is defined by .cloudbuild/build.yml in the repository (docs/build-yaml.md), read from
# the commit each build builds; the job keeps no steps of its own.
build_config_type: YAML
steps: []
#   .cloudbuild/build.yml, for example:
#   version: 2.0
#   steps:
#     BUILD:
#       - sh:
#           inputs:
#             command: make test
#       - upload_artifact:
#           inputs:
#             path: "build/*.tar.gz"
${TAIL}`,
} as const;

export type SampleName = keyof typeof JOB_SAMPLES;
export const SAMPLE_NAMES = Object.keys(JOB_SAMPLES) as SampleName[];
