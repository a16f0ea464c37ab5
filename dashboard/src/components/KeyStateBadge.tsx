import type { KeyState } from '../features/keys/utils.js';

export function KeyStateBadge({ state }: { state: KeyState }) {
  return <span className={`badge badge-${state}`}>{state}</span>;
}
