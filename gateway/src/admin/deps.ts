import type { GatewayStore } from '../store/gateway-store.js';

export interface AdminDeps {
  store: GatewayStore;
  /** Called after every successful write: refreshes this process's key cache at once. */
  afterWrite: () => Promise<void>;
}
