import { describe, expect, it } from 'vitest';
import { metricValue } from './prom-text.js';

// As prom-client writes it (default metrics with the gateway's prefix).
const body = `# HELP gatehouse_gateway_nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.
# TYPE gatehouse_gateway_nodejs_eventloop_lag_p99_seconds gauge
gatehouse_gateway_nodejs_eventloop_lag_p99_seconds 0.0123
# TYPE gatehouse_gateway_nodejs_gc_duration_seconds histogram
gatehouse_gateway_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 40
gatehouse_gateway_nodejs_gc_duration_seconds_count{kind="minor"} 120
gatehouse_gateway_nodejs_gc_duration_seconds_count{kind="incremental"} 9
gatehouse_gateway_nodejs_gc_duration_seconds_count{kind="major"} 7
gatehouse_gateway_event_queue_depth 3
`;

describe('metricValue', () => {
  it('reads an unlabelled sample by a name pattern', () => {
    expect(metricValue(body, '\\w*nodejs_eventloop_lag_p99_seconds')).toBe(0.0123);
    expect(metricValue(body, 'gatehouse_gateway_event_queue_depth')).toBe(3);
  });

  it('picks the sample with the asked label among several series of one metric', () => {
    const name = '\\w*nodejs_gc_duration_seconds_count';
    expect(metricValue(body, name, 'kind="major"')).toBe(7);
    expect(metricValue(body, name, 'kind="minor"')).toBe(120);
  });

  it('is NaN for a metric or label that is not there', () => {
    expect(metricValue(body, 'gatehouse_gateway_nope')).toBeNaN();
    expect(metricValue(body, '\\w*nodejs_gc_duration_seconds_count', 'kind="weakcb"')).toBeNaN();
  });
});
