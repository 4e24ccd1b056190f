/** A non-2xx answer (or no answer: status 0, code CONNECTION), with what the server said. */
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

/** Reads a CodeArts (`{error_code, error_msg}`) or Keystone (`{error: {code, message}}`) error body. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? '';
  const text = await response.text();
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
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    text.slice(0, 200) || response.statusText,
    requestId,
  );
}
