/**
 * A host app, as a user embeds pinface: one pinface app mounted at `/`, under `/face` with
 * `host.route()`, and under a host's `basePath`, plus the same app under prefixes whose
 * deployment settings differ (keys mode without allowed options, open mode, a partial allow
 * list, no storage binding). Runtime-agnostic: the workerd and Deno test servers and the Node
 * test build it around their adapter's app.
 */
import { Hono } from 'hono';

type Vars = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: a host mounts whatever Env the sub-app declares
type App = Hono<any>;

/** Mount points of the same deployment settings: the auth table must give the same answers at each. */
export const MOUNTS = ['', '/face', '/base/api'] as const;

/** Mount points whose settings differ from the deployment's, and how. */
export const VARIANTS = {
  /** Keys mode with no PINFACE_ALLOW_OPTIONS: every defense-weakening option refused. */
  strict: (v: Vars): Vars => without(v, 'PINFACE_ALLOW_OPTIONS'),
  /** Open mode with no PINFACE_ALLOW_OPTIONS: every option allowed. */
  open: (v: Vars): Vars => ({ ...without(v, 'PINFACE_ALLOW_OPTIONS'), PINFACE_AUTH: 'open' }),
  /** Keys mode allowing only seed and crops. */
  partial: (v: Vars): Vars => ({ ...v, PINFACE_ALLOW_OPTIONS: 'seed,crops' }),
  /** Open mode without a storage binding (Workers: no DB), for routes that never touch storage. */
  nostore: (v: Vars): Vars => ({ ...without(v, 'PINFACE_ALLOW_OPTIONS'), PINFACE_AUTH: 'open', DB: undefined }),
} as const;

const without = (v: Vars, name: string): Vars => Object.fromEntries(Object.entries(v).filter(([k]) => k !== name));

export function mountHost(pinface: App): { fetch: (req: Request, env?: Vars, ctx?: unknown) => Response | Promise<Response> } {
  const prefixed = new Hono().route('/face', pinface);
  const based = new Hono().basePath('/base/api').route('/', pinface);
  const variants = Object.entries(VARIANTS).map(([name, vars]) => ({ prefix: `/${name}/`, vars, app: new Hono().route(`/${name}`, pinface) }));
  return {
    fetch(req, env = {}, ctx) {
      const path = new URL(req.url).pathname;
      // ctx: Workers' ExecutionContext, passed through untouched (undefined elsewhere).
      const exec = ctx as Parameters<App['fetch']>[2];
      if (path.startsWith('/face/')) return prefixed.fetch(req, env, exec);
      if (path.startsWith('/base/api/')) return based.fetch(req, env, exec);
      const variant = variants.find((v) => path.startsWith(v.prefix));
      if (variant) return variant.app.fetch(req, variant.vars(env), exec);
      return pinface.fetch(req, env, exec);
    },
  };
}
