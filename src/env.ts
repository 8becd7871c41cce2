/** @module The Hono environment every route shares: deployment variables in, the caller's tenant out. */
import type { PinfaceVars } from './config.ts';
import type { Store } from './store/types.ts';

export interface PinfaceEnv {
  /** Workers bindings, or the variables an adapter reads from Deno.env / process.env. */
  Bindings: PinfaceVars & Record<string, unknown>;
  Variables: {
    /** The tenant whose data the request may touch; set by the guard, never by the client. */
    tenant: string;
    /** The API key that authenticated the request; null in open mode and for the admin route. */
    keyId: string | null;
    store: Store;
  };
}

/** How an adapter supplies storage: from its bindings (Workers D1) or a long-lived handle (Deno KV, memory). */
export type StoreProvider = (bindings: PinfaceEnv['Bindings']) => Store | Promise<Store>;
