import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  SerializerSelector,
  type Serializer,
  type SerializerFactory,
} from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaCompiler } from 'fastify';
import { JOB_ID_MARK } from '../contract/common.ts';
import { AppError } from '../domain/errors.ts';
import { ID32_PATTERN } from '../domain/id32.ts';

type SchemaNode = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };
type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

/**
 * Query strings and paths carry text. Kiln turns a text value into a number only when it is plain
 * decimal digits; anything else (`1e3`, `+5`, `0x10`, ` 5`, a repeated key) reaches the schema as it
 * came and fails it. A list (`x-kiln-list`) is the one key that may be repeated: its values are
 * joined with commas, as if sent comma-separated. JSON bodies are never coerced.
 */
function normalizeText(schema: SchemaNode, data: unknown): void {
  if (!data || typeof data !== 'object' || !schema.properties) return;
  const record = data as Record<string, unknown>;
  for (const [key, prop] of Object.entries(schema.properties)) {
    const value = record[key];
    if (prop['x-kiln-list'] && Array.isArray(value)) record[key] = value.map(String).join(',');
    if (typeof value !== 'string') continue;
    // Leading zeros aside, at most 15 digits: read exactly (longer ones fail the schema, by size).
    if (prop['x-kiln-int'] && /^0*\d{1,15}$/.test(value)) record[key] = Number(value);
  }
}

/**
 * The compiled validator of each schema, shared by every server in the process: the schemas are the
 * contract's constants, and a process that makes servers by the hundred (the tests) compiled them
 * again for each, a tenth of its CPU.
 */
const validators = new WeakMap<object, ValidateFunction>();
let sharedAjv: Ajv | undefined;

/** One Ajv: no type coercion, defaults applied, verbose errors for messages. */
function validatorOf(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (validate) return validate;
  if (!sharedAjv) {
    sharedAjv = new Ajv({
      strict: false,
      useDefaults: true,
      coerceTypes: false,
      allErrors: false,
      verbose: true,
    });
    addFormats.default(sharedAjv);
  }
  validate = sharedAjv.compile(schema);
  validators.set(schema, validate);
  return validate;
}

/** Fastify validator compiler (validatorOf's validators). */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    // Compiled at a route's first request, not at start: compiling every route's schemas was most
    // of a server's start (~0.4 s of CPU), and a server answers a few of its routes most of the time.
    let validate: ValidateFunction | undefined;
    const textual = httpPart === 'querystring' || httpPart === 'params';
    return (data: unknown) => {
      validate ??= validatorOf(schema as object);
      if (textual) normalizeText(schema as SchemaNode, data);
      return validate(data)
        ? { value: data }
        : { error: describeErrors(validate.errors ?? [], httpPart as HttpPart, data) };
    };
  };
}

const WHERE: Record<HttpPart, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  body: 'body field',
  headers: 'header',
};

/** `/steps/0/module_id` -> `steps[0].module_id`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function typeWords(type: string): string {
  if (type === 'integer') return 'a whole number (plain digits)';
  return type === 'object' || type === 'array' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`;
}

/**
 * A value that is none of the values a field may take (a literal, `unread_only`: true or false; a
 * union of literals, an access key's `status`: active or disabled): say them, as for an enum.
 */
function literalSentence(errors: ErrorObject[], part: HttpPart): { field: string; text: string } | undefined {
  const first = errors[0];
  if (!first || (part === 'querystring' && Array.isArray(first.data))) return undefined;
  const at = errors.filter((e) => e.instancePath === first.instancePath);
  // A union: every branch its schema lists must be a literal. A lone literal: the failing schema.
  const union = at.find((e) => e.keyword === 'anyOf');
  const branches = union
    ? Array.isArray(union.schema)
      ? (union.schema as unknown[])
      : []
    : first.keyword === 'const' || first.keyword === 'type'
      ? [first.parentSchema]
      : [];
  const values = branches.map((b) =>
    b && typeof b === 'object' ? (b as Record<string, unknown>).const : undefined,
  );
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  const words = [...new Set(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))];
  return {
    field: fieldPath(first.instancePath),
    text: words.length === 1 ? `must be ${words[0]}` : `must be one of ${words.join(', ')}`,
  };
}

/**
 * A value of none of a union's types (`timeout.limit`: a string or a number) fails each branch on
 * its type: say every type it may be, not the first branch's alone.
 */
function unionSentence(errors: ErrorObject[], part: HttpPart): { field: string; text: string } | undefined {
  const first = errors[0];
  if (first?.keyword !== 'type' || (part === 'querystring' && Array.isArray(first.data))) return undefined;
  const at = errors.filter((e) => e.instancePath === first.instancePath);
  const union = at.findIndex((e) => e.keyword === 'anyOf');
  if (union < 1 || at.slice(0, union).some((e) => e.keyword !== 'type')) return undefined;
  const types = new Set(
    at.slice(0, union).map((e) => typeWords(String((e.params as { type: string }).type))),
  );
  return { field: fieldPath(first.instancePath), text: `must be ${[...types].join(' or ')}` };
}

