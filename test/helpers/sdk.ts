import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * The official Huawei Cloud SDK core (`@huaweicloud/huaweicloud-sdk-core`) as a test client
 * (reference §7): its AK/SK signer, request encoding and error parsing, driven operation by
 * operation the way the generated CodeArts Build client drives it.
 */

export type { HcClient };

// The SDK logs every 4xx it parses, request headers included, to stdout; tests expect those.
if (!process.env.KILN_TEST_LOG) Logger4jInstance.level = 'off';

/**
 * An HcClient for a Kiln at `endpoint`. An explicit endpoint and project id mean the SDK makes
 * no IAM calls (reference §6.4).
 */
export function sdkClient(endpoint: string, ak: string, sk: string, iamProjectId: string): HcClient {
  const credentials = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(iamProjectId);
  return new ClientBuilder<HcClient>((client) => client)
    .withCredential(credentials)
    .withEndpoint(endpoint)
    .build();
}

/** One operation call, as a generated method describes it. */
export interface SdkOperation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The URL template, e.g. `/v3/jobs/{job_id}/status`. */
  url: string;
  pathParams?: Record<string, string | number>;
  queryParams?: Record<string, string | number | boolean | (string | number)[]>;
  /** The request body (operations with a body parameter). */
  body?: unknown;
}

/**
 * Calls `client.sendRequest` with the options object the generated CodeArtsBuildClient builds
 * (`ParamCreater().<operation>()` plus `responseHeaders`): `contentType` always JSON, empty
 * `queryParams`/`pathParams`/`headers` when unused, `Content-Type` header and `data` only for
 * operations with a body, and no `data` key at all for body-less ones (a POST such as StopBuildJob
 * then goes out without a body).
 */
export function sdkCall<T = Record<string, unknown>>(
  client: HcClient,
  op: SdkOperation,
): Promise<T & { httpStatusCode: number }> {
  const options: Record<string, unknown> = {
    method: op.method,
    url: op.url,
    contentType: 'application/json',
    queryParams: op.queryParams ?? {},
    pathParams: op.pathParams ?? {},
    headers: op.body !== undefined ? { 'Content-Type': 'application/json' } : {},
    ...(op.body !== undefined && { data: op.body }),
    responseHeaders: [''],
  };
  return client.sendRequest(options as never) as Promise<T & { httpStatusCode: number }>;
}

/** One request as it crossed the wire, and the answer's status and X-Request-Id. */
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
  requestId: string;
}

/** An HTTP pass-through that records every exchange (to see exactly what the SDK sends). */
export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** Starts a recording proxy on 127.0.0.1 in front of `target` (e.g. http://127.0.0.1:1234). */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          exchanges.push({
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: body.toString('utf8'),
            status: answer.statusCode ?? 0,
            requestId: String(answer.headers['x-request-id'] ?? ''),
          });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
