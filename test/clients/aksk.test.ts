import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { akskCredentials } from '../../src/client/aksk-signer.ts';
import { createKilnClient } from '../../src/client/kiln-client.ts';
import {
  authorizationFor,
  sdkDate,
  sdkEncode,
  sha256Hex,
  UNSIGNED_PAYLOAD,
} from '../../src/contract/aksk-signing.ts';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  expectCodeArtsError,
  expectKeystoneError,
  formBody,
  recordLine,
  setRole,
  tokenOf,
} from '../helpers/foundation.ts';

// The server's side of AK/SK (reference §6.3): requests signed the way the official SDKs sign
// them are accepted, and every way a signature can be wrong is refused with the gateway's 401.
// The signing vectors themselves are unit-tested in test/unit/aksk-signing.test.ts.

interface Key {
  ak: string;
  sk: string;
}

/** A request to sign and send; `path` and `query` are what the signer sees (not encoded). */
interface Signed {
  method: string;
  path: string;
  query?: [string, string][];
  body?: string;
  contentType?: string | null;
  /** The path as sent (default: each segment percent-encoded). */
  wirePath?: string;
  /** The query string as sent (default: SDK encoding, in the given order). */
  wireQuery?: string;
  /** Epoch ms of X-Sdk-Date (default: the server clock). */
  date?: number;
  unsignedPayload?: boolean;
  /** X-Sdk-Content-Sha256 to send (and sign), as signers that hash the body themselves do. */
  contentSha256?: string;
  projectId?: string;
  /** Sign with these instead of what is sent (to tamper). */
  signedBody?: string;
  signedQuery?: [string, string][];
  key: Key;
}

const HOST = 'kiln.example:8443';

