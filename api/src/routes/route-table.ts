import type { RequestHandler, Router } from 'express';
import { methodNotAllowed } from '../http/error-handler.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Registers routes on a router and remembers which methods each path answers, so that
 * `finish()` can add the 405-with-Allow fallback for every known path.
 */
export class RouteTable {
  private readonly methods = new Map<string, Set<string>>();

  constructor(private readonly router: Router) {}

  on(method: Method, path: string, ...handlers: RequestHandler[]): this {
    this.router[method](path, ...handlers);
    const set = this.methods.get(path) ?? new Set<string>();
    set.add(method.toUpperCase());
    this.methods.set(path, set);
    return this;
  }

  finish(): Router {
    for (const [path, set] of this.methods) this.router.all(path, methodNotAllowed([...set]));
    return this.router;
  }
}
