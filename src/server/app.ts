import { parseForm } from './multipart-form.ts';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  errorCodes,
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../domain/json-depth.ts';
import { unkeepableField, unkeepableText } from '../domain/well-formed.ts';
import type { Engine } from '../engine/engine.ts';
import { authenticateBeforeBody, authenticateRequest } from './auth/authenticate.ts';
import { answerClientError } from './client-errors.ts';
import { bodyTooLarge, sendError } from './http-errors.ts';
import type { Metrics } from './metrics.ts';
import { registerOperations } from './operation-routes.ts';
import './request-context.ts';
import { registerOpenApi } from './openapi.ts';
import { handlers } from './routes/index.ts';
import { runnerProtocolRoutes } from './routes/runner-protocol.routes.ts';
import { registerServiceRoutes } from './routes/service.routes.ts';
import { registerWeb } from './routes/web.routes.ts';
import { createValidatorCompiler, lazySerializers } from './validation.ts';
import { LoopPacer } from './loop-pacer.ts';

/** Everything the HTTP app needs; nothing here reads the environment. */
export interface AppDeps {
  engine: Engine;
  logger: FastifyBaseLogger;
  metrics: Metrics;
  /** Base URL clients reach this server at (IAM catalog); derived from the request when unset. */
  publicUrl?: string;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit?: number;
  /** Requests per minute per client address, counted in this process; 0 or unset turns the limit off. */
  rateLimitPerMinute?: number;
  /**
   * Which X-Forwarded-For hops to believe for `request.ip` (what the rate limit counts by): false
   * or unset ignores the header, true believes every hop, a number the nearest N, a list those
   * proxy addresses/CIDR ranges.
   */
  trustProxy?: boolean | number | string[];
  /** The built dashboard (web/dist); not served when unset or not built. */
  webRoot?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * On every answer: browsers must not guess a type other than the one sent (a JSON or log body
 * rendered as HTML), and no page of this origin may be framed by another (clickjacking). The
 * dashboard adds its Content-Security-Policy (routes/web.routes.ts).
 */
const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' } as const;

/** Fastify's trustProxy; a hop count as the function Fastify itself would make of it. */
function trustProxyOption(
  trust: AppDeps['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust ?? false;
}

/**
 * Why a JSON body was refused: Fastify's parser refuses a `__proto__` key (it would set the
 * object's prototype) as if the text were broken; say which it was.
 */
function jsonFault(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    return 'the request body is not valid JSON';
  }
  return "the request body has a key '__proto__', which is not allowed";
}

/** A JSON body's string that Kiln cannot keep, named; no error when every string is fine. */
function unkeepable(text: string, value: unknown): AppError | undefined {
  const fault = unkeepableField(text, value);
  if (fault === undefined) return undefined;
  return new AppError(
    'INVALID_BODY',
    fault.field === '' ? `the request body ${fault.problem}` : `body field '${fault.field}' ${fault.problem}`,
  );
}

/** Whether a request comes with a body (announced or chunked). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** Builds the HTTP app (no listening: tests inject requests, cmd/ listens). */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID().replace(/-/g, '');
    },
    // Long enough that an over-long id reaches validation and gets its own 400; anything longer is
    // answered by frameworkErrors below.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id).headers(SECURITY_HEADERS);
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is longer than 4096 characters'
          : 'the URL is not valid (bad percent-encoding?)';
      return sendError(new AppError('INVALID_PARAM', message), request, reply, 'codearts');
    },
    ajv: { customOptions: { strict: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    trustProxy: trustProxyOption(deps.trustProxy),
  });
  app.setValidatorCompiler(createValidatorCompiler());
  if (deps.rateLimitPerMinute) {
    await app.register(rateLimit, {
      max: deps.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'RATE_LIMITED',
          `more than ${context.max} requests a minute; try again in ${Math.ceil(context.ttl / 1000)} s`,
          {
            retryAfterSeconds: Math.ceil(context.ttl / 1000),
          },
        ),
    });
  }
  app.decorateRequest('principal', null);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('bodyError', undefined);
  app.decorateRequest('runnerId', null);

  // The push webhook, by its route (a URL that reaches it another way, with a %-escaped letter,
  // is read as it is).
  const isWebhook = (request: FastifyRequest) =>
    request.routeOptions.config?.operationId === 'receiveWebhook';

  // An empty JSON body is no body (SDKs send Content-Type on body-less POSTs); a broken one is
  // remembered and answered after authentication.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // An operation that takes a form (UploadKeystore) or a stream (the import, a runner's log chunk
    // or artifact) answers JSON 415, as any type it does not take: its handler would find no stream
    // and act on nothing (a log chunk acknowledged and not kept, an empty artifact).
    const consumes = request.routeOptions.config?.consumes;
    if (
      request.routeOptions.config?.multipart ||
      consumes === 'application/x-ndjson' ||
      consumes === 'application/octet-stream'
    )
      return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/json'));
    const buffer = body as Buffer;
    request.rawBody = buffer;
    // The push webhook reads its bytes itself, after it checked their signature: a payload it
    // cannot use is refused there (401 first when unsigned), and listed with the job's deliveries.
    if (buffer.length === 0 || isWebhook(request)) return done(null, undefined);
    const text = buffer.toString('utf8');
    if (nestsDeeperThan(text)) {
      request.bodyError = new AppError(
        'INVALID_BODY',
        `the request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
      );
      return done(null, undefined);
    }
    parseJson(request, text, (err, value) => {
      if (err) {
        request.bodyError = new AppError('INVALID_BODY', jsonFault(text));
        return done(null, undefined);
      }
      request.bodyError = unkeepable(text, value);
      done(null, request.bodyError ? undefined : value);
    });
  });

  // Text is read by the push webhook alone (the signature covers its bytes, whatever they are
  // called); any other operation answers 415, as to every type it does not take (a JSON body
  // labelled text/plain is not read as JSON).
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body, done) => {
    // No route here: the 404 says so, whatever the body.
    if (request.routeOptions.url === undefined) return done(null, undefined);
    if (!isWebhook(request)) return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/plain'));
    request.rawBody = body as Buffer;
    done(null, (body as Buffer).toString('utf8'));
  });

  // GitHub's default webhook content type (`payload=<JSON>`): taken, bytes and all (the signature
  // covers them), by the push webhook alone; any other operation answers 415 as before.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (request, body, done) => {
      // No route here: the 404 says so, whatever the body.
      if (request.routeOptions.url === undefined) return done(null, undefined);
      if (!isWebhook(request))
        return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/x-www-form-urlencoded'));
      request.rawBody = body as Buffer;
      done(null, undefined);
    },
  );

  // A form with a file, for the operations that take one (UploadKeystore): read whole (the route's
  // body limit is the largest file), its bytes kept for AK/SK, then parsed.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    // No route here: the 404 says so, whatever the body.
    if (request.routeOptions.url === undefined) return done(null, undefined);
    if (!request.routeOptions.config.multipart)
      return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('multipart/form-data'));
    request.rawBody = body as Buffer;
    parseForm(request.headers, body as Buffer).then(
      (form) => done(null, form),
      (e: unknown) => {
        request.bodyError = new AppError(
          'INVALID_BODY',
          `the form could not be read: ${(e as Error).message}`,
        );
        done(null, undefined);
      },
    );
  });

  // Import bodies, and the runner's log chunks and artifacts, are read as a stream, never buffered
  // whole, by the routes that take one (their `consumes`); any other operation answers 415, as to
  // every type it does not take (its handler would read the stream as an empty body).
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/jsonl', 'application/octet-stream'],
    (request, payload, done) => {
      // No route here: the 404 says so, whatever the body.
      if (request.routeOptions.url === undefined) return done(null, undefined);
      const consumes = request.routeOptions.config.consumes;
      if (consumes !== 'application/x-ndjson' && consumes !== 'application/octet-stream')
        return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
      done(null, payload);
    },
  );

  // A push delivery may be 25 MiB and is read whole before its signature can be checked: one for
  // no job is refused before its body is read, so that a sender who knows no job cannot make the
  // server hold that much per connection. (The connection closes: the unread body is still on it.)
  app.addHook('preParsing', async (request, reply) => {
    if (!isWebhook(request)) return;
    const { job_id: jobId = '' } = request.params as { job_id?: string };
    if (await deps.engine.webhooks.jobExists(jobId)) return;
    reply.header('connection', 'close');
    throw new AppError('JOB_NOT_FOUND', 'job not found');
  });

  const pacer = new LoopPacer();
  app.addHook('onRequest', async (request, reply) => {
    await pacer.turn();
    reply.header('x-request-id', request.id);
    reply.headers(SECURITY_HEADERS);
  });
  // Who asks is checked before the body is read: a body (up to its route's limit, 64 MiB for a
  // form) is read, or refused as too large, only for a caller Kiln knows. A refused request's body
  // is left unread and its connection closed after the 401 (the rest of the body is on it).
  app.addHook('preParsing', async (request, reply) => {
    const auth = request.routeOptions.config?.auth;
    try {
      if (auth === 'project' || auth === 'any') {
        const principal = await authenticateBeforeBody(deps.engine, request, auth === 'project');
        request.principal = principal ?? null;
      } else if (auth === 'runner') {
        const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
        request.runnerId = await deps.engine.runners.authenticate(bearer);
      }
    } catch (error) {
      if (hasBody(request)) reply.header('connection', 'close');
      throw error;
    }
  });
  app.addHook('preValidation', async (request) => {
    const auth = request.routeOptions.config.auth;
    // An AK/SK signature over the body, checked once the body is in (its key and date were).
    if ((auth === 'project' || auth === 'any') && request.principal === null)
      request.principal = await authenticateRequest(deps.engine, request, auth === 'project');
    if (request.bodyError) throw request.bodyError;
  });
  // `%00` in a path or query decodes to a NUL: refused for every operation alike, once its schema
  // passed (an id's own pattern answers first, with its own code); query parameters the operation
  // does not declare are ignored, as the API ignores them.
  app.addHook('preHandler', async (request) => {
    const declared = (request.routeOptions.schema?.querystring as { properties?: object } | undefined)
      ?.properties;
    const query = Object.fromEntries(
      Object.entries((request.query ?? {}) as Record<string, string | string[]>).filter(
        ([name]) => declared !== undefined && Object.hasOwn(declared, name),
      ),
    );
    for (const [part, fields] of [
      ['path parameter', (request.params ?? {}) as Record<string, string>],
      ['query parameter', query],
    ] as const) {
      const fault = unkeepableText(fields);
      if (fault) throw new AppError('INVALID_PARAM', `${part} '${fault.field}' ${fault.problem}`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    deps.metrics.httpRequests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      seconds,
    );
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) =>
    sendError(
      bodyTooLarge(error, request, deps.engine.keystores.maxBytes) ?? error,
      request,
      reply,
      request.routeOptions.config?.errorStyle ?? 'codearts',
    ),
  );
  await registerOpenApi(app);
  const dashboard = await registerWeb(app, deps.webRoot);
  app.setNotFoundHandler((request, reply) => {
    if (dashboard?.(request, reply)) return reply;
    return sendError(
      new AppError('ROUTE_NOT_FOUND', `no operation ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
      'codearts',
    );
  });

  registerOperations(app, handlers({ engine: deps.engine, publicUrl: deps.publicUrl }), {
    fileBytes: deps.engine.keystores.maxBytes,
  });
  registerServiceRoutes(app, deps);
  await app.register(runnerProtocolRoutes, { engine: deps.engine });
  return app;
}
