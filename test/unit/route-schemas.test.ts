import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import Fastify, { type RouteOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { operations, type OperationSpec } from '../../src/contract/operations.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { runnerProtocolRoutes } from '../../src/server/routes/runner-protocol.routes.ts';
import { createValidatorCompiler, lazySerializers } from '../../src/server/validation.ts';

// The server compiles a route's validators and response serializers at the route's first request
// (src/server/validation.ts), not at start: a schema that does not compile would only show when
// someone calls it. Every operation's schemas, and the runner protocol's, are compiled here, as the
// server would compile them.
const specs = Object.entries(operations) as [string, OperationSpec][];

describe('every operation schema compiles', () => {
  it.each(specs)('%s: request parts', (_id, spec) => {
    const compile = createValidatorCompiler();
    const parts = { params: spec.params, querystring: spec.query, body: spec.body, headers: spec.headers };
    for (const [httpPart, schema] of Object.entries(parts)) {
      if (!schema) continue;
      const validate = compile({ schema, httpPart, method: spec.method, url: spec.path });
      // The first call compiles; its answer is a value or an error, never a throw.
      const answer = validate(httpPart === 'body' ? null : {}) as { value?: unknown; error?: Error };
      expect(answer.value !== undefined || answer.error instanceof Error).toBe(true);
    }
  });

  it.each(specs)('%s: responses', (_id, spec) => {
    const compile = SerializerSelector()({}, {});
    for (const [httpStatus, schema] of Object.entries(spec.response)) {
      if (schema === null) continue;
      expect(typeof compile({ schema, httpStatus, method: spec.method, url: spec.path })).toBe('function');
    }
  });
});

describe('every runner protocol schema compiles', () => {
  it('for each of its routes and request parts', async () => {
    // The plugin's routes as it registers them (its handlers are never called here).
    const routes: RouteOptions[] = [];
    const app = Fastify();
    app.setValidatorCompiler(createValidatorCompiler());
    app.addHook('onRoute', (route) => void routes.push(route));
    await app.register(runnerProtocolRoutes, { engine: { dispatch: {} } as unknown as Engine });
    await app.ready();
    await app.close();
    expect(routes.length).toBeGreaterThan(10);
    const compile = createValidatorCompiler();
    const parts = ['params', 'querystring', 'body', 'headers'] as const;
    for (const route of routes) {
      for (const httpPart of parts) {
        const schema = (route.schema as Record<string, unknown> | undefined)?.[httpPart];
        if (!schema) continue;
        const validate = compile({ schema, httpPart, method: String(route.method), url: route.url });
        const answer = validate(httpPart === 'body' ? null : {}) as { value?: unknown; error?: Error };
        expect(answer.value !== undefined || answer.error instanceof Error, `${route.url} ${httpPart}`).toBe(
          true,
        );
      }
    }
  });
});

describe('lazySerializers', () => {
  it('compiles a response schema at its first answer, as Fastify would, and keeps it', () => {
    const route = {
      method: 'GET',
      url: '/x',
      httpStatus: '200',
      schema: { type: 'object', properties: { a: { type: 'integer' } } },
    };
    const serialize = lazySerializers({}, {})(route);
    // Only the declared fields, in their declared types: the serializer, not JSON.stringify.
    expect(serialize({ a: 1.0, b: 'hidden' })).toBe('{"a":1}');
    expect(serialize({ a: 2 })).toBe('{"a":2}');
  });
});
