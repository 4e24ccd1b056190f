import { MASK } from './build.ts';
import type { BuildPlan } from './build-plan.ts';
import { oneLineName } from './step-spec.ts';
import { maskUrlCredentials, urlCredentials } from './url-credentials.ts';

/** Values shorter than this are not masked: hiding every "1" or "ab" would garble text, not protect it. */
export const MIN_MASKED_LENGTH = 3;

/**
 * The values a build's texts must never show: its sensitive parameters', its repository URL's
 * credentials. A value with line breaks or other control characters also as a step's name shows
 * it (each of them a space: step-spec.ts `oneLineName`), or `name: deploy ${TOKEN}` would show a
 * multi-line token in the log's step line and the record's stages.
 */
export function planSecrets(plan: Pick<BuildPlan, 'parameters' | 'scm'>): string[] {
  const values = plan.parameters.filter((p) => p.sensitive).map((p) => p.value);
  return [
    ...values,
    ...values.map(oneLineName).filter((v, i) => v !== values[i]),
    ...(plan.scm ? urlCredentials(plan.scm.url) : []),
  ];
}

/**
 * `text` masked as the build's log is (runner/secret-masker.ts does it to a stream): every
 * occurrence of a secret value, occurrences that overlap or touch merged into one `******`, then
 * the credentials of any URL in it. For the texts of a build that are kept apart from its log and
 * may hold a parameter's value, such as a step's name.
 */
export function maskSecretText(text: string, secrets: readonly string[]): string {
  let masked = '';
  let from = 0;
  for (const [start, end] of secretRuns(text, secrets)) {
    masked += text.slice(from, start) + MASK;
    from = end;
  }
  return maskUrlCredentials(masked + text.slice(from));
}

/** Where the secrets occur in `text`, in order, merged where they overlap or touch. */
function secretRuns(text: string, secrets: readonly string[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length < MIN_MASKED_LENGTH) continue;
    for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
      spans.push([at, at + secret.length]);
  }
  return mergedSpans(spans);
}

/** `[start, end)` spans in order of start, merged where they overlap or touch (sorts `spans`). */
export function mergedSpans(spans: [number, number][]): [number, number][] {
  spans.sort((a, b) => a[0] - b[0]);
  const runs: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = runs[runs.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else runs.push([start, end]);
  }
  return runs;
}
