import { BRANCH_PARAMETER, type ParameterSpec } from '../../../src/domain/job-parameters.ts';

/**
 * The `parameter` list of the Run form's RunJob: each of the job's parameters with the form's
 * value (a sensitive one left empty is left out: it keeps its stored default), in the job's order;
 * and `branch`, when given, as codeBranch. A job that defines codeBranch itself gets the branch
 * as that parameter's value, not a second codeBranch.
 */
export function runParameters(
  params: readonly ParameterSpec[],
  values: Readonly<Record<string, string>>,
  branch: string | undefined,
): { name: string; value: string }[] {
  const parameter = params
    .filter((p) => !(p.sensitive && values[p.name] === ''))
    .map((p) => ({ name: p.name, value: values[p.name] ?? '' }));
  if (branch === undefined) return parameter;
  const own = parameter.findIndex((p) => p.name === BRANCH_PARAMETER);
  if (own >= 0) parameter[own] = { name: BRANCH_PARAMETER, value: branch };
  else parameter.push({ name: BRANCH_PARAMETER, value: branch });
  return parameter;
}
