import { randomUUID } from 'node:crypto';
import { authorizationFor, sdkDate, UNSIGNED_PAYLOAD } from '../contract/aksk-signing.ts';
import type { RequestSigner } from './kiln-client.ts';

/**
 * Credentials that sign every request with an access key, as the official SDKs do
 * (`SDK-HMAC-SHA256`, X-Sdk-Date, host, X-Project-Id). Node only (it uses node:crypto).
 */
export function akskCredentials(ak: string, sk: string, projectId?: string): { sign: RequestSigner } {
  return {
    sign(request) {
      const added: Record<string, string> = {
        'x-sdk-date': sdkDate(Date.now()),
        // The server accepts a changing request's signature once, and X-Sdk-Date has whole
        // seconds: a signed random value keeps two such requests in one second (two parts of an
        // import, whose UNSIGNED-PAYLOAD bodies are not signed) from sharing a signature.
        'x-kiln-nonce': randomUUID(),
        host: new URL(request.baseUrl).host,
        ...(projectId && { 'x-project-id': projectId }),
        // Like the official SDKs: only JSON bodies are hashed; any other body (a file, a stream of
        // lines) is signed as UNSIGNED-PAYLOAD, so it can be sent without being held in memory.
        ...(request.headers['content-type'] &&
        !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(request.headers['content-type'])
          ? { 'x-sdk-content-sha256': UNSIGNED_PAYLOAD }
          : {}),
      };
      const headers = { ...request.headers, ...added };
      return {
        ...added,
        authorization: authorizationFor({
          method: request.method,
          path: request.path,
          query: request.query,
          headers,
          body: request.body,
          ak,
          sk,
        }),
      };
    },
  };
}
