import type { BuildPlan } from '../domain/build-plan.ts';
import { parseJobDocument, type JobConfig } from '../domain/job-document.ts';
import {
  joinJobSecrets,
  joinPlanSecrets,
  splitJobSecrets,
  splitPlanSecrets,
  type JobSecrets,
  type PlanSecrets,
} from '../domain/job-secrets.ts';
import type { Storage } from '../storage/ports.ts';
import type { SecretBox } from './secret-box.ts';

/** The field of a stored job document that holds its sealed secrets. */
const JOB_SEALED = 'kiln_sealed';
/** The field of a stored build plan that holds its sealed secrets. */
const PLAN_SEALED = 'sealed';

/** A stored job document's JSON read once: the document, checked, and its sealed secrets if any. */
function readJobText(text: string): { doc: JobConfig; sealed: unknown } {
  const stored: unknown = JSON.parse(text);
  const sealed = typeof stored === 'object' && stored !== null ? Reflect.get(stored, JOB_SEALED) : undefined;
  return { doc: parseJobDocument(stored), sealed };
}

/**
 * A stored job document with its secrets left masked: all the schedule and push triggers need,
 * without opening the seal.
 */
export function storedJobDocument(text: string): JobConfig {
  return readJobText(text).doc;
}

/**
 * A stored build plan with every secret masked, sealed or not (a plan stored before Kiln sealed
 * them holds them in the clear): what the views of a build may show.
 */
export function maskedPlan(text: string): BuildPlan {
  const { [PLAN_SEALED]: _sealed, ...plan } = JSON.parse(text) as BuildPlan & { [PLAN_SEALED]?: unknown };
  return splitPlanSecrets(plan).plan;
}

/**
 * Job documents and build plans as they are stored: each secret (a sensitive parameter's default
 * or value, a repository URL with credentials) is replaced by its mask in the JSON, and all of them
 * are sealed together with the server's key (SecretBox) into one extra field. The database never
 * holds them in the clear; reading puts them back. A stored text without that field is read as it
 * is: it has no secrets, or was stored before Kiln sealed them (sealPlaintextSecrets rewrites those
 * at start). Clients never send that field: normalizeJobConfig keeps only the fields it knows.
 */
export class StoredSecrets {
  constructor(private readonly box: SecretBox) {}

  /** The JSON to store for a job document. */
  jobConfigText(config: JobConfig): string {
    const { doc, secrets } = splitJobSecrets(config);
    return JSON.stringify(secrets ? { ...doc, [JOB_SEALED]: this.seal(secrets) } : doc);
  }

  /**
   * A stored job document, secrets included. With `orMasked`, a document whose secrets cannot be
   * opened (KILN_SECRET_KEY was changed) comes back with them masked instead of failing, so it can
   * still be shown and given new ones; a build needs them and is refused.
   */
  jobConfig(text: string, orMasked = false): JobConfig {
    const { doc, sealed } = readJobText(text);
    if (typeof sealed !== 'string') return doc;
    try {
      return joinJobSecrets(doc, this.open<JobSecrets>(sealed));
    } catch (error) {
      if (orMasked) return doc;
      throw error;
    }
  }

  /** The JSON to store for a build plan. */
  planText(plan: BuildPlan): string {
    const { plan: masked, secrets } = splitPlanSecrets(plan);
    return JSON.stringify(secrets ? { ...masked, [PLAN_SEALED]: this.seal(secrets) } : masked);
  }

  /** A stored build plan, secrets included (what the runner gets). */
  plan(text: string): BuildPlan {
    const { [PLAN_SEALED]: sealed, ...plan } = JSON.parse(text) as BuildPlan & { [PLAN_SEALED]?: unknown };
    return typeof sealed === 'string' ? joinPlanSecrets(plan, this.open<PlanSecrets>(sealed)) : plan;
  }

  /** The stored job document rewritten with its secrets sealed; undefined when none is in the clear. */
  resealJobConfig(text: string): string | undefined {
    const { doc, sealed } = readJobText(text);
    if (sealed !== undefined || !splitJobSecrets(doc).secrets) return undefined;
    return this.jobConfigText(doc);
  }

  /** The stored plan rewritten with its secrets sealed; undefined when none is in the clear. */
  resealPlan(text: string): string | undefined {
    const stored = JSON.parse(text) as BuildPlan;
    if (PLAN_SEALED in stored || !splitPlanSecrets(stored).secrets) return undefined;
    return this.planText(stored);
  }

  private seal(secrets: JobSecrets | PlanSecrets): string {
    return this.box.seal(JSON.stringify(secrets));
  }

  private open<T>(sealed: string): T {
    try {
      return JSON.parse(this.box.open(sealed)) as T;
    } catch (error) {
      throw new Error(
        'stored secrets cannot be decrypted: is KILN_SECRET_KEY the key they were stored with?',
        {
          cause: error,
        },
      );
    }
  }
}

/**
 * Seals what an earlier Kiln stored in the clear and is still needed: the documents of live jobs,
 * the plans of unfinished builds, and the jobs' history (migration 017 copied the documents into it
 * as they were: a database migrated from before 005 in one go had them there in the clear).
 * (Migration 005, which has no key, already replaced the secrets of deleted jobs, finished builds'
 * plans and every build's parameter list by masks: nothing reads those back.) Each row is
 * rewritten by compare-and-set, so an update made meanwhile is never undone and servers starting
 * together do not both count a row. Returns the rows sealed.
 */
export async function sealPlaintextSecrets(
  storage: Storage,
  stored: StoredSecrets,
): Promise<{ jobs: number; builds: number; versions: number }> {
  let jobs = 0;
  for (const job of await storage.jobs.listAll()) {
    const text = stored.resealJobConfig(job.config);
    if (text !== undefined && (await storage.jobs.replaceConfig(job.id, job.config, text))) jobs++;
  }
  let builds = 0;
  for (const run of await storage.builds.listUnfinishedPlans()) {
    const text = stored.resealPlan(run.plan);
    if (text !== undefined && (await storage.builds.replacePlan(run.recordId, run.plan, text))) builds++;
  }
  let versions = 0;
  for (const version of await storage.jobVersions.listUnsealed()) {
    const text = stored.resealJobConfig(version.config);
    if (text === undefined) continue;
    if (await storage.jobVersions.replaceConfig(version.jobId, version.number, version.config, text))
      versions++;
  }
  return { jobs, builds, versions };
}