describe('AK/SK signatures, server side', () => {
  let kiln: TestKiln;
  let admin: string;
  let projectId: string;
  let iamProjectId: string;
  let jobId: string;
  let adminKey: Key;
  let viewerKey: Key;

  /** Signs like the Node SDK (content-type, host, x-project-id, x-sdk-date) and injects. */
  function send(r: Signed): Promise<LightMyRequestResponse> {
    const contentType = r.contentType === undefined ? 'application/json' : r.contentType;
    const headers: Record<string, string> = {
      host: HOST,
      'x-sdk-date': sdkDate(r.date ?? kiln.clock.now()),
      ...(contentType && { 'content-type': contentType }),
      ...(r.projectId && { 'x-project-id': r.projectId }),
      ...(r.unsignedPayload && { 'x-sdk-content-sha256': UNSIGNED_PAYLOAD }),
      ...(r.contentSha256 && { 'x-sdk-content-sha256': r.contentSha256 }),
    };
    const authorization = authorizationFor({
      method: r.method,
      path: r.path,
      query: r.signedQuery ?? r.query ?? [],
      headers,
      body: r.signedBody ?? r.body,
      ...r.key,
    });
    const wirePath = r.wirePath ?? r.path.split('/').map(sdkEncode).join('/');
    const wireQuery =
      r.wireQuery ?? (r.query ?? []).map(([k, v]) => `${sdkEncode(k)}=${sdkEncode(v)}`).join('&');
    return kiln.app.inject({
      method: r.method as 'GET',
      url: wireQuery ? `${wirePath}?${wireQuery}` : wirePath,
      headers: { ...headers, authorization },
      ...(r.body !== undefined && { payload: r.body }),
    });
  }

  async function newKey(token: string, user?: string): Promise<Key> {
    const res = await kiln.call(token, {
      method: 'POST',
      url: '/v1/kiln/access-keys',
      payload: { description: 'test', ...(user && { user }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { key, sk } = res.json().result;
    return { ak: key.ak, sk };
  }

  const recordsQuery: [string, string][] = [
    ['start_time', '2000-01-01 00:00:00'],
    ['end_time', '2099-12-31 23:59:59'],
    ['page_index', '0'],
    ['page_size', '10'],
  ];

  beforeAll(async () => {
    kiln = await createTestKiln({ clock: new TestClock() });
    admin = await tokenOf(kiln, ADMIN);
    const me = await kiln.app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': admin, 'x-subject-token': admin },
    });
    iamProjectId = me.json().token.project.id;
    projectId = await kiln.defaultProjectId();
    jobId = await createJob(kiln, admin, projectId, { job_name: 'aksk-job' });
    adminKey = await newKey(admin);
    await createUser(kiln, admin, 'viewer', 'viewer-password-1');
    await setRole(kiln, admin, projectId, 'viewer', 'viewer');
    viewerKey = await newKey(admin, 'viewer');
  });
  afterAll(async () => kiln?.close());

  describe('accepted: requests signed as the SDKs sign them', () => {
    it('GET with a query of spaces and colons (the §6.3 GET vector shape), %20 or + on the wire', async () => {
      const base = {
        method: 'GET',
        path: `/v3/jobs/${jobId}/build-info-records`,
        query: recordsQuery,
        key: adminKey,
      };
      const res = await send({ ...base, projectId: iamProjectId });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().status).toBe('success');
      const plus = await send({
        ...base,
        wireQuery: 'start_time=2000-01-01+00:00:00&end_time=2099-12-31+23:59:59&page_index=0&page_size=10',
      });
      expect(plus.statusCode, plus.body).toBe(200);
    });

    it('POST with a JSON body (the §6.3 POST vector shape) runs the job', async () => {
      const res = await send({
        method: 'POST',
        path: '/v3/jobs/build',
        body: JSON.stringify({ job_id: jobId }),
        key: adminKey,
        projectId: iamProjectId,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ actual_build_number: '1' });
    });

    it('query arrays: repeated keys, signed sorted by value, sent in any order', async () => {
      const query: [string, string][] = [
        ['tag', 'b'],
        ['tag', 'a'],
        ['tag', 'c'],
        ['other', 'x y'],
      ];
      const res = await send({ method: 'GET', path: '/v1/kiln/users/me', query, key: adminKey });
      expect(res.statusCode, res.body).toBe(200);
      const reordered = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        query,
        wireQuery: 'tag=c&other=x%20y&tag=a&tag=b',
        key: adminKey,
      });
      expect(reordered.statusCode, reordered.body).toBe(200);
      // A value added after signing is caught.
      const added = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        query: [...query, ['tag', 'd']],
        signedQuery: query,
        key: adminKey,
      });
      expectCodeArtsError(added, 401, 'APIGW.0301', /verify aksk signature fail/);
    });

    it('unicode paths: 404 (signature passed), in the Node and the Python SDK encodings', async () => {
      const body = JSON.stringify({ display_name: 'x' });
      const unicode = await send({ method: 'PUT', path: '/v1/kiln/users/zoë-名前', body, key: adminKey });
      expect(unicode.statusCode, unicode.body).toBe(404);
      expect(unicode.json().error_msg).toContain('zoë-名前');
      // A name with a reserved character, sent encoded: the Node SDK signs the path it was given
      // (here already encoded, so `%` is encoded again), the Python SDK decodes it first.
      const wirePath = '/v1/kiln/users/a%20b%2Fc';
      for (const signedPath of [wirePath, '/v1/kiln/users/a b/c']) {
        const res = await send({ method: 'PUT', path: signedPath, wirePath, body, key: adminKey });
        expect(res.statusCode, `${signedPath}: ${res.body}`).toBe(404);
      }
      const job = await send({ method: 'GET', path: `/v3/jobs/${'ü'.repeat(32)}/status`, key: adminKey });
      expect(job.statusCode, job.body).not.toBe(401);
    });

    it('empty bodies: a body-less POST, with or without UNSIGNED-PAYLOAD', async () => {
      for (const unsignedPayload of [false, true]) {
        const res = await send({
          method: 'POST',
          path: `/v3/jobs/${jobId}/disable`,
          key: adminKey,
          unsignedPayload,
        });
        expect(res.statusCode, res.body).toBe(200);
        const back = await send({
          method: 'POST',
          path: `/v3/jobs/${jobId}/recover`,
          key: adminKey,
          unsignedPayload,
        });
        expect(back.statusCode, back.body).toBe(200);
      }
      const noType = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        contentType: null,
        key: adminKey,
      });
      expect(noType.statusCode, noType.body).toBe(200);
    });

    it('non-JSON bodies: an NDJSON import signed with UNSIGNED-PAYLOAD', async () => {
      const res = await send({
        method: 'POST',
        path: `/v1/kiln/jobs/${jobId}/import`,
        contentType: 'application/x-ndjson',
        body: `${recordLine(100)}\n${recordLine(101)}\n`,
        unsignedPayload: true,
        key: adminKey,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result).toMatchObject({ imported: 2 });
    });

    it('multipart bodies: a file upload signed with UNSIGNED-PAYLOAD, as the SDKs sign UploadKeystore', async () => {
      const form = formBody({ privacy: 'private' }, { name: 'signed.jks', data: 'key material' });
      const res = await send({
        method: 'POST',
        path: '/v2/keystore/upload',
        contentType: form.headers['content-type'] as string,
        body: form.payload.toString('utf8'),
        unsignedPayload: true,
        key: adminKey,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result.keystore_id).toMatch(/^[0-9a-z]{32}$/);
    });

    it('a read dated inside the skew window, even sent again (reads are not single-use)', async () => {
      const at = kiln.clock.now();
      for (let i = 0; i < 2; i++) {
        const res = await send({
          method: 'GET',
          path: '/v1/kiln/users/me',
          key: adminKey,
          date: at - 14 * 60_000,
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      const ahead = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        key: adminKey,
        date: at + 14 * 60_000,
      });
      expect(ahead.statusCode, ahead.body).toBe(200);
    });
  });

  describe('refused with 401 APIGW.0301 and the reason', () => {
    it('a request replayed after the 15-minute skew window', async () => {
      const signedAt = kiln.clock.now();
      const first = await send({ method: 'GET', path: '/v1/kiln/users/me', key: adminKey, date: signedAt });
      expect(first.statusCode).toBe(200);
      kiln.clock.advance(16 * 60_000);
      try {
        const replay = await send({
          method: 'GET',
          path: '/v1/kiln/users/me',
          key: adminKey,
          date: signedAt,
        });
        expectCodeArtsError(replay, 401, 'APIGW.0301', /X-Sdk-Date.*15 minutes/);
      } finally {
        kiln.clock.advance(-16 * 60_000);
      }
      const future = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        key: adminKey,
        date: kiln.clock.now() + 16 * 60_000,
      });
      expectCodeArtsError(future, 401, 'APIGW.0301', /15 minutes/);
    });

    it('a wrong SK', async () => {
      // The last character changed to one it is not (a random SK can end in 'x').
      const last = adminKey.sk.endsWith('x') ? 'y' : 'x';
      const res = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        key: { ak: adminKey.ak, sk: `${adminKey.sk.slice(0, -1)}${last}` },
      });
      expectCodeArtsError(
        res,
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: verify aksk signature fail',
      );
    });

    it('a changed body, path, or host', async () => {
      const body = await send({
        method: 'POST',
        path: '/v3/jobs/build',
        body: JSON.stringify({ job_id: jobId }),
        signedBody: JSON.stringify({ job_id: '0'.repeat(32) }),
        key: adminKey,
      });
      expectCodeArtsError(body, 401, 'APIGW.0301', /verify aksk signature fail/);
      const path = await send({
        method: 'GET',
        path: `/v3/jobs/${jobId}/status`,
        wirePath: `/v3/jobs/${'0'.repeat(32)}/status`,
        key: adminKey,
      });
      expectCodeArtsError(path, 401, 'APIGW.0301', /verify aksk signature fail/);
      const headers = { host: HOST, 'x-sdk-date': sdkDate(kiln.clock.now()) };
      const authorization = authorizationFor({
        method: 'GET',
        path: '/v1/kiln/users/me',
        query: [],
        headers,
        body: undefined,
        ...adminKey,
      });
      const host = await kiln.app.inject({
        method: 'GET',
        url: '/v1/kiln/users/me',
        headers: { ...headers, host: 'evil.example', authorization },
      });
      expectCodeArtsError(host, 401, 'APIGW.0301', /verify aksk signature fail/);
    });

    it('a body changed after signing, even with X-Sdk-Content-Sha256 left as signed', async () => {
      const signed = JSON.stringify({ job_id: jobId });
      const swapped = JSON.stringify({ job_id: '0'.repeat(32) });
      const request = {
        method: 'POST',
        path: '/v3/jobs/build',
        signedBody: signed,
        contentSha256: sha256Hex(signed),
        key: adminKey,
      };
      const res = await send({ ...request, body: swapped });
      expectCodeArtsError(
        res,
        401,
        'APIGW.0301',
        /verify aksk signature fail: the body does not match X-Sdk-Content-Sha256/,
      );
      // The same signature with the body it was made for is served: the header itself is fine.
      expect((await send({ ...request, body: signed })).statusCode).toBe(200);
    });

    it('a GET body (the SDK sends {} with its IAM GETs): the signature covers the bytes sent', async () => {
      const request = {
        method: 'GET',
        path: '/v3/projects',
        query: [['name', 'local']] as [string, string][],
        key: adminKey,
      };
      const signedEmpty = await send({ ...request, body: '{}', signedBody: '{}' });
      expect(signedEmpty.statusCode, signedEmpty.body).toBe(200);
      expect(signedEmpty.json().projects).toHaveLength(1);
      // Signed over nothing, sent with a body: refused (the bytes are read and hashed).
      expectKeystoneError(
        await send({ ...request, body: '{"x":1}', signedBody: '' }),
        401,
        /verify aksk signature fail/,
      );
      // A body over 64 KiB is refused before it is read.
      const big = 'x'.repeat(65 * 1024);
      expectKeystoneError(
        await send({ ...request, body: big, signedBody: big }),
        401,
        /body over 64 KiB is not read/,
      );
    });

    it('a JSON body signed as UNSIGNED-PAYLOAD (only non-JSON bodies may be)', async () => {
      const res = await send({
        method: 'POST',
        path: '/v3/jobs/build',
        body: JSON.stringify({ job_id: jobId }),
        unsignedPayload: true,
        key: adminKey,
      });
      expectCodeArtsError(
        res,
        401,
        'APIGW.0301',
        /UNSIGNED-PAYLOAD is accepted only for streamed, multipart or empty bodies/,
      );
    });

    it('a streamed body signed with a hash the server cannot check before reading it', async () => {
      const body = `${recordLine(300)}\n`;
      const res = await send({
        method: 'POST',
        path: `/v1/kiln/jobs/${jobId}/import`,
        contentType: 'application/x-ndjson',
        body,
        contentSha256: sha256Hex(body),
        key: adminKey,
      });
      expectCodeArtsError(res, 401, 'APIGW.0301', /sign it with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD/);
    });

    it('the same signed POST, PUT or DELETE sent again inside the skew window (a replay)', async () => {
      const run = {
        method: 'POST',
        path: '/v3/jobs/build',
        body: JSON.stringify({ job_id: jobId, parameter: [] }),
        key: adminKey,
        date: kiln.clock.now() - 1000,
      };
      const first = await send(run);
      expect(first.statusCode, first.body).toBe(200);
      const again = await send(run);
      expectCodeArtsError(again, 401, 'APIGW.0301', /this signature was already used/);
      // Later, it is still refused; a new signature (a new X-Sdk-Date) is not.
      kiln.clock.advance(10 * 60_000);
      try {
        expectCodeArtsError(await send(run), 401, 'APIGW.0301', /already used/);
        expect((await send({ ...run, date: kiln.clock.now() })).statusCode).toBe(200);
      } finally {
        kiln.clock.advance(-10 * 60_000);
      }
      const rename = {
        method: 'PUT',
        path: '/v1/kiln/users/viewer',
        body: JSON.stringify({ display_name: 'Viewer' }),
        key: adminKey,
      };
      expect((await send(rename)).statusCode).toBe(200);
      expectCodeArtsError(await send(rename), 401, 'APIGW.0301', /already used/);
    });

    it('an unknown AK', async () => {
      const res = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        key: { ak: 'NOSUCHKEY00000000000', sk: 'x' },
      });
      expectCodeArtsError(
        res,
        401,
        'APIGW.0301',
        'Incorrect IAM authentication information: Get secretKey failed,ak:NOSUCHKEY00000000000,err:ak not exist',
      );
    });

    it('an unsigned X-Sdk-Date, or a malformed one', async () => {
      const date = sdkDate(kiln.clock.now());
      const authorization = authorizationFor({
        method: 'GET',
        path: '/v1/kiln/users/me',
        query: [],
        headers: { host: HOST, 'x-sdk-date': date },
        body: undefined,
        ...adminKey,
      }).replace('host;x-sdk-date', 'host');
      const unsigned = await kiln.app.inject({
        method: 'GET',
        url: '/v1/kiln/users/me',
        headers: { host: HOST, 'x-sdk-date': date, authorization },
      });
      expectCodeArtsError(unsigned, 401, 'APIGW.0301', /X-Sdk-Date must be signed/);
      const malformed = await kiln.app.inject({
        method: 'GET',
        url: '/v1/kiln/users/me',
        headers: {
          host: HOST,
          'x-sdk-date': '2024-06-01T12:00:00Z',
          authorization: `SDK-HMAC-SHA256 Access=${adminKey.ak}, SignedHeaders=host;x-sdk-date, Signature=${'0'.repeat(64)}`,
        },
      });
      expectCodeArtsError(malformed, 401, 'APIGW.0301', /X-Sdk-Date/);
    });

    it('a disabled key (until enabled), a deleted key (for good)', async () => {
      const key = await newKey(admin);
      const me = () => send({ method: 'GET', path: '/v1/kiln/users/me', key });
      expect((await me()).statusCode).toBe(200);
      const disable = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/access-keys/${key.ak}`,
        payload: { status: 'disabled' },
      });
      expect(disable.statusCode, disable.body).toBe(200);
      expectCodeArtsError(await me(), 401, 'APIGW.0301', new RegExp(`${key.ak} is disabled`));
      await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/access-keys/${key.ak}`,
        payload: { status: 'active' },
      });
      expect((await me()).statusCode).toBe(200);
      const del = await kiln.call(admin, { method: 'DELETE', url: `/v1/kiln/access-keys/${key.ak}` });
      expect(del.statusCode, del.body).toBe(200);
      expectCodeArtsError(await me(), 401, 'APIGW.0301', /err:ak not exist/);
    });

    it("another user's key is not found, as a key that does not exist (not 403: that would say it does)", async () => {
      const key = await newKey(admin);
      await createUser(kiln, admin, 'nosy', 'nosy-password-1');
      const nosy = await tokenOf(kiln, { name: 'nosy', password: 'nosy-password-1', domain: 'default' });
      const theirs = await kiln.call(nosy, { method: 'DELETE', url: `/v1/kiln/access-keys/${key.ak}` });
      const madeUp = await kiln.call(nosy, {
        method: 'DELETE',
        url: `/v1/kiln/access-keys/${'Z'.repeat(key.ak.length)}`,
      });
      expect([theirs.statusCode, madeUp.statusCode]).toEqual([404, 404]);
      expect(theirs.json().error_msg.replace(key.ak, 'AK')).toBe(madeUp.json().error_msg.replace(/Z+/, 'AK'));
      const stillThere = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/access-keys' });
      expect(stillThere.json().result.keys.map((k: { ak: string }) => k.ak)).toContain(key.ak);
    });

    it('a key whose user is disabled', async () => {
      await createUser(kiln, admin, 'leaver', 'leaver-password-1');
      const key = await newKey(admin, 'leaver');
      expect((await send({ method: 'GET', path: '/v1/kiln/users/me', key })).statusCode).toBe(200);
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/leaver',
        payload: { disabled: true },
      });
      expect(off.statusCode, off.body).toBe(200);
      expectCodeArtsError(await send({ method: 'GET', path: '/v1/kiln/users/me', key }), 401, 'APIGW.0301');
    });

    it("an X-Project-Id that is not a project of the key owner's domain", async () => {
      const res = await send({
        method: 'GET',
        path: '/v1/kiln/users/me',
        key: adminKey,
        projectId: 'f'.repeat(32),
      });
      expectCodeArtsError(res, 401, 'APIGW.0301', /X-Project-Id/);
    });
  });

  it("acts with its user's roles: a viewer's key reads but may not run (403)", async () => {
    const read = await send({
      method: 'GET',
      path: `/v3/jobs/${jobId}/build-info-records`,
      query: recordsQuery,
      key: viewerKey,
    });
    expect(read.statusCode, read.body).toBe(200);
    const run = await send({
      method: 'POST',
      path: '/v3/jobs/build',
      body: JSON.stringify({ job_id: jobId }),
      key: viewerKey,
    });
    expectCodeArtsError(run, 403, 'CB.00060403');
    const stop = await send({ method: 'POST', path: `/v3/jobs/${jobId}/1/stop`, key: viewerKey });
    expectCodeArtsError(stop, 403, 'CB.00060403');
  });

  describe("Kiln's own client with akskCredentials (X-Sdk-Date from the real clock)", () => {
    let live: TestKiln;
    let client: ReturnType<typeof createKilnClient>;
    let job: string;

    beforeAll(async () => {
      live = await createTestKiln({ clock: TestClock.live() });
      await live.app.listen({ host: '127.0.0.1', port: 0 });
      const address = live.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const token = await live.token();
      const res = await live.call(token, { method: 'POST', url: '/v1/kiln/access-keys', payload: {} });
      const { key, sk } = res.json().result;
      client = createKilnClient({
        baseUrl: `http://127.0.0.1:${port}`,
        credentials: akskCredentials(key.ak, sk),
      });
      job = await createJob(live, token, await live.defaultProjectId(), { job_name: 'ndjson' });
    });
    afterAll(async () => live?.close());

    it('signs JSON calls, and streamed bodies (UNSIGNED-PAYLOAD) as the CLI import sends them', async () => {
      expect((await client.showCurrentUser()).result.name).toBe('admin');
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`${recordLine(1)}\n`));
          c.close();
        },
      });
      const streamed = await client.request({
        method: 'POST',
        path: `/v1/kiln/jobs/${job}/import`,
        rawBody: { contentType: 'application/x-ndjson', data: stream },
      });
      expect(streamed.status).toBe(200);
    });

    // A non-JSON body is streamed, so the server cannot hash it before the check: the client signs
    // it UNSIGNED-PAYLOAD, as the SDKs do. Its body is then not in the signature, so two parts of an
    // import sent within one second (X-Sdk-Date has whole seconds) would share one, and the second
    // would be refused as a replay, but for the random X-Kiln-Nonce the client signs.
    it('accepts non-JSON bodies signed as UNSIGNED-PAYLOAD, as the SDKs sign them, back to back', async () => {
      for (const n of [2, 3, 4]) {
        const res = await client.request({
          method: 'POST',
          path: `/v1/kiln/jobs/${job}/import`,
          rawBody: { contentType: 'application/x-ndjson', data: `${recordLine(n)}\n` },
        });
        expect(res.status).toBe(200);
      }
    });
  });
});
