import type { OrderStatus } from './schemas.js';

/**
 * The order lifecycle: pending → paid → shipped, and pending|paid → cancelled. shipped and
 * cancelled are final. Staying in the same status is allowed (a no-op), so replaying a PUT
 * or PATCH is harmless.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

export function allowedNext(from: OrderStatus): readonly OrderStatus[] {
  return NEXT[from];
}
