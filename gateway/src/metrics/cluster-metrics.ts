import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With several cluster workers, the admin port is shared and a scrape lands on ONE worker;
 * its own registry would report a fraction of the traffic. So the worker serving `/metrics`
 * asks the primary, which collects every worker's registry over IPC (prom-client's
 * AggregatorRegistry) and answers with the sum.
 */
const REQ = 'gatehouse:cluster-metrics-req';
const RES = 'gatehouse:cluster-metrics-res';

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/** Primary: answer workers' aggregation requests. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQ) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RES, id: message.id, text }),
      (error: Error) => worker.send({ type: RES, id: message.id, error: error.message }),
    );
  });
}

/**
 * Worker: offer `registry` to the primary's aggregation and return the function `/metrics`
 * uses (the whole cluster's metrics; this worker's alone if the primary does not answer).
 * `undefined` outside a cluster worker.
 */
export function clusterMetricsSource(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  new AggregatorRegistry(); // installs prom-client's worker-side IPC listener
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, (m: MetricsMessage) => void>();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type === RES) pending.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        void registry.metrics().then(resolve);
      }, 5000);
      pending.set(id, (m) => {
        clearTimeout(timer);
        pending.delete(id);
        if (m.text !== undefined) resolve(m.text);
        else void registry.metrics().then(resolve);
      });
      process.send!({ type: REQ, id });
    });
}
