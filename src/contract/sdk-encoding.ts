/**
 * URL encoding as the Huawei Cloud SDKs do it, for the canonical request of AK/SK signatures and
 * for query strings the client sends. Pure: safe in browsers.
 */

/** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes, upper case. */
export function sdkEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Every segment encoded, with the trailing `/` the SDKs always add. */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => sdkEncode(segment))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** `key=value` pairs sorted by key, then by value for repeated keys, each side encoded. */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return [...pairs]
    .map(([k, v]) => [k, v] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${sdkEncode(k)}=${sdkEncode(v)}`)
    .join('&');
}
