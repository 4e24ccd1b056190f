import { createHash, createHmac } from 'node:crypto';
import { canonicalQuery, canonicalUri } from './sdk-encoding.ts';

export { canonicalQuery, canonicalUri, sdkEncode } from './sdk-encoding.ts';

/**
 * The `SDK-HMAC-SHA256` request signature of the official Huawei Cloud SDKs (reference §6.3),
 * shared by Kiln's client (which signs) and server (which checks). No key derivation: the
 * signature is HMAC-SHA256(SK, StringToSign) in hex.
 */

export const AKSK_ALGORITHM = 'SDK-HMAC-SHA256';
/** SHA-256 of an empty body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Payload hash value a client sends (as X-Sdk-Content-Sha256) when it does not hash the body. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * What a signature covers. `headers` are the signed headers, lower-case names with their values,
 * in the order SignedHeaders lists them (signers sort them; a checker keeps the order it was given).
 */
export interface SignedParts {
  method: string;
  /** The canonical URI (see canonicalUri). */
  uri: string;
  /** The canonical query string (see canonicalQuery). */
  query: string;
  headers: readonly (readonly [string, string])[];
  payloadHash: string;
}

/** StringToSign = algorithm \n X-Sdk-Date \n hex(SHA-256(CanonicalRequest)). */
export function stringToSign(parts: SignedParts, sdkDate: string): string {
  const names = parts.headers.map(([n]) => n);
  const canonicalHeaders = parts.headers.map(([n, v]) => `${n}:${v}\n`).join('');
  const canonicalRequest = [
    parts.method.toUpperCase(),
    parts.uri,
    parts.query,
    canonicalHeaders,
    names.join(';'),
    parts.payloadHash,
  ].join('\n');
  return [AKSK_ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
}

/** hex(HMAC-SHA256(secret, text)). */
export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** hex(SHA-256(data)). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `20240101T120000Z` for an instant. */
export function sdkDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses `20240101T120000Z`; undefined when malformed. */
export function parseSdkDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 ? ms : undefined;
}

/** The parts of an `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header. */
export interface ParsedAuthorization {
  ak: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the Authorization header; undefined when it is not a well-formed SDK-HMAC-SHA256 one. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  if (!header.startsWith(`${AKSK_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(AKSK_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const ak = fields.get('Access');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!ak || !signed || !signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return { ak, signedHeaders: signed.split(';').map((h) => h.trim().toLowerCase()), signature };
}

/** What a client needs to sign a request. */
export interface SignInput {
  method: string;
  /** Path, already with its parameters, not percent-encoded (as the SDKs sign it). */
  path: string;
  query: readonly (readonly [string, string])[];
  /** Headers that will be sent and signed (host and X-Sdk-Date included). */
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  ak: string;
  sk: string;
}

/** Signs a request the way the official Node SDK does; returns the Authorization header value. */
export function authorizationFor(input: SignInput): string {
  const headers = Object.entries(input.headers)
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const find = (name: string) => headers.find(([n]) => n === name)?.[1];
  const date = find('x-sdk-date');
  if (!date) throw new Error('X-Sdk-Date must be set before signing');
  const payloadHash =
    find('x-sdk-content-sha256') ??
    (input.body === undefined || input.body.length === 0 ? EMPTY_SHA256 : sha256Hex(input.body));
  const parts: SignedParts = {
    method: input.method,
    uri: canonicalUri(input.path),
    query: canonicalQuery(input.query),
    headers,
    payloadHash,
  };
  const signature = hmacHex(input.sk, stringToSign(parts, date));
  return `${AKSK_ALGORITHM} Access=${input.ak}, SignedHeaders=${headers.map(([n]) => n).join(';')}, Signature=${signature}`;
}
