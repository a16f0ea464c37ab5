/**
 * `npm start`: the whole stack on one machine with embedded defaults: a project-owned
 * ClickHouse process, PGlite databases in the data directory, in-memory rate limits, and
 * every part as its own process. Prints every URL and the operator token.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadLauncherConfig } from './config.js';
import { buildDashboardIfMissing } from './dashboard-build.js';
import { runDemo } from './demo.js';
import { DEFAULT_PORTS, type Stack, repoRoot, startStack } from './stack.js';

async function main(): Promise<void> {
  let config: Awaited<ReturnType<typeof loadLauncherConfig>>;
  try {
    config = await loadLauncherConfig(process.env);
  } catch (err) {
    console.error(`gatehouse: ${(err as Error).message}`);
    process.exit(2);
  }

  let stack: Stack | undefined;
  let stopDemo: (() => void) | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopDemo?.();
    await stack?.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    await buildDashboardIfMissing(repoRoot);
    stack = await startStack({
      dataDir: config.dataDir,
      adminToken: config.adminToken,
      ingestToken: config.ingestToken,
      callbackSecret: config.callbackSecret,
      ports: DEFAULT_PORTS,
      clickhouseUrl: config.clickhouseUrl,
    });
    void stack.unexpectedExit.then((name) => {
      console.error(`gatehouse: ${name} exited unexpectedly; stopping the stack`);
      void shutdown(1);
    });

    const tokenFile = path.join(config.dataDir, 'launcher-secrets.json');
    console.log(
      [
        '',
        'Gatehouse is running:',
        `  gateway (HTTPS, public)  ${stack.gatewayUrl}  (plain HTTP ${stack.httpUrl} answers 426)`,
        `  gateway admin API        ${stack.adminUrl}  (/openapi.json, /metrics)`,
        `  orders API               ${stack.apiUrl}  (/docs, /openapi.json; call it through the gateway)`,
        `  dashboard + query API    ${stack.collectorUrl}/`,
        `  ClickHouse               ${stack.clickhouseUrl}`,
        '',
        config.generatedAdminToken
          ? `  operator token (generated; kept in ${tokenFile}):\n    ${config.adminToken}`
          : '  operator token: the GATEHOUSE_ADMIN_TOKEN you set',
        '',
      ].join('\n'),
    );

    if (config.demo) {
      const caPath = path.join(config.dataDir, 'gateway', 'tls', 'cert.pem');
      stopDemo = await runDemo({
        adminUrl: stack.adminUrl,
        gatewayUrl: stack.gatewayUrl,
        adminToken: config.adminToken,
        caPem: existsSync(caPath) ? caPath : undefined,
      });
    }
  } catch (err) {
    console.error(`gatehouse: ${(err as Error).message}`);
    await shutdown(1);
  }
}

void main();
