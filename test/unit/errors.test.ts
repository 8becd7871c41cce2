import { describe, expect, it } from 'vitest';
import { PinfaceError } from '../../src/errors.ts';

describe('PinfaceError', () => {
  it('answers problem+json with its status, code and field, never its cause', async () => {
    const e = new PinfaceError('corrupt_image', '[pinface] [decode] broken', { cause: new Error('secret decoder internals') }).about('source');
    const res = e.getResponse();
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await res.json();
    expect(body).toMatchObject({ code: 'corrupt_image', status: 422, field: 'source', title: 'Corrupt image' });
    expect(JSON.stringify(body)).not.toContain('secret');
  });
  it('keeps the first field it was attributed to', () => {
    expect(new PinfaceError('no_face', 'x', { field: 'target' }).about('source').field).toBe('target');
  });
});
