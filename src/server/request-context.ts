import type { Principal } from '../domain/identity.ts';
import type { ErrorStyle } from './http-errors.ts';

/** What each route declares in its Fastify `config`. */
export interface RouteConfig {
  operationId?: string;
  auth?: 'project' | 'any' | 'none' | 'runner';
  errorStyle?: ErrorStyle;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; set by the auth hook on every authenticated route. */
    principal: Principal | null;
    /** The body bytes exactly as received (AK/SK signatures hash them). */
    rawBody: Buffer | undefined;
    /** A body that could not be parsed: answered after authentication, so a 401 comes before a 400. */
    bodyError: Error | undefined;
    /** Identity of a runner on runner-protocol routes. */
    runnerId: string | null;
  }
  interface FastifyContextConfig {
    operationId?: string;
    auth?: 'project' | 'any' | 'none' | 'runner';
    errorStyle?: ErrorStyle;
    /** The route takes a multipart/form-data body (UploadKeystore). */
    multipart?: boolean;
    /** The body type the route takes, named by its 415 (application/json when absent). */
    consumes?: string;
  }
}
