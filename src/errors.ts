/** @module Errors: one error type with a stable code, answered as RFC 9457 problem+json. */

/** Every failure pinface reports to a caller, by stable code. */
export type ErrorCode =
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'too_many_pixels'
  | 'corrupt_image'
  | 'no_face'
  | 'multiple_faces'
  | 'invalid_parameters'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'incompatible_templates'
  | 'no_templates'
  | 'storage_unavailable'
  | 'not_found'
  | 'method_not_allowed'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  unsupported_media_type: 415,
  payload_too_large: 413,
  too_many_pixels: 413,
  corrupt_image: 422,
  no_face: 422,
  multiple_faces: 422,
  invalid_parameters: 400,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  incompatible_templates: 409,
  no_templates: 409,
  storage_unavailable: 503,
  not_found: 404,
  method_not_allowed: 405,
  internal: 500,
};

const TITLE: Record<ErrorCode, string> = {
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Payload too large',
  too_many_pixels: 'Image has too many pixels',
  corrupt_image: 'Corrupt image',
  no_face: 'No face found',
  multiple_faces: 'More than one face found',
  invalid_parameters: 'Invalid parameters',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'Not allowed for this key',
  rate_limited: 'Too many requests',
  incompatible_templates: 'Templates from another model or defense',
  no_templates: 'No enrolled faces',
  storage_unavailable: 'Storage unavailable',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
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
    options: { cause?: unknown; field?: string; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PinfaceError';
    this.code = code;
    this.status = STATUS[code];
    this.field = options.field;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  /** The same error about a named input: lets stages stay unaware of request field names. */
  about(field: string): PinfaceError {
    if (this.field !== undefined) return this;
    return new PinfaceError(this.code, this.message, { cause: this.cause, field, extra: this.extra, headers: this.headers });
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

export const isPinfaceError = (e: unknown): e is PinfaceError => e instanceof PinfaceError;
