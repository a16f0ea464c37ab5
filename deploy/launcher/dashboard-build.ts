import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The collector serves `dashboard/dist`; build it once on a fresh checkout. */
export async function buildDashboardIfMissing(repoRoot: string): Promise<void> {
  if (existsSync(path.join(repoRoot, 'dashboard', 'dist', 'index.html'))) return;
  console.log('gatehouse: building the dashboard (first start only)…');
  const result = spawnSync('npm', ['run', 'build', '-w', '@gatehouse/dashboard'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(
      'dashboard build failed; run `npm run build -w @gatehouse/dashboard` to see why',
    );
}
