/** @module Errors: one error type with a stable code, answered as RFC 9457 problem+json. */

/** Every failure pinface reports to a caller, by stable code. */
export type ErrorCode =
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'too_many_pixels'
  | 'corrupt_image'
  | 'no_face'
  | 'low_quality'
  | 'multiple_faces'
  | 'invalid_parameters'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'subject_rate_limited'
  | 'incompatible_templates'
  | 'no_templates'
  | 'storage_unavailable'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_rejected'
  | 'invalid_config'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  unsupported_media_type: 415,
  payload_too_large: 413,
  too_many_pixels: 413,
  corrupt_image: 422,
  no_face: 422,
  low_quality: 422,
  multiple_faces: 422,
  invalid_parameters: 400,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  subject_rate_limited: 429,
  incompatible_templates: 409,
  no_templates: 409,
  storage_unavailable: 503,
  not_found: 404,
  method_not_allowed: 405,
  request_rejected: 400,
  invalid_config: 500,
  internal: 500,
};

const TITLE: Record<ErrorCode, string> = {
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Payload too large',
  too_many_pixels: 'Image has too many pixels',
  corrupt_image: 'Corrupt image',
  no_face: 'No face found',
  low_quality: 'Face quality too low',
  multiple_faces: 'More than one face found',
  invalid_parameters: 'Invalid parameters',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'Not allowed for this key',
  rate_limited: 'Too many requests',
  subject_rate_limited: 'Too many attempts for this subject',
  incompatible_templates: 'Templates from another model or defense',
  no_templates: 'No enrolled faces',
  storage_unavailable: 'Storage unavailable',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  request_rejected: 'Request rejected',
  invalid_config: 'Deployment misconfigured',
  internal: 'Internal error',
};

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  /** Which input the problem is about, e.g. "source" or "target". */
  field?: string;
  /** Structured hints, e.g. the limit that was exceeded. Never image content. */
  [extra: string]: unknown;
}

/**
 * The one error type of pinface. Messages name the stage and the fix; `cause` keeps the
 * underlying error for logs, but never reaches the response (it may quote decoder internals).
 */
export class PinfaceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly extra: Record<string, unknown>;
  /** Response headers the problem needs (Retry-After on 429, WWW-Authenticate on 401). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; field?: string; extra?: Record<string, unknown>; headers?: Record<string, string>; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PinfaceError';
    this.code = code;
    // Only request_rejected carries a status of its own: a 4xx from HTTP middleware with no code of ours.
    this.status = code === 'request_rejected' && options.status !== undefined ? options.status : STATUS[code];
    this.field = options.field;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  /** The same error about a named input: lets stages stay unaware of request field names. */
  about(field: string): PinfaceError {
    if (this.field !== undefined) return this;
    return new PinfaceError(this.code, this.message, { cause: this.cause, field, extra: this.extra, headers: this.headers, status: this.status });
  }

  toProblem(): ProblemDetails {
    return {
      ...this.extra,
      type: `https://pinface.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: TITLE[this.code],
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
    };
  }

  getResponse(): Response {
    return new Response(JSON.stringify(this.toProblem()), {
      status: this.status,
      headers: { ...this.headers, 'content-type': 'application/problem+json' },
    });
  }
}

/** The codes a 4xx HTTP status means when it comes from HTTP middleware (hono's, or a host app's) rather than from pinface. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_parameters', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited',
};

/** A 4xx raised by HTTP middleware as problem+json, keeping its status (a 401 stays a 401) and the headers a client needs. */
export function fromHttpStatus(status: number, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}): PinfaceError {
  const code = CODE_OF_STATUS[status] ?? 'request_rejected';
  return new PinfaceError(code, `[pinface] [request] ${message}`, { ...options, status });
}

export const isPinfaceError = (e: unknown): e is PinfaceError => e instanceof PinfaceError;
