import { newId32 } from '../../src/domain/ids.ts';
import type { Storage } from '../../src/storage/ports.ts';

/** A new domain for a benchmark's rows; its id. */
export async function seedDomain(storage: Storage, at: number): Promise<string> {
  const domainId = newId32();
  await storage.domains.insert({ id: domainId, name: `bench-${domainId}`, createdAt: at });
  return domainId;
}

/** A new project of the domain with one empty job in it; the job's id. */
export async function seedProjectJob(
  storage: Storage,
  domainId: string,
  name: string,
  at: number,
): Promise<string> {
  return seedJob(storage, await seedProject(storage, domainId, name, at), 'job', at);
}

/** A new, empty project of the domain; its id. */
export async function seedProject(
  storage: Storage,
  domainId: string,
  name: string,
  at: number,
): Promise<string> {
  const projectId = newId32();
  await storage.projects.insert({
    id: projectId,
    domainId,
    name,
    description: '',
    creatorId: 'u',
    createdAt: at,
  });
  return projectId;
}

/** A new job without builds in the project; its id. */
export async function seedJob(
  storage: Storage,
  projectId: string,
  name: string,
  at: number,
): Promise<string> {
  const jobId = newId32();
  await storage.jobs.insert({
    id: jobId,
    projectId,
    name,
    creatorId: 'u',
    config: '{}',
    disabled: false,
    disabledReason: '',
    webhookSecretEnc: 'x',
    lastBuildNumber: 0,
    createdAt: at,
    updatedAt: at,
    recordsVersion: 0,
  });
  return jobId;
}
