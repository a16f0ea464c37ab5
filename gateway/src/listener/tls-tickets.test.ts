import { afterEach, describe, expect, it, vi } from 'vitest';
import { rotateTicketKeys, TICKET_KEY_PERIOD_MS, ticketKeysFor } from './tls-tickets.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('TLS ticket keys', () => {
  it('derives the same 48 bytes from the same secret and period, and different ones otherwise', () => {
    const a = ticketKeysFor('s'.repeat(32), 7);
    expect(a).toHaveLength(48);
    expect(ticketKeysFor('s'.repeat(32), 7).equals(a)).toBe(true);
    expect(ticketKeysFor('s'.repeat(32), 8).equals(a)).toBe(false);
    expect(ticketKeysFor('t'.repeat(32), 7).equals(a)).toBe(false);
  });

  it("sets the period's keys at once and the next period's keys when it starts", () => {
    vi.useFakeTimers();
    const start = 100 * TICKET_KEY_PERIOD_MS + 5_000;
    vi.setSystemTime(start);
    const set: Buffer[] = [];
    const rotation = rotateTicketKeys({ setTicketKeys: (k) => set.push(k) }, 'secret');
    expect(set).toEqual([ticketKeysFor('secret', 100)]);
    vi.advanceTimersByTime(TICKET_KEY_PERIOD_MS - 5_001);
    expect(set).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(set).toEqual([ticketKeysFor('secret', 100), ticketKeysFor('secret', 101)]);
    rotation.stop();
    vi.advanceTimersByTime(2 * TICKET_KEY_PERIOD_MS);
    expect(set).toHaveLength(2);
  });
});
