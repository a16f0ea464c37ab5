/**
 * OpenTelemetry traces: `@opentelemetry/sdk-node` with the auto-instrumentations (http, undici,
 * pg, ioredis, express, ...) and the OTLP/HTTP exporter, configured entirely by the standard
 * `OTEL_*` variables (endpoint, headers, service name, sampler). Off unless an OTLP endpoint is
 * set, so the default data plane pays nothing for it.
 *
 * ESM note: auto-instrumentation patches modules as they load, so `main.ts` starts this BEFORE
 * it imports the app (dynamic import) and registers the import-in-the-middle hook first.
 */
import { register } from 'node:module';

export interface Telemetry {
  shutdown(): Promise<void>;
}

export async function startTelemetry(serviceName: string): Promise<Telemetry> {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { getNodeAutoInstrumentations }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/auto-instrumentations-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      getNodeAutoInstrumentations({
        // File-system spans are noise for a proxy and cost on every spool write.
        '@opentelemetry/instrumentation-fs': { enabled: false },
      }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
