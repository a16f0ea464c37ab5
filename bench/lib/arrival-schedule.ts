// When an open-loop loader sends each request: a linear ramp of the rate from zero, then the
// full rate. Pure, so the schedule is tested apart from the loader's sockets.

export interface ArrivalSchedule {
  /** Requests due in the whole run. */
  total: number;
  /** When request `i` (0-based) is due, ms after the start. */
  offsetMs(i: number): number;
}

/**
 * `rate` requests a second, reached by a linear ramp over the first `rampMs`, for `totalMs` in
 * all. During the ramp the rate at time t is rate·t/rampMs, so n(t) = rate·t²/(2·rampMs) requests
 * are due by then and request i at √(2·rampMs·i/rate); after it, one every 1/rate, rampMs/2
 * behind where a run without the ramp would be.
 */
export function rampedArrivals(rate: number, rampMs: number, totalMs: number): ArrivalSchedule {
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  if (!(rampMs >= 0) || !(totalMs >= rampMs)) {
    throw new RangeError(`need 0 ≤ rampMs ≤ totalMs, got ${rampMs} and ${totalMs}`);
  }
  const perMs = rate / 1000;
  const rampCount = Math.floor((perMs * rampMs) / 2);
  return {
    total: Math.floor(perMs * (totalMs - rampMs / 2)),
    offsetMs: (i) => (i < rampCount ? Math.sqrt((2 * rampMs * i) / perMs) : i / perMs + rampMs / 2),
  };
}
