import { InvalidArgumentError } from 'commander';
import { isId32 } from '../domain/ids.ts';
import { isCommitId } from '../domain/job-config.ts';

/** A job id argument: 32 chars of [0-9a-z], checked before any request so a typo fails fast. */
export function parseJobId(text: string): string {
  if (isId32(text)) return text;
  throw new InvalidArgumentError(
    `"${text}" is not a job id (32 characters of 0-9 and a-z); find it with \`kiln jobs list <project>\``,
  );
}

/** An integer option argument within [min, max]. */
export function intInRange(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return Number(text);
  };
}

/** A commit id option argument, as RunJob takes it (checked before any request, as a job id). */
export function parseCommitId(text: string): string {
  if (isCommitId(text)) return text;
  throw new InvalidArgumentError(`"${text}" is not a commit id (4 to 64 hex digits)`);
}
