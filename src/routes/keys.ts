/**
 * @module Key routes. The operator issues a tenant's first key with the admin token; a tenant
 * then rotates on its own: issue a new key with the old one, switch clients, revoke the old one.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { PinfaceEnv } from '../env.ts';
import { PinfaceError } from '../errors.ts';
import type { RouteAuth } from '../security/auth.ts';
import { issueKey } from '../security/keys.ts';
import type { KeyRecord } from '../store/types.ts';
import { readJson } from './parse.ts';
import { json, AdminKeyRequestSchema, IssuedKeySchema, KeySchema, ProblemSchema } from './schemas.ts';

const authProblems = {
  401: { description: 'unauthorized', ...json(ProblemSchema) },
  403: { description: 'forbidden', ...json(ProblemSchema) },
  429: { description: 'rate_limited', ...json(ProblemSchema) },
};

const routes = [
  createRoute({ method: 'post', path: '/v1/admin/keys', summary: 'Issue a key for a tenant (admin token)', request: { body: { required: true, ...json(AdminKeyRequestSchema) } }, responses: { 201: { description: 'Issued', ...json(IssuedKeySchema) }, ...authProblems } }),
  createRoute({ method: 'get', path: '/v1/keys', summary: 'This tenant\'s keys (no secrets)', responses: { 200: { description: 'Keys', ...json(z.object({ keys: z.array(KeySchema) })) }, ...authProblems } }),
  createRoute({ method: 'post', path: '/v1/keys', summary: 'Issue another key for this tenant (rotation)', responses: { 201: { description: 'Issued', ...json(IssuedKeySchema) }, ...authProblems } }),
  createRoute({ method: 'delete', path: '/v1/keys/{keyId}', summary: 'Revoke a key of this tenant', request: { params: z.object({ keyId: z.string().openapi({ param: { name: 'keyId', in: 'path' } }) }) }, responses: { 204: { description: 'Revoked' }, ...authProblems } }),
];

const publicKey = ({ id, tenant, createdAt, revokedAt }: KeyRecord) => ({ id, tenant, createdAt, revokedAt });

const requireKeys = (keyId: string | null): void => {
  if (keyId === null) throw new PinfaceError('forbidden', '[pinface] [auth] Open mode has no API keys; set PINFACE_AUTH=keys to use them.');
};

export function registerKeyRoutes(app: OpenAPIHono<PinfaceEnv>, auth: RouteAuth): void {
  for (const r of routes) app.openAPIRegistry.registerPath(r);
  const small = bodyLimit({ maxSize: 4096, onError: () => { throw new PinfaceError('payload_too_large', '[pinface] [request] This body is limited to 4 KiB.'); } });

  app.post('/v1/admin/keys', auth.admin, small, async (c) => {
    const { tenant } = await readJson(c, AdminKeyRequestSchema);
    const { record, token } = await issueKey(c.var.store, tenant);
    return c.json({ ...publicKey(record), token }, 201);
  });

  app.get('/v1/keys', auth.tenant, auth.store, async (c) => {
    requireKeys(c.var.keyId);
    return c.json({ keys: (await c.var.store.listKeys(c.var.tenant)).map(publicKey) });
  });

  app.post('/v1/keys', auth.tenant, auth.store, async (c) => {
    requireKeys(c.var.keyId);
    const { record, token } = await issueKey(c.var.store, c.var.tenant);
    return c.json({ ...publicKey(record), token }, 201);
  });

  app.delete('/v1/keys/:keyId', auth.tenant, auth.store, async (c) => {
    requireKeys(c.var.keyId);
    const id = c.req.param('keyId');
    if (!(await c.var.store.revokeKey(c.var.tenant, id, new Date().toISOString()))) {
      throw new PinfaceError('not_found', `[pinface] [auth] No key "${id}" in this tenant.`, { field: 'keyId' });
    }
    return c.body(null, 204);
  });
}
