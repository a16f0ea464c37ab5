import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** What `npm start` reads from the environment, parsed once. */
const LauncherEnv = z.object({
  GATEHOUSE_DATA_DIR: z.string().default('./.data'),
  GATEHOUSE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  COLLECTOR_INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  CALLBACK_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CLICKHOUSE_URL: z.string().url().optional(),
  GATEHOUSE_DEMO: z.enum(['on', 'off']).default('on'),
});

export interface LauncherConfig {
  dataDir: string;
  adminToken: string;
  ingestToken: string;
  callbackSecret: string;
  clickhouseUrl: string | undefined;
  demo: boolean;
  /** True when the tokens were generated (first start) rather than given. */
  generatedAdminToken: boolean;
}

interface StoredSecrets {
  adminToken: string;
  ingestToken: string;
  callbackSecret: string;
}

/**
 * Secrets not given in the environment are generated on first start and kept in the data
 * directory (mode 0600), so a restart keeps working keys, dashboard logins and callbacks.
 */
async function loadOrCreateSecrets(dataDir: string): Promise<StoredSecrets> {
  const file = path.join(dataDir, 'launcher-secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
  } catch {
    const fresh: StoredSecrets = {
      adminToken: `gh_admin_${randomBytes(24).toString('base64url')}`,
      ingestToken: randomBytes(24).toString('base64url'),
      callbackSecret: randomBytes(32).toString('base64url'),
    };
    await writeFile(file, JSON.stringify(fresh), { mode: 0o600 });
    await chmod(file, 0o600);
    return fresh;
  }
}

export async function loadLauncherConfig(env: NodeJS.ProcessEnv): Promise<LauncherConfig> {
  const parsed = LauncherEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid environment: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.GATEHOUSE_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const stored = await loadOrCreateSecrets(dataDir);
  return {
    dataDir,
    adminToken: e.GATEHOUSE_ADMIN_TOKEN ?? stored.adminToken,
    ingestToken: e.COLLECTOR_INGEST_TOKEN ?? stored.ingestToken,
    callbackSecret: e.CALLBACK_SIGNING_SECRET ?? stored.callbackSecret,
    clickhouseUrl: e.CLICKHOUSE_URL,
    demo: e.GATEHOUSE_DEMO === 'on',
    generatedAdminToken: e.GATEHOUSE_ADMIN_TOKEN === undefined,
  };
}
