/**
 * A non-2xx answer (or no answer: status 0, code CONNECTION; or an answer that is not the API's:
 * code NOT_KILN), with what the server said.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** `502 text/html`: what came back, for a message about an answer that was not the API's. */
function answered(response: Response): string {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  return `${response.status}${type ? ` ${type}` : ''}`;
}

/**
 * The error for an answer that is not Kiln's (nor CodeArts'): `what` says how (`not JSON`, `no
 * result`). The message names the server, since the likely mistake is the URL.
 */
export function notKiln(baseUrl: string, response: Response, what: string): ApiError {
  return new ApiError(
    response.status,
    'NOT_KILN',
    `the server at ${baseUrl} did not answer as Kiln (the CodeArts Build API) does: ${answered(response)}, ${what}`,
    response.headers.get('x-request-id') ?? '',
  );
}

/** Longest summary of an error body that is not the API's. */
const SUMMARY_CHARS = 120;

/**
 * A short one-line summary of an error body that is not the API's: an HTML page's title (a
 * proxy's "502 Bad Gateway") or its text without tags, whitespace and line breaks collapsed, so a
 * failure stays one line and no page is dumped into it.
 */
function summary(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain.length > SUMMARY_CHARS ? `${plain.slice(0, SUMMARY_CHARS - 1)}…` : plain;
}

/**
 * Reads a CodeArts (`{error_code, error_msg}`) or Keystone (`{error: {code, message}}`) error body;
 * any other body (a proxy's page) becomes the status, what came from `baseUrl` and a summary.
 */
export async function errorFromResponse(
  response: Response,
  baseUrl: string,
  timeoutMs: number,
): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? '';
  const text = await answerText(response, baseUrl, timeoutMs);
  try {
    const body = JSON.parse(text) as {
      error_code?: string;
      error_msg?: string;
      error?: { code?: number; message?: string };
    };
    if (body.error_code)
      return new ApiError(response.status, body.error_code, body.error_msg ?? '', requestId);
    if (body.error?.message)
      return new ApiError(
        response.status,
        String(body.error.code ?? response.status),
        body.error.message,
        requestId,
      );
  } catch {
    // Not JSON: fall through to the status line.
  }
  const said = summary(text) || response.statusText;
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `${baseUrl} answered ${answered(response)}${said ? `: ${said}` : ''}`,
    requestId,
  );
}

/**
 * An answer's body, whole (a JSON answer, an error page). The timer on its headers is over by then
 * (a file's body, read elsewhere, may stream for an hour), so this read has its own: a server that
 * sent the headers and then nothing for `timeoutMs` is given up on (TIMEOUT) instead of holding the
 * caller for ever.
 */
export async function answerText(response: Response, baseUrl: string, timeoutMs: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = () =>
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected first: the cancel ends the pending read as if the body were whole.
        reject(
          new ApiError(
            0,
            'TIMEOUT',
            `${baseUrl} stopped sending its answer for ${timeoutMs / 1000} s`,
            response.headers.get('x-request-id') ?? '',
          ),
        );
        void reader.cancel().catch(() => undefined);
      }, timeoutMs);
    });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), silence()]);
      clearTimeout(timer);
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
  }
}
