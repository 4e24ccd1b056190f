import type { FastifyRequest } from 'fastify';
import {
  canonicalQuery,
  canonicalUri,
  EMPTY_SHA256,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  stringToSign,
} from '../../contract/aksk-signing.ts';
import type { AkskClaim } from '../../engine/access-key-service.ts';
import { unauthenticated } from '../../engine/auth-service.ts';

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The query as decoded pairs; `plusIsSpace` reads `+` the form-encoding way. */
function queryPairs(raw: string, plusIsSpace: boolean): [string, string][] {
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      const read = (s: string) => decodeOrKeep(plusIsSpace ? s.replace(/\+/g, ' ') : s);
      return [read(k), read(v)];
    });
}

/**
 * Reads a signed request into what the engine checks. Signers differ in two places, so both
 * readings are offered: the Python SDK decodes the path before encoding it (one encoding), the
 * Node SDK encodes the path as sent (`%` becomes `%25`); and `+` in a query is a plus to the
 * SDKs but a space to form encoders.
 */
export function akskClaimOf(request: FastifyRequest): AkskClaim {
  const parsed = parseAuthorization(String(request.headers.authorization ?? ''));
  if (!parsed) throw unauthenticated('verify aksk signature fail');
  if (!parsed.signedHeaders.includes('x-sdk-date')) {
    throw unauthenticated('verify aksk signature fail: X-Sdk-Date must be signed');
  }
  const date = request.headers['x-sdk-date'];
  const signedAt = typeof date === 'string' ? parseSdkDate(date) : undefined;
  if (signedAt === undefined || typeof date !== 'string') {
    throw unauthenticated('verify aksk signature fail: X-Sdk-Date must be yyyyMMddTHHmmssZ');
  }
  const headers = parsed.signedHeaders.map((name) => {
    const value = request.headers[name];
    return [name, Array.isArray(value) ? value.join(',') : (value ?? '')] as const;
  });
  const contentHash = request.headers['x-sdk-content-sha256'];
  const body = request.rawBody;
  const streamed =
    body === undefined && typeof (request.body as { pipe?: unknown } | undefined)?.pipe === 'function';
  if (streamed && typeof contentHash !== 'string') {
    // Streamed bodies (imports) are read as they arrive and cannot be hashed before the check.
    throw unauthenticated(
      'verify aksk signature fail: sign a non-JSON body with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD',
    );
  }
  const payloadHash =
    typeof contentHash === 'string' ? contentHash : body && body.length > 0 ? sha256Hex(body) : EMPTY_SHA256;

  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const uris = new Set([canonicalUri(rawPath.split('/').map(decodeOrKeep).join('/')), canonicalUri(rawPath)]);
  const queries = new Set([
    canonicalQuery(queryPairs(rawQuery, false)),
    canonicalQuery(queryPairs(rawQuery, true)),
  ]);
  const candidates: string[] = [];
  for (const uri of uris) {
    for (const query of queries) {
      candidates.push(stringToSign({ method: request.method, uri, query, headers, payloadHash }, date));
    }
  }
  const projectId = request.headers['x-project-id'];
  return {
    ak: parsed.ak,
    signature: parsed.signature,
    signedAt,
    candidates,
    projectId: typeof projectId === 'string' && projectId !== '' ? projectId : undefined,
  };
}
