/** @module Parsing: a zod schema applied to request data, its first issue answered as a coded 400. */
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PinfaceError } from '../errors.ts';

export const invalid = (detail: string, field?: string): PinfaceError =>
  new PinfaceError('invalid_parameters', `[pinface] [request] ${detail}`, field === undefined ? {} : { field });

export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, hint = ''): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key is named as the field, so a client sees which option this route does not take.
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const where = unknown ?? (issue?.path.join('.') || 'body');
  const message = unknown === undefined ? issue?.message ?? 'invalid' : `this route takes no option "${unknown}"`;
  throw invalid(`${where}: ${message}.${hint ? ` ${hint}` : ''}`, where);
}

/** A small JSON body (no images), read after the route's body limit. An empty body counts as {}. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  if (text.trim() === '') return parseOrThrow(schema, {});
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new PinfaceError('unsupported_media_type', '[pinface] [request] Send this body as application/json.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new PinfaceError('invalid_parameters', '[pinface] [request] The body is not valid JSON.', { cause });
  }
  return parseOrThrow(schema, body);
}
