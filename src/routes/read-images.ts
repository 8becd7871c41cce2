/**
 * @module Request reading: images and options from multipart/form-data or JSON (base64), with
 * every malformed shape answered as a coded PinfaceError. Bytes are only ever held in memory.
 */
import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { Limits } from '../config.ts';
import { PinfaceError } from '../errors.ts';
import type { FacePolicy } from '../pipeline/face.ts';
import type { DefenseMode } from '../immune/selectors.ts';
import { invalid, parseOrThrow } from './parse.ts';
import type { RequestSchemas } from './schemas.ts';
import type { QualityLevel } from '../pipeline/quality.ts';

export interface RequestOptions {
  faces: FacePolicy;
  /** Absent: the service default. */
  defense: DefenseMode | undefined;
  seed: number | undefined;
  deterministic: boolean;
  /** The images are already aligned 112x112 faces. */
  aligned: boolean;
  /** Return the aligned and projected crops. */
  crops: boolean;
  /** Refuse faces below this quality level (422 low_quality). */
  quality: QualityLevel;
  /** Deciding routes: the calibrated false-accept level, or an explicit threshold. */
  far?: number | undefined;
  threshold?: number | undefined;
}

export interface ImageRequest<F extends string> extends RequestOptions {
  images: Record<F, Uint8Array<ArrayBuffer>>;
}


const tooLarge = (field: string, bytes: number, limits: Limits): PinfaceError =>
  new PinfaceError('payload_too_large', `[pinface] [request] Image "${field}" has ${bytes} bytes; the limit is ${limits.maxImageBytes}. Send a smaller or more compressed photo.`, {
    field, extra: { maxImageBytes: limits.maxImageBytes },
  });

const parseOptions = (raw: Record<string, unknown>, schema: RequestSchemas['options']): RequestOptions => {
  const { faces, defense, seed, deterministic, aligned, crops, quality, ...decision } = parseOrThrow(schema, raw) as z.infer<RequestSchemas['options']> & { far?: number; threshold?: number };
  return { faces, defense, seed, deterministic, aligned, crops, quality, far: decision.far, threshold: decision.threshold };
};

/** Bytes as standard base64, in chunks (spreading a whole image into fromCharCode would overflow the stack). */
export const bytesToBase64 = (bytes: Uint8Array): string => {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
};

export function base64ToBytes(text: string, field: string): Uint8Array<ArrayBuffer> {
  const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  const clean = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw invalid(`"${field}" is not valid base64.`, field);
  }
  let bin: string;
  try {
    bin = atob(clean.replaceAll('-', '+').replaceAll('_', '/').padEnd(Math.ceil(clean.length / 4) * 4, '='));
  } catch (cause) {
    throw new PinfaceError('invalid_parameters', `[pinface] [request] "${field}" is not valid base64.`, { field, cause });
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function fromForm<F extends string>(c: Context, fields: readonly F[], schema: RequestSchemas['options'], limits: Limits): Promise<ImageRequest<F>> {
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch (cause) {
    throw new PinfaceError('invalid_parameters', '[pinface] [request] The multipart body could not be parsed. Check the boundary and the part headers.', { cause });
  }
  const images = {} as Record<F, Uint8Array<ArrayBuffer>>;
  const options: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if ((fields as readonly string[]).includes(key)) continue;
    options[key] = value;
  }
  for (const field of fields) {
    const value = form.get(field);
    if (value === null) throw invalid(`Missing file field "${field}". Send multipart fields ${fields.map((f) => `"${f}"`).join(', ')}.`, field);
    if (typeof value === 'string') throw invalid(`Field "${field}" must be a file upload, not text.`, field);
    if (value.size > limits.maxImageBytes) throw tooLarge(field, value.size, limits);
    images[field] = new Uint8Array(await value.arrayBuffer());
  }
  return { images, ...parseOptions(options, schema) };
}

async function fromJson<F extends string>(c: Context, fields: readonly F[], schemas: RequestSchemas, limits: Limits): Promise<ImageRequest<F>> {
  let body: unknown;
  try {
    body = await c.req.raw.json();
  } catch (cause) {
    throw new PinfaceError('invalid_parameters', '[pinface] [request] The body is not valid JSON.', { cause });
  }
  const data = parseOrThrow(schemas.json, body, `Expected ${fields.map((f) => `"${f}"`).join(', ')} as base64 strings.`) as Record<string, unknown>;
  const images = {} as Record<F, Uint8Array<ArrayBuffer>>;
  for (const field of fields) {
    const text = data[field] as string;
    // Base64 is 4/3 of the bytes: refuse before allocating the decoded copy.
    if (Math.floor((text.length * 3) / 4) > limits.maxImageBytes + 3) throw tooLarge(field, Math.floor((text.length * 3) / 4), limits);
    images[field] = base64ToBytes(text, field);
    if (images[field].length > limits.maxImageBytes) throw tooLarge(field, images[field].length, limits);
  }
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!(fields as readonly string[]).includes(k)) options[k] = v;
  return { images, ...parseOptions(options, schemas.options) };
}

export async function readImages<F extends string>(c: Context, fields: readonly F[], schemas: RequestSchemas, limits: Limits): Promise<ImageRequest<F>> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return fromForm(c, fields, schemas.options, limits);
  if (type.startsWith('application/json')) return fromJson(c, fields, schemas, limits);
  throw new PinfaceError('unsupported_media_type', `[pinface] [request] Content-Type "${type || 'none'}" is not accepted. Send multipart/form-data with file fields ${fields.map((f) => `"${f}"`).join(', ')}, or application/json with them as base64.`);
}
