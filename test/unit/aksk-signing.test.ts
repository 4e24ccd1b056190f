import { describe, expect, it } from 'vitest';
import {
  authorizationFor,
  canonicalQuery,
  canonicalUri,
  parseAuthorization,
  parseSdkDate,
  sdkDate,
  sha256Hex,
  stringToSign,
} from '../../src/contract/aksk-signing.ts';

// Reference §6.3 "Verified test vectors".
const AK = 'AKEXAMPLE0000000000';
const SK = 'SKEXAMPLE0000000000000000000000000000000';
const headers = {
  'Content-Type': 'application/json',
  host: 'cloudbuild-ext.cn-north-4.myhuaweicloud.com',
  'X-Project-Id': '0123456789abcdef0123456789abcdef',
  'X-Sdk-Date': '20240101T120000Z',
};

describe('SDK-HMAC-SHA256 signing', () => {
  it('matches the GET build-info-records vector of the reference', () => {
    const query = [
      ['start_time', '2024-01-01 00:00:00'],
      ['end_time', '2024-01-31 23:59:59'],
      ['page_index', '0'],
      ['page_size', '10'],
    ] as const;
    expect(canonicalQuery(query)).toBe(
      'end_time=2024-01-31%2023%3A59%3A59&page_index=0&page_size=10&start_time=2024-01-01%2000%3A00%3A00',
    );
    const path = '/v3/jobs/901878212b1a49be9c1a1054c272762a/build-info-records';
    const parts = {
      method: 'GET',
      uri: canonicalUri(path),
      query: canonicalQuery(query),
      headers: Object.entries(headers)
        .map(([k, v]) => [k.toLowerCase(), v] as const)
        .sort(),
      payloadHash: sha256Hex(''),
    };
    expect(stringToSign(parts, '20240101T120000Z').split('\n')[2]).toBe(
      'cda9e1f4e25e297f446a9471bbac569e0b571a67cc0f0cd54a717b7342cd2cbb',
    );
    const auth = authorizationFor({ method: 'GET', path, query, headers, body: undefined, ak: AK, sk: SK });
    expect(auth).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, ` +
        'Signature=780bac082cf458e38b3c2579e5781d6d7fd6e73c0fe3d12f6a9be101f9119c2b',
    );
  });

  it('matches the POST /v3/jobs/build vector of the reference', () => {
    const auth = authorizationFor({
      method: 'POST',
      path: '/v3/jobs/build',
      query: [],
      headers,
      body: JSON.stringify({ job_id: '901878212b1a49be9c1a1054c272762a' }),
      ak: AK,
      sk: SK,
    });
    expect(parseAuthorization(auth)?.signature).toBe(
      '588be5e3c7053353bc24f0f9a84b724f97944b02d58d56718ef931d3d5381818',
    );
  });

  it('encodes paths and queries with the RFC 3986 unreserved set', () => {
    expect(canonicalUri('/v1/a b/中')).toBe('/v1/a%20b/%E4%B8%AD/');
    expect(canonicalUri('/')).toBe('/');
    expect(
      canonicalQuery([
        ['b', "x!*'()"],
        ['a', '2'],
        ['a', '1'],
      ]),
    ).toBe('a=1&a=2&b=x%21%2A%27%28%29');
  });

  it('parses and formats X-Sdk-Date strictly', () => {
    expect(sdkDate(Date.UTC(2024, 0, 1, 12, 0, 0))).toBe('20240101T120000Z');
    expect(parseSdkDate('20240101T120000Z')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(parseSdkDate('20240230T120000Z')).toBeUndefined();
    expect(parseSdkDate('2024-01-01T12:00:00Z')).toBeUndefined();
  });

  it('refuses malformed Authorization headers', () => {
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=zz')).toBeUndefined();
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(
      parseAuthorization(
        `SDK-HMAC-SHA256 Access=a,SignedHeaders=Host;X-Sdk-Date,Signature=${'a'.repeat(64)}`,
      ),
    ).toEqual({
      ak: 'a',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'a'.repeat(64),
    });
  });
});
