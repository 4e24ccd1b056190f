import { sdkEncode } from '../contract/sdk-encoding.ts';
import type { InputOf, ResponseOf } from '../contract/operation-types.ts';
import { operations, type OperationId, type OperationSpec } from '../contract/operations.ts';
import type { BuildInfoRecord } from '../contract/records.ts';
import type { TSchema } from 'typebox';
import { answerText, ApiError, errorFromResponse, notKiln } from './api-error.ts';

/** How the client proves who it is: an IAM token, or a signer (AK/SK). */
export type Credentials = { token: string } | { sign: RequestSigner } | Record<string, never>;

/** What a request signer sees: the request as it will be sent. */
export interface SignableRequest {
  method: string;
  /** Path with parameters filled in, percent-encoded as it is sent (servers accept either encoding). */
  path: string;
  query: readonly (readonly [string, string])[];
  headers: Record<string, string>;
  /** The body bytes, or undefined for none or a stream. */
  body: string | Uint8Array | undefined;
  baseUrl: string;
}

/** Adds authentication headers to a request (AK/SK: see client/aksk-signer.ts, Node only). */
export type RequestSigner = (request: SignableRequest) => Record<string, string>;

export interface KilnClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  credentials?: Credentials;
  /** Attempts for idempotent calls on 429, 5xx and connection errors (default 4). */
  attempts?: number;
  /** First retry delay in ms; doubles each time (default 200). */
  retryDelayMs?: number;
  /**
   * How long to wait for an answer's headers (default ANSWER_TIMEOUT_MS), for requests that send
   * no file; the body, however long it streams, is not timed.
   */
  answerTimeoutMs?: number;
}

/**
 * A server that takes the connection but never answers (a hung process, a firewall that
 * swallows packets) would hold a command for as long as the fetch implementation's own limit
 * (undici's: 5 minutes, each retry again). Kiln answers in milliseconds; a held log read in
 * LOG_WAIT_MS (10 s).
 */
export const ANSWER_TIMEOUT_MS = 60_000;

/** The headers did not come within the answer timeout. */
class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/** A low-level request. */
export interface RawRequest {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Sent as is with this content type instead of JSON (streams are sent without buffering). */
  rawBody?: { contentType: string; data: string | Uint8Array | ReadableStream<Uint8Array> };
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (a follower that stops following). */
  signal?: AbortSignal;
}

type OperationMethods = {
  [K in OperationId]: Partial<InputOf<K>> extends InputOf<K>
    ? (input?: InputOf<K>, options?: CallOptions) => Promise<ResponseOf<K>>
    : (input: InputOf<K>, options?: CallOptions) => Promise<ResponseOf<K>>;
};

/**
 * Typed client of Kiln's HTTP API: one method per operation, named after the SDK operation
 * (`listBuildInfoRecord`, `runJob` ...), token or AK/SK auth, errors as ApiError, and retries with
 * backoff for idempotent calls only.
 */
export class KilnClient {
  readonly baseUrl: string;
  readonly credentials: Credentials;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  /** How long an answer may keep silent: its headers, and a body read whole or streamed. */
  readonly answerTimeoutMs: number;

  constructor(options: KilnClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials ?? {};
    this.attempts = options.attempts ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.answerTimeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  }

  /** The same client with other credentials. */
  with(credentials: Credentials): KilnClient {
    return new KilnClient({
      baseUrl: this.baseUrl,
      credentials,
      attempts: this.attempts,
      retryDelayMs: this.retryDelayMs,
      answerTimeoutMs: this.answerTimeoutMs,
    });
  }

