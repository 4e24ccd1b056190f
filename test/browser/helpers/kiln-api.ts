import { createKilnClient, type Kiln } from '../../../src/client/kiln-client.ts';

/** The typed client signed in as `name` (project-scoped token), for a test's own setup calls. */
export async function signedInClient(
  url: string,
  name: string,
  password: string,
): Promise<{ client: Kiln; token: string }> {
  const { token } = await createKilnClient({ baseUrl: url }).login({ name, password });
  return { client: createKilnClient({ baseUrl: url, credentials: { token } }), token };
}

/** The id of the project called `name` (the server creates `default` on first start). */
export async function projectId(client: Kiln, name = 'default'): Promise<string> {
  const res = await client.showRelatedProject();
  const p = res.result.project_info_list.find((x) => x.name === name);
  if (!p) throw new Error(`no project ${name}`);
  return p.identifier;
}

/** Creates a job with shell steps and returns its id. */
export async function createShellJob(
  client: Kiln,
  project: string,
  name: string,
  commands: string[],
  scm?: { url: string; branch: string },
): Promise<string> {
  const res = await client.createBuildJob({
    body: {
      arch: 'x86-64',
      project_id: project,
      job_name: name,
      ...(scm && { scms: [{ url: scm.url, scm_type: 'git', branch: scm.branch }] }),
      steps: commands.map((command, i) => ({
        module_id: 'kiln.shell',
        name: `step ${i + 1}`,
        properties: { command },
      })),
    },
  });
  return res.result.job_id;
}

/** Runs the job and waits (up to `withinMs`, a minute by default) for the build to end; its state. */
export async function runToEnd(client: Kiln, jobId: string, withinMs = 60_000): Promise<string> {
  const run = await client.runJob({ body: { job_id: jobId } });
  const buildNo = Number(run.actual_build_number);
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const r = (await client.showBuildInfoRecord({ params: { job_id: jobId, build_no: buildNo } })).result;
    if (r.state !== '') return r.state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`build ${buildNo} of ${jobId} did not finish`);
}

/**
 * Fills the admin's inbox with `changes` messages: a job of its own, changed that many times with
 * its "Job changed" event on the Inbox channel; resolves once they are all there.
 */
export async function fillInbox(client: Kiln, changes: number): Promise<void> {
  const job = await createShellJob(client, await projectId(client), 'often-changed', ['true']);
  await client.updateNotice({
    params: { job_id: job },
    body: { notice_type: 'MESSAGE', enabled_event_type_names: ['updateConfigJob'] },
  });
  const doc = (await client.listJobConfig({ params: { job_id: job } })).result;
  for (let i = 0; i < changes; i++) await client.updateBuildJob({ body: { ...doc, job_id: job } });
  for (let tries = 0; (await client.listInbox({ query: {} })).result.total < changes; tries++) {
    if (tries > 300) throw new Error(`the ${changes} inbox messages never came`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