function sentence(e: ErrorObject, part: HttpPart): { field: string; text: string } {
  const field = fieldPath(e.instancePath);
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return { field: field ? `${field}.${missing}` : missing, text: 'is required' };
    }
    case 'type': {
      if (part === 'querystring' && Array.isArray(e.data)) return { field, text: 'is given more than once' };
      const type = String((e.params as { type: string }).type);
      // Query or path digits past the 15 (leading zeros aside) that normalizeText reads exactly.
      if (
        type === 'integer' &&
        (part === 'querystring' || part === 'params') &&
        typeof e.data === 'string' &&
        /^0*\d{16,}$/.test(e.data)
      )
        return {
          field,
          text: typeof schema.maximum === 'number' ? `must be <= ${schema.maximum}` : 'is too large a number',
        };
      // A JSON number sent as a string ("7"): said so, or "a whole number" reads as wrong for 7.
      if (part === 'body' && typeof e.data === 'string' && (type === 'integer' || type === 'number'))
        return {
          field,
          text: `must be ${type === 'integer' ? 'a whole number' : 'a number'}, not a string${/^-?\d+(\.\d+)?$/.test(e.data) ? ` (write ${e.data} without quotes)` : ''}`,
        };
      return { field, text: `must be ${typeWords(type)}` };
    }
    case 'pattern': {
      if (schema['x-kiln-format']) return { field, text: `must be ${String(schema['x-kiln-format'])}` };
      if (schema.pattern === ID32_PATTERN) return { field, text: 'must be 32 characters of 0-9 and a-z' };
      return { field, text: `must match ${String(schema.pattern)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        field,
        text: `must be ${String((e.params as { comparison: string }).comparison)} ${String((e.params as { limit: number }).limit)}`,
      };
    case 'enum':
      return {
        field,
        text: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
      };
    case 'minLength':
      return {
        field,
        text:
          (e.params as { limit: number }).limit === 1
            ? 'must not be empty'
            : `must be at least ${(e.params as { limit: number }).limit} characters`,
      };
    case 'maxLength':
      return { field, text: `must be at most ${(e.params as { limit: number }).limit} characters` };
    case 'minItems':
      return { field, text: `must have at least ${(e.params as { limit: number }).limit} items` };
    case 'maxItems':
      return { field, text: `must have at most ${(e.params as { limit: number }).limit} items` };
    default:
      return { field, text: e.message ?? 'is not valid' };
  }
}

/**
 * What is wrong with a body as a whole (no field to name): its type, or how many items a body
 * that is a list has (`x-kiln-items` names them).
 */
function wholeBodySentence(e: ErrorObject, data: unknown): string | undefined {
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const limit = (e.params as { limit?: number }).limit ?? 0;
  const items = String(schema['x-kiln-items'] ?? 'item');
  switch (e.keyword) {
    case 'type':
      if (data === undefined || data === null) return 'a JSON request body is required';
      return `the request body must be a JSON ${String((e.params as { type: string }).type) === 'array' ? 'array' : 'object'}`;
    case 'minItems':
      return limit === 1
        ? `the request body must list at least one ${items}`
        : `the request body must list at least ${limit} ${items}s`;
    case 'maxItems':
      return `the request body must list at most ${limit} ${items}s`;
    default:
      return undefined;
  }
}

/** One AppError naming the part, the field and what was wrong. */
function describeErrors(errors: ErrorObject[], part: HttpPart, data: unknown): AppError {
  const first = errors[0];
  if (!first) return new AppError('INVALID_PARAM', `${WHERE[part]}s are not valid`);
  if (part === 'body' && first.instancePath === '') {
    const whole = wholeBodySentence(first, data);
    if (whole) return new AppError('INVALID_BODY', whole);
  }
  const { field, text } =
    literalSentence(errors, part) ?? unionSentence(errors, part) ?? sentence(first, part);
  const message = `${WHERE[part]} '${field}' ${text}`;
  // A malformed job id has its own code wherever it appears (path, query or body, a list of them).
  if (
    part !== 'headers' &&
    (first.parentSchema as Record<string, unknown> | undefined)?.[JOB_ID_MARK] === true
  ) {
    return new AppError('INVALID_JOB_ID', message);
  }
  return new AppError(part === 'body' ? 'INVALID_BODY' : 'INVALID_PARAM', message);
}

/** The compiled serializer of each response schema, shared as the validators are. */
const serializers = new WeakMap<object, Serializer>();

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled at its route's first
 * answer with that status rather than at start, as the validators are, and shared by the servers
 * of the process when nothing else goes into it (no shared schemas, no options).
 */
export const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  const shareable =
    Object.keys(externalSchemas ?? {}).length === 0 && Object.keys(options ?? {}).length === 0;
  const compiled = (route: Parameters<typeof compile>[0]): Serializer => {
    if (!shareable) return compile(route);
    const schema = route.schema as object;
    let serialize = serializers.get(schema);
    if (!serialize) serializers.set(schema, (serialize = compile(route)));
    return serialize;
  };
  return (route) => {
    let serialize: Serializer | undefined;
    return (data) => (serialize ??= compiled(route))(data);
  };
};
