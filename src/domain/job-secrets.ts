import { MASK } from './build.ts';
import type { BuildPlan } from './build-plan.ts';
import { parameterSpec, withDefault } from './job-parameters.ts';
import type { JobConfig, JobScmDoc } from './job-document.ts';
import { maskUrlCredentials } from './url-credentials.ts';

/**
 * The secrets a job document and a build plan carry (defaults and values of sensitive parameters,
 * credentials in repository URLs): how they are hidden from readers, and how they are taken out of
 * the document to be stored sealed (engine/stored-secrets.ts) and put back when it is read.
 */

/** A repository entry with the credentials of its URLs masked. */
function maskScm(scm: JobScmDoc): JobScmDoc {
  return {
    ...scm,
    url: maskUrlCredentials(scm.url),
    ...(scm.web_url !== undefined && { web_url: maskUrlCredentials(scm.web_url) }),
  };
}

/** The document as someone who may read but not edit the job sees it: repository credentials masked. */
export function maskRepositoryCredentials(config: JobConfig): JobConfig {
  return config.scms ? { ...config, scms: config.scms.map(maskScm) } : config;
}

/** `sent`, or `stored` when `sent` is `stored` as maskRepositoryCredentials shows it. */
function unmasked(sent: string, stored: string | undefined): string {
  return stored !== undefined && sent !== stored && sent === maskUrlCredentials(stored) ? stored : sent;
}

/**
 * An update that sends a repository URL back as a reader was shown it (credentials masked) keeps the
 * stored URL, as a masked sensitive default keeps the stored default.
 */
export function restoreRepositoryCredentials(input: JobConfig, stored: JobConfig): JobConfig {
  if (!input.scms || !stored.scms) return input;
  return {
    ...input,
    scms: input.scms.map((scm, i) => {
      const was = stored.scms?.[i];
      if (!was) return scm;
      return {
        ...scm,
        url: unmasked(scm.url, was.url),
        ...(scm.web_url !== undefined && { web_url: unmasked(scm.web_url, was.web_url) }),
      };
    }),
  };
}

/** A job document's secrets, by position: sensitive defaults by `parameters` index, URLs by `scms` index. */
export interface JobSecrets {
  defaults?: Record<string, string>;
  urls?: Record<string, string>;
  webUrls?: Record<string, string>;
}

const isEmpty = (r: Record<string, string>) => Object.keys(r).length === 0;

/** Something worth hiding: not empty and not already the mask. */
const secretValue = (value: string) => value !== '' && value !== MASK;

/**
 * The document with its secrets replaced by masks (what is stored in the clear), and the secrets;
 * `secrets` is undefined when the document has none.
 */
export function splitJobSecrets(config: JobConfig): { doc: JobConfig; secrets: JobSecrets | undefined } {
  const defaults: Record<string, string> = {};
  const urls: Record<string, string> = {};
  const webUrls: Record<string, string> = {};
  const parameters = config.parameters?.map((d, i) => {
    const p = parameterSpec(d);
    if (!p.sensitive || !secretValue(p.defaultValue)) return d;
    defaults[i] = p.defaultValue;
    return withDefault(d, MASK);
  });
  const scms = config.scms?.map((scm, i) => {
    const masked = maskScm(scm);
    if (masked.url !== scm.url) urls[i] = scm.url;
    if (scm.web_url !== undefined && masked.web_url !== scm.web_url) webUrls[i] = scm.web_url;
    return masked;
  });
  if (isEmpty(defaults) && isEmpty(urls) && isEmpty(webUrls)) return { doc: config, secrets: undefined };
  return {
    doc: {
      ...config,
      ...(parameters && { parameters }),
      ...(scms && { scms }),
    },
    secrets: {
      ...(!isEmpty(defaults) && { defaults }),
      ...(!isEmpty(urls) && { urls }),
      ...(!isEmpty(webUrls) && { webUrls }),
    },
  };
}

/** The document with the secrets splitJobSecrets took out put back. */
export function joinJobSecrets(doc: JobConfig, secrets: JobSecrets): JobConfig {
  const { defaults = {}, urls = {}, webUrls = {} } = secrets;
  return {
    ...doc,
    ...(doc.parameters && {
      parameters: doc.parameters.map((d, i) => (defaults[i] !== undefined ? withDefault(d, defaults[i]) : d)),
    }),
    ...(doc.scms && {
      scms: doc.scms.map((scm, i) => ({
        ...scm,
        ...(urls[i] !== undefined && { url: urls[i] }),
        ...(webUrls[i] !== undefined && { web_url: webUrls[i] }),
      })),
    }),
  };
}

/** A build plan's secrets: values of sensitive parameters by index, the repository URL with credentials. */
export interface PlanSecrets {
  values?: Record<string, string>;
  url?: string;
}

/** The plan with its secrets replaced by masks, and the secrets (undefined when it has none). */
export function splitPlanSecrets(plan: BuildPlan): { plan: BuildPlan; secrets: PlanSecrets | undefined } {
  const values: Record<string, string> = {};
  const parameters = plan.parameters.map((p, i) => {
    if (!p.sensitive || !secretValue(p.value)) return p;
    values[i] = p.value;
    return { ...p, value: MASK };
  });
  const url = plan.scm && maskUrlCredentials(plan.scm.url) !== plan.scm.url ? plan.scm.url : undefined;
  if (isEmpty(values) && url === undefined) return { plan, secrets: undefined };
  return {
    plan: {
      ...plan,
      parameters,
      ...(plan.scm && url !== undefined && { scm: { ...plan.scm, url: maskUrlCredentials(url) } }),
    },
    secrets: { ...(!isEmpty(values) && { values }), ...(url !== undefined && { url }) },
  };
}

/** The plan with the secrets splitPlanSecrets took out put back. */
export function joinPlanSecrets(plan: BuildPlan, secrets: PlanSecrets): BuildPlan {
  const { values = {}, url } = secrets;
  return {
    ...plan,
    parameters: plan.parameters.map((p, i) => (values[i] !== undefined ? { ...p, value: values[i] } : p)),
    ...(plan.scm && url !== undefined && { scm: { ...plan.scm, url } }),
  };
}
