import { Type, type TSchema } from 'typebox';
import { MAX_BUILD_NUMBER } from '../domain/build.ts';
import { ID32_PATTERN } from '../domain/id32.ts';

/**
 * Building blocks of the wire contract. The contract imports only the pure domain (the job
 * document and the id pattern are declared there once): it is the shape of the CodeArts and IAM
 * operations as clients see them, shared by the server, the typed client, the CLI and the dashboard.
 */

export { ID32_PATTERN };
/** `yyyy-MM-dd HH:mm:ss` as the records API takes it. */
export const WALL_CLOCK_PATTERN = '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$';
/** `yyyy-MM-dd` as the statistics APIs take it. */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

/**
 * The body of a regular expression that matches the decimal numbers 1 to `max` (no leading zero):
 * for a number a schema takes as text, where no `maximum` applies. A digit count alone lets through
 * numbers no column holds (`[0-9]{0,9}` reaches 9999999999, which PostgreSQL's `integer` refuses).
 */
export function decimalUpTo(max: number): string {
  const digits = String(max);
  const any = (n: number) => (n === 0 ? '' : n === 1 ? '[0-9]' : `[0-9]{${n}}`);
  const shorter =
    digits.length > 2 ? [`[1-9][0-9]{0,${digits.length - 2}}`] : digits.length === 2 ? ['[1-9]'] : [];
  // Each prefix of `max`, then a smaller digit, then any digits: all the numbers of its length below it.
  const below = [...digits].flatMap((c, i) => {
    const low = i === 0 ? 1 : 0;
    const high = Number(c) - 1;
    if (high < low) return [];
    return [`${digits.slice(0, i)}${high === low ? low : `[${low}-${high}]`}${any(digits.length - i - 1)}`];
  });
  return `(?:${[...shorter, ...below, digits].join('|')})`;
}

/** A build number as text (StopJob's `build_no`, a list of them): 1 to MAX_BUILD_NUMBER. */
export const BUILD_NUMBER_TEXT = decimalUpTo(MAX_BUILD_NUMBER);

/** A 32-char CodeArts id. */
export const Id32 = (description: string) => Type.String({ pattern: ID32_PATTERN, description });
/** A repository name as the reference patterns it (`^[^一-龥]{0,}$`): no Chinese ideographs. */
export const RepositoryName = (options: { maxLength: number; description: string }) =>
  Type.String({
    minLength: 1,
    pattern: '^[^\u4e00-\u9fa5]*$',
    'x-kiln-format': 'a repository name without Chinese characters',
    ...options,
  });
/** Marks a job id's schema: a malformed one has its own error code, wherever it is (validation.ts). */
export const JOB_ID_MARK = 'x-kiln-job-id';
/** A job id: 32 characters of [0-9a-z]. */
export const JobId = (description: string) =>
  Type.String({ pattern: ID32_PATTERN, description, [JOB_ID_MARK]: true });

/**
 * An integer in a query string or path. Values arrive as text; the server accepts only plain
 * decimal digits (no `1e3`, `+5`, `0x10`, spaces or fractions) before range checks apply.
 */
export const WireInt = (options: {
  minimum?: number;
  maximum?: number;
  default?: number;
  description?: string;
}) => Type.Integer({ ...options, 'x-kiln-int': true });

/**
 * A list in a query string: comma-separated (`triggers=a,b`), or its key repeated as the Node SDK
 * sends a csv collection (`triggers=a&triggers=b`), or both. The server joins repeated values with
 * commas before validation, so the rest of the way it is one comma-separated string.
 */
export const WireList = (options: { maxLength?: number; description?: string }) =>
  Type.String({ ...options, 'x-kiln-list': true });

/**
 * A string with a user-facing format hint used in validation messages ("must be in the format
 * <hint>"). Elsewhere `x-kiln-format` reads after "must be".
 */
export const Formatted = (pattern: string, hint: string, description: string) =>
  Type.String({ pattern, description, 'x-kiln-format': `in the format ${hint}` });

/** Every non-2xx answer of a CodeArts operation. */
export const ErrorBody = Type.Object({
  error_code: Type.String({ description: 'CB.* or APIGW.* code; see docs/errors.md' }),
  error_msg: Type.String({ description: 'What was wrong, in words a user can act on' }),
});

/** Every non-2xx answer of an IAM (Keystone) operation. */
export const KeystoneErrorBody = Type.Object({
  error: Type.Object({ code: Type.Integer(), message: Type.String(), title: Type.String() }),
});

/** Style A envelope: `{result, error: null, status: "success"}`. */
export const Envelope = <T extends TSchema>(result: T) =>
  Type.Object({
    result,
    error: Type.Union([Type.String(), Type.Null()]),
    status: Type.String({ description: '"success"' }),
  });

/** Style A′: only `{status: "success"}`. */
export const StatusOnly = Type.Object({ status: Type.String() });

/** Path parameters shared by the job operations. */
export const JobIdParams = Type.Object({ job_id: JobId('Build task (job) id') });

/** Path parameters of operations on one build. */
export const BuildNoParams = Type.Object({
  job_id: JobId('Build task (job) id'),
  build_no: WireInt({ minimum: 1, maximum: 2147483647, description: 'Build number' }),
});