  /** Sends a request; retries idempotent ones; throws ApiError for any non-2xx answer. */
  async request(req: RawRequest): Promise<Response> {
    const retryable = IDEMPOTENT.has(req.method) && !(req.rawBody?.data instanceof ReadableStream);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.send(req);
      } catch (error) {
        // Not retried: each try would wait as long again.
        if (error instanceof NoAnswer)
          throw new ApiError(
            0,
            'TIMEOUT',
            `${this.baseUrl} took the connection but sent no answer within ${this.answerTimeoutMs / 1000} s`,
            '',
            { cause: error },
          );
        if ((error as Error).name === 'AbortError' || !retryable || attempt >= this.attempts) {
          throw new ApiError(
            0,
            'CONNECTION',
            `cannot reach ${this.baseUrl}: ${(error as Error).message}`,
            '',
            { cause: error },
          );
        }
        await sleep(this.backoff(attempt, undefined));
        continue;
      }
      if (response.ok) return response;
      // Not followed: fetch takes every header but Authorization along to another host (the
      // X-Auth-Token, the AK/SK signature, a 307's password body), wherever a proxy points. In a
      // browser a redirect not followed comes back opaque, with status 0.
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        await response.body?.cancel();
        throw new ApiError(
          response.status,
          'REDIRECT',
          `${this.baseUrl} answered with a redirect${redirectTarget(response)}: not followed, so that credentials go only to ${this.baseUrl}`,
          response.headers.get('x-request-id') ?? '',
        );
      }
      const again = response.status === 429 || response.status >= 500;
      if (!retryable || !again || attempt >= this.attempts)
        throw await errorFromResponse(response, this.baseUrl, this.answerTimeoutMs);
      await response.body?.cancel();
      await sleep(this.backoff(attempt, response.headers.get('retry-after')));
    }
  }

  private backoff(attempt: number, retryAfter: string | null | undefined): number {
    const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    const exp = this.retryDelayMs * 2 ** (attempt - 1);
    return Math.min(10_000, Math.max(hinted, exp * (0.5 + Math.random() / 2)));
  }

  private async send(req: RawRequest): Promise<Response> {
    const pairs = Object.entries(req.query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)] as const);
    const qs = pairs.map(([k, v]) => `${sdkEncode(k)}=${sdkEncode(v)}`).join('&');
    const url = `${this.baseUrl}${req.path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { ...req.headers };
    let body: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (req.rawBody) {
      headers['content-type'] = req.rawBody.contentType;
      body = req.rawBody.data;
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const c = this.credentials;
    if ('token' in c) headers['x-auth-token'] = c.token;
    if ('sign' in c) {
      Object.assign(
        headers,
        c.sign({
          method: req.method,
          path: req.path,
          query: pairs,
          headers,
          body: body instanceof ReadableStream ? undefined : body,
          baseUrl: this.baseUrl,
        }),
      );
    }
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers,
      signal: req.signal ?? null,
      redirect: 'manual',
    };
    if (body !== undefined) init.body = body as NonNullable<RequestInit['body']>;
    if (body instanceof ReadableStream) init.duplex = 'half';
    // A request sending a file is answered only once every byte is sent, however long that
    // takes: only the others are timed.
    return req.rawBody ? fetch(url, init) : this.timed(url, init);
  }

  /**
   * fetch, failing with NoAnswer when the headers take longer than answerTimeoutMs. The timer
   * stops once they came: a body streaming for an hour is not cut. The caller's signal still
   * aborts it all, the body included.
   */
  private async timed(url: string, init: RequestInit): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new NoAnswer()), this.answerTimeoutMs);
    const signal = init.signal ? anySignal(init.signal, controller.signal) : controller.signal;
    try {
      return await fetch(url, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls an operation of the route table by id. */
  async call<K extends OperationId>(
    id: K,
    input: InputOf<K>,
    options: CallOptions = {},
  ): Promise<ResponseOf<K>> {
    return this.read(id, await this.open(id, input, options));
  }

  /**
   * Reads an operation's JSON answer, checked against the operation's response schema (the fields
   * it requires, two levels deep: `result.job_build_states`) in this one place. A server that is
   * not Kiln (a typo'd port, a proxy's page, some other JSON API) then fails with one line that
   * names it, instead of a made-up result (`NaN`) or a TypeError deep in a caller.
   */
  async read<K extends OperationId>(id: K, response: Response): Promise<ResponseOf<K>> {
    if (response.status === 204) return undefined as ResponseOf<K>;
    const text = await answerText(response, this.baseUrl, this.answerTimeoutMs);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw notKiln(this.baseUrl, response, 'not JSON');
    }
    const spec: OperationSpec = operations[id];
    const missing = shapeProblem(spec.response[response.status], body, '', 1);
    if (missing) throw notKiln(this.baseUrl, response, missing);
    return body as ResponseOf<K>;
  }

  /**
   * Calls an operation and hands back the answer unread: for the operations that answer a file,
   * whose body the caller streams (never whole in memory) and whose headers (Content-Length, ETag,
   * Content-Range) it reads. `headers` go with the request as they are (Range, If-Range).
   */
  async open<K extends OperationId>(
    id: K,
    input: InputOf<K>,
    options: CallOptions & { headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const spec: OperationSpec = operations[id];
    const parts = input as {
      params?: Record<string, unknown>;
      query?: Record<string, string | number | boolean>;
      body?: unknown;
      headers?: Record<string, string>;
    };
    const headers = { ...parts.headers, ...options.headers };
    return this.request({
      method: spec.method,
      path: fillPath(spec.path, parts.params),
      ...(parts.query && { query: parts.query }),
      ...(parts.body !== undefined && { body: parts.body }),
      ...(Object.keys(headers).length > 0 && { headers }),
      ...(options.signal && { signal: options.signal }),
    });
  }

  /**
   * UploadKeystore: a file for the file manager, sent as the multipart/form-data form the operation
   * takes (the typed `uploadKeystore` method has no body to send).
   */
  async uploadKeystoreFile(
    file: { name: string; data: Uint8Array },
    form: { privacy: 'public' | 'private'; description?: string },
  ): Promise<ResponseOf<'uploadKeystore'>> {
    const { contentType, data } = multipartForm(
      { privacy: form.privacy, ...(form.description !== undefined && { description: form.description }) },
      file,
    );
    const response = await this.request({
      method: 'POST',
      path: operations.uploadKeystore.path,
      rawBody: { contentType, data },
    });
    return this.read('uploadKeystore', response);
  }

  /** Signs in with a password (IAM token API) and returns the token and when it expires. */
  async login(input: {
    name: string;
    password: string;
    domain?: string;
    scope?: 'project' | 'domain';
    project?: string;
  }) {
    const domain = input.domain ?? 'default';
    const response = await this.request({
      method: 'POST',
      path: '/v3/auth/tokens',
      query: { nocatalog: 'true' },
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: input.name, password: input.password, domain: { name: domain } } },
          },
          scope:
            input.scope === 'domain'
              ? { domain: { name: domain } }
              : { project: { name: input.project ?? 'local' } },
        },
      },
    });
    const body = await this.read('keystoneCreateUserTokenByPassword', response);
    return { token: response.headers.get('x-subject-token') ?? '', expiresAt: body.token.expires_at, body };
  }

  /** Every record of a job in a window, newest first, fetching pages as the caller iterates. */
  async *records(
    jobId: string,
    window: { startTime: string; endTime: string; pageSize?: number },
  ): AsyncGenerator<BuildInfoRecord> {
    const pageSize = window.pageSize ?? 100;
    for (let page = 0; ; page++) {
      const res = await this.call('listBuildInfoRecord', {
        params: { job_id: jobId },
        query: {
          start_time: window.startTime,
          end_time: window.endTime,
          page_index: page,
          page_size: pageSize,
        },
      });
      yield* res.result.job_build_states;
      if (page + 1 >= Number(res.result.total_page) || res.result.job_build_states.length === 0) return;
    }
  }
}

/**
 * Aborted when either is. AbortSignal.any where there is one, not a listener added to `caller` per
 * request (a follower passes one signal to thousands); the listener only in browsers without it
 * (before Chrome 116, Firefox 124, Safari 17.4).
 */
function anySignal(caller: AbortSignal, own: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([caller, own]);
  const both = new AbortController();
  const forward = (from: AbortSignal) => () => both.abort(from.reason);
  for (const s of [caller, own])
    if (s.aborted) both.abort(s.reason);
    else s.addEventListener('abort', forward(s), { once: true });
  return both.signal;
}

/** JSON types a caller walks into: one missing is a TypeError (`reading 'job_build_states'`). */
const CONTAINERS = new Set(['object', 'array']);

/**
 * What in `body` does not have the shape `schema` (a TypeBox schema: JSON Schema) describes, or ''.
 * Only what callers rely on is checked, `depth` levels of objects down: required objects and
 * arrays must be there, and any field there must have its JSON type. A missing text or number
 * field is let through (stand-ins and older servers leave out `status` and `error`); unions and
 * array items are taken as they come.
 */
function shapeProblem(schema: TSchema | null | undefined, body: unknown, at: string, depth: number): string {
  if (!schema || depth < 0) return '';
  const type = (schema as { type?: unknown }).type;
  const actual = Array.isArray(body) ? 'array' : body === null ? 'null' : typeof body;
  const fits = typeof type !== 'string' || type === actual || (type === 'integer' && actual === 'number');
  if (!fits)
    return `${at || 'the body'} is ${actual === 'object' ? 'an object' : `a ${actual}`}, not ${type}`;
  if (type !== 'object') return '';
  const { required = [], properties = {} } = schema as {
    required?: string[];
    properties?: Record<string, TSchema>;
  };
  const object = body as Record<string, unknown>;
  for (const [key, part] of Object.entries(properties)) {
    const path = at ? `${at}.${key}` : key;
    if (!(key in object)) {
      if (required.includes(key) && CONTAINERS.has((part as { type?: string }).type ?? ''))
        return `no ${path}`;
      continue;
    }
    const problem = shapeProblem(part, object[key], path, depth - 1);
    if (problem) return problem;
  }
  return '';
}

/** A multipart/form-data body of text fields and one file (field `file`), browser-safe. */
export function multipartForm(
  fields: Record<string, string>,
  file?: { name: string; data: Uint8Array },
): { contentType: string; data: Uint8Array } {
  const boundary = `----kiln-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const text = new TextEncoder();
  const quoted = (v: string) => v.replace(/["\r\n]/g, '_');
  const parts: Uint8Array[] = Object.entries(fields).map(([name, value]) =>
    text.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
    ),
  );
  if (file)
    parts.push(
      text.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.name)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      file.data,
      text.encode('\r\n'),
    );
  parts.push(text.encode(`--${boundary}--\r\n`));
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, data };
}

/** The client with one method per operation. */
export type Kiln = KilnClient & OperationMethods;

/** Creates a typed client. */
export function createKilnClient(options: KilnClientOptions): Kiln {
  return new KilnClient(options) as Kiln;
}

for (const id of Object.keys(operations) as OperationId[]) {
  Object.defineProperty(KilnClient.prototype, id, {
    value(this: KilnClient, input?: unknown, options?: CallOptions) {
      return this.call(id, (input ?? {}) as never, options);
    },
  });
}

export { ApiError };

/** ` to <Location>` of a redirect, when it names one (a browser does not show it). */
function redirectTarget(response: Response): string {
  const to = response.headers.get('location');
  return to ? ` to ${to}` : '';
}
