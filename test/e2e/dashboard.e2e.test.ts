/**
 * The dashboard in real Chromium against the whole stack (real ClickHouse, PostgreSQL, api,
 * gateway, collector serving the built dashboard): traffic through the gateway shows up in the
 * overview and the endpoint page, drill-down endpoint → customer → one request works, a key
 * created in the UI authenticates through the gateway and stops after it is revoked in the UI,
 * a plan created in the UI and given to the customer sets the limits the gateway announces,
 * an alert rule's notifications show per target in the alert history (a receiver answering 500
 * is "retrying" and later "delivered after N attempts", one answering 410 is "NOT delivered", a
 * Slack webhook URL's secret path never reaches the page, and the rule form shows the
 * collector's 422 under the field), a rule with two targets created in the form keeps both in
 * order (a 422 about the second target shows under that target's field), every view fits a
 * 375 px phone screen, and pages need login. Each view's screenshot lands in
 * `test-results/screenshots/` (`<view>.png` at 1280 px, `<view>-375.png` at 375 px).
 *
 * Skipped (with the reason in the test name) until `test/support/stack.ts` exists.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The interface `test/support/stack.ts` provides (written by the lead). */
interface Stack {
  gatewayUrl: string;
  adminUrl: string;
  collectorUrl: string;
  adminToken: string;
  caPem?: string;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const stackModule = path.join(repo, 'test/support/stack.ts');
const CHROMIUM = '/usr/bin/chromium';
const stackAvailable = existsSync(stackModule) && existsSync(CHROMIUM);
/** Evaluated in the page (a string: this file is type-checked without DOM types). */
const TOKEN_IN_STORAGE = "sessionStorage.getItem('gatehouse.operatorToken')";
const SHOTS = path.join(repo, 'test-results/screenshots');

/** Newest modification time (ms) of a file or of any file below a folder, tests aside. */
function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return /\.test\.tsx?$/.test(p) ? 0 : st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** The collector serves `dashboard/dist`: rebuild it when it is missing or older than its sources. */
function dashboardBuildIsStale(): boolean {
  const built = path.join(repo, 'dashboard/dist/index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) =>
    path.join(repo, 'dashboard', f),
  );
  return (
    Math.max(...sources.filter((f) => existsSync(f)).map(newestMtime)) > statSync(built).mtimeMs
  );
}

/** The collector's settings for this file: alerts evaluated every second, loopback receivers. */
const COLLECTOR_ENV = {
  ALERT_EVAL_INTERVAL_MS: '1000',
  ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
  // Backoff doubles from 0.5 s: 14 attempts take about an hour, so a receiver answering 500
  // stays "retrying" while the test looks at it.
  ALERT_WEBHOOK_BACKOFF_MS: '500',
  ALERT_WEBHOOK_MAX_ATTEMPTS: '14',
};
/** The secret part of the Slack-style target's URL: it must never reach the page. */
const SLACK_SECRET = `e2eSlackSecret${randomBytes(6).toString('hex')}`;

/**
 * Alert receivers on loopback: `/down` answers 500 until `down` is cleared, `/gone` refuses
 * with 410 (final: the collector gives up at once), the Slack-style path answers 200.
 */
function startReceivers() {
  const state = { down: true, hits: new Map<string, number>() };
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    state.hits.set(p, (state.hits.get(p) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.statusCode = p === '/down' ? (state.down ? 500 : 200) : p === '/gone' ? 410 : 200;
      res.end();
    });
  });
  return { state, server };
}

interface DeliveryRow {
  type: 'webhook' | 'slack';
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
}
interface HistoryRow {
  id: string;
  rule_id: string;
  to_state: string;
  deliveries: DeliveryRow[];
}

/** Poll `check` until it returns a value (not undefined), or fail after `timeoutMs`. */
async function until<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `timed out waiting for ${typeof what === 'string' ? what : what()}${last ? `: ${String(last)}` : ''}`,
  );
}

describe.skipIf(!stackAvailable)(
  `dashboard in Chromium against the whole stack${stackAvailable ? '' : ' (skipped: test/support/stack.ts or chromium missing)'}`,
  () => {
    let stack: Stack;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const customerName = `e2e-${randomBytes(4).toString('hex')}`;
    let customerId = '';
    let keyId = '';
    let secret = '';
    const receivers = startReceivers();
    const receiverUrl = (p: string) =>
      `http://127.0.0.1:${(receivers.server.address() as AddressInfo).port}${p}`;

    /** One call to the collector's query API with the operator token. */
    async function collectorApi<T>(method: string, pathname: string, body?: unknown): Promise<T> {
      const res = await fetch(new URL(pathname, stack.collectorUrl), {
        method,
        headers: {
          authorization: `Bearer ${stack.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}`);
      return (await res.json()) as T;
    }

    /** One HTTPS call through the gateway (self-signed certificate: trust the stack's CA). */
    async function gatewayGet(pathname: string, bearer: string): Promise<number> {
      return (await gatewayCall(pathname, bearer)).status;
    }

    function gatewayCall(
      pathname: string,
      bearer: string,
    ): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
      const url = new URL(pathname, stack.gatewayUrl);
      return new Promise((resolve, reject) => {
        const req = https.request(
          url,
          {
            method: 'GET',
            headers: { authorization: `Bearer ${bearer}`, 'user-agent': 'dashboard-e2e' },
            ...(stack.caPem ? { ca: stack.caPem } : { rejectUnauthorized: false }),
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    /** Turns an error the page shows into the test's failure message. */
    async function failOnAlert(step: string): Promise<void> {
      const alert = page.getByRole('alert');
      if ((await alert.count()) > 0) {
        throw new Error(`${step}: the page says "${await alert.first().textContent()}"`);
      }
    }

    async function shot(name: string): Promise<void> {
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    }

    async function open(pathAndQuery: string): Promise<void> {
      await page.goto(new URL(pathAndQuery, stack.collectorUrl).href);
    }

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      if (dashboardBuildIsStale()) {
        execFileSync('npm', ['run', 'build', '-w', '@gatehouse/dashboard'], {
          cwd: repo,
          stdio: 'ignore',
        });
      }
      const mod = (await import(pathToFileURL(stackModule).href)) as {
        startStack(options: { partEnv: { collector: Record<string, string> } }): Promise<Stack>;
      };
      await new Promise<void>((r) => receivers.server.listen(0, '127.0.0.1', r));
      stack = await mod.startStack({ partEnv: { collector: COLLECTOR_ENV } });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      page = await context.newPage();
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await stack?.close();
      receivers.server.closeAllConnections();
      await new Promise((r) => receivers.server.close(r));
    }, 60_000);

    it('needs login for every page, and the query API refuses calls without the token', async () => {
      for (const view of ['/', '/customers/cus_x', '/requests', '/keys', '/alerts']) {
        await open(view);
        await page.getByLabel('Operator token').waitFor();
        expect(new URL(page.url()).searchParams.get('next')).toBe(view);
      }
      await open('/endpoints?range=15m');
      await page.getByLabel('Operator token').waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/endpoints?range=15m');
      await shot('login');

      const res = await fetch(new URL('/api/v1/overview', stack.collectorUrl));
      expect(res.status).toBe(401);

      await page.getByLabel('Operator token').fill('not-the-token');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('That operator token was refused.').waitFor();
      expect(await page.evaluate(TOKEN_IN_STORAGE)).toBeNull();
    }, 60_000);

    it('logs in with the operator token and returns to the page asked for', async () => {
      await page.getByLabel('Operator token').fill(stack.adminToken);
      await page.locator('summary', { hasText: 'Advanced' }).click();
      await page.getByLabel('Gateway admin API URL').fill(stack.adminUrl);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
      expect(page.url()).not.toContain(stack.adminToken);
      expect(new URL(page.url()).pathname).toBe('/endpoints');
    }, 60_000);

    it('creates a customer and a key in the UI; the key authenticates through the gateway', async () => {
      await open('/keys');
      await page.getByRole('heading', { name: 'Keys & plans' }).waitFor();
      // Wait for the plans, so the new customer gets the default plan.
      await page
        .getByLabel('Plan', { exact: true })
        .locator('option')
        .first()
        .waitFor({ state: 'attached' })
        .catch(async (err: unknown) => {
          await failOnAlert('loading plans from the admin API');
          throw err;
        });
      await page.getByLabel('Customer name').fill(customerName);
      // The larger plan, so this test's own traffic never meets the rate limit.
      await page.getByLabel('Plan', { exact: true }).selectOption('pro');
      await page.getByRole('button', { name: 'Create customer' }).click();
      await page.waitForURL(/\/keys\?customer=/);
      customerId = new URL(page.url()).searchParams.get('customer') ?? '';
      expect(customerId).not.toBe('');

      await page.getByLabel('Key name (optional)').fill('e2e');
      await page.getByRole('button', { name: 'Create key' }).click();
      const secretBox = page.getByTestId('new-key-secret');
      await secretBox.waitFor();
      secret = await secretBox.inputValue();
      keyId = (await page.locator('.secret h3 code').textContent()) ?? '';
      expect(secret.length).toBeGreaterThan(20);
      expect(keyId).not.toBe('');
      await shot('keys-secret-shown-once');

      // The gateway's key cache refreshes in the background; poll until the key is known.
      await until(
        'the new key to authenticate',
        async () => ((await gatewayGet('/v1/orders', secret)) === 200 ? true : undefined),
        20_000,
      );

      await page.getByRole('button', { name: 'Done, I stored it' }).click();
      expect(await page.getByTestId('new-key-secret').count()).toBe(0);
      await shot('keys');
    }, 90_000);

    it('shows traffic sent through the gateway in the overview and on the endpoint page', async () => {
      for (let i = 0; i < 15; i++) expect(await gatewayGet('/v1/orders?limit=5', secret)).toBe(200);
      for (let i = 0; i < 3; i++) await gatewayGet('/v1/orders/ord_does_not_exist', secret);

      await open('/?range=15m');
      // Events reach ClickHouse in batches; reload until this test's 18 requests are counted.
      // The endpoint alone is not enough: the last test's requests already put it there, and
      // the overview's queries run side by side, so one render can list the endpoint from a
      // batch that landed after its total was read.
      const requestsTile = page
        .locator('.tile', { hasText: 'Requests' })
        .first()
        .locator('.tile-value');
      let seen = 'nothing yet';
      await until(
        () => `18 requests and GET /v1/orders in the overview (saw ${seen})`,
        async () => {
          await page.reload();
          // The heading shows while the data loads; the panels only once it has arrived, so
          // read them after that, not in a page still loading.
          const top = page.getByRole('region', { name: 'Top endpoints' });
          await top.waitFor();
          const listed = (await top.getByRole('link', { name: 'GET /v1/orders' }).count()) > 0;
          const requests = Number((await requestsTile.textContent())?.replace(/[^0-9]/g, ''));
          seen = `${requests} requests, endpoint ${listed ? '' : 'not '}listed`;
          return listed && requests >= 18 ? true : undefined;
        },
      );
      await shot('overview');

      await open('/endpoints?range=15m');
      await page.getByRole('table', { name: 'Endpoints' }).waitFor();
      await shot('endpoints');

      await page
        .getByRole('table', { name: 'Endpoints' })
        .getByRole('link', { name: 'GET /v1/orders', exact: true })
        .click();
      await page.getByRole('heading', { name: 'GET /v1/orders', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Status mix' }).waitFor();
      await page.getByRole('heading', { name: 'Slowest recent requests' }).waitFor();
      await shot('endpoint');
    }, 120_000);

    it('drills down from the endpoint to the customer to one request', async () => {
      const customerLink = page
        .getByRole('region', { name: 'Top customers' })
        .getByRole('link', { name: customerId });
      await until('the customer on the endpoint page', async () => {
        if ((await customerLink.count()) > 0) return true;
        await page.reload();
        await page.getByRole('heading', { name: 'GET /v1/orders', level: 1 }).waitFor();
        return undefined;
      });
      await customerLink.click();
      await page.waitForURL(new RegExp(`/customers/${customerId}`));
      await page.getByRole('heading', { name: customerName, level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Endpoints used' }).waitFor();
      await page.getByRole('region', { name: 'API keys' }).getByText(keyId).waitFor();
      await shot('customer');

      await open('/customers?range=15m');
      await page
        .getByRole('table', { name: 'Customers' })
        .getByRole('link', { name: customerId })
        .waitFor();
      await shot('customers');

      await open(`/customers/${encodeURIComponent(customerId)}?range=15m`);
      const firstRequest = page
        .getByRole('table', { name: 'Recent requests' })
        .locator('a.req-link')
        .first();
      await firstRequest.waitFor();
      await firstRequest.click();
      await page.waitForURL(/\/requests\/[^/?]+/);
      const requestId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
      await page.getByRole('heading', { name: 'Full event' }).waitFor();
      const raw = JSON.parse((await page.locator('pre.raw').textContent()) ?? '{}') as Record<
        string,
        unknown
      >;
      expect(raw.request_id).toBe(requestId);
      expect(raw.customer_id).toBe(customerId);
      await shot('request');

      await open(`/requests?range=15m&customer_id=${encodeURIComponent(customerId)}`);
      await page.getByRole('table', { name: 'Requests' }).waitFor();
      await shot('request-log');
    }, 120_000);

    it("creates a plan in the UI, moves the customer to it, and the gateway announces that plan's limits", async () => {
      const planName = `e2e-${randomBytes(3).toString('hex')}`;
      await open(`/keys?customer=${encodeURIComponent(customerId)}`);
      const form = page.getByRole('form', { name: 'New plan' });
      await form.waitFor();

      // The admin API judges the numbers; its message lands under the field it names.
      await form.getByLabel('Plan name').fill(planName);
      await form.getByLabel('Requests per minute').fill('1234');
      await form.getByLabel('Burst').fill('0');
      await form.getByRole('button', { name: 'Create plan' }).click();
      const burst = form.getByLabel('Burst');
      await expect.poll(() => burst.getAttribute('aria-invalid'), { timeout: 20_000 }).toBe('true');
      const describedBy = (await burst.getAttribute('aria-describedby')) ?? '';
      const burstError = describedBy.split(' ').find((id) => id.endsWith('-error')) ?? '';
      expect((await page.locator(`[id="${burstError}"]`).textContent())?.length).toBeGreaterThan(0);
      expect(await form.locator('.field-error').count()).toBe(1);

      await form.getByLabel('Burst').fill('77');
      await form.getByRole('button', { name: 'Create plan' }).click();
      await form.getByText(`Plan “${planName}” created.`, { exact: false }).waitFor();
      const planRow = page
        .getByRole('table', { name: 'Plans' })
        .locator('tr', { hasText: planName });
      await planRow.waitFor();
      expect(await planRow.textContent()).toContain('1,234');

      // The same name again: a 409, said under the name.
      await form.getByLabel('Plan name').fill(planName);
      await form.getByLabel('Requests per minute').fill('1');
      await form.getByLabel('Burst').fill('1');
      await form.getByRole('button', { name: 'Create plan' }).click();
      await form.getByText('A plan with this name already exists', { exact: false }).waitFor();
      expect(await form.getByLabel('Plan name').getAttribute('aria-invalid')).toBe('true');
      await shot('keys-new-plan');

      const changePlan = page.getByRole('form', { name: 'Change plan' });
      await changePlan.getByLabel('Plan', { exact: true }).selectOption(planName);
      await changePlan.getByRole('button', { name: 'Change plan' }).click();
      await page
        .locator('.customer-pick[aria-current="true"]', { hasText: planName })
        .waitFor()
        .catch(async (err: unknown) => {
          await failOnAlert('changing the plan');
          throw err;
        });

      // The gateway refreshes customers and keys in the background; poll until it applies the plan.
      const headers = await until(
        "the new plan's limits in the RateLimit headers",
        async () => {
          const res = await gatewayCall('/v1/orders?limit=1', secret);
          return res.headers['x-ratelimit-limit'] === '1234' ? res.headers : undefined;
        },
        30_000,
      );
      expect(headers['ratelimit-policy']).toBe('"plan";q=1234;w=60;burst=77');
      expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(77);
    }, 90_000);

    it("shows each alert notification's delivery per target in the history, without secret URL paths", async () => {
      await open('/alerts');
      const form = page.getByRole('form', { name: 'New alert rule' });
      await form.waitFor();
      // The collector judges the secret's length; its 422 lands under that field.
      await form.getByLabel('Name', { exact: true }).fill('e2e refused');
      await form.getByLabel('Webhook URL (optional)').fill(receiverUrl('/down'));
      await form.getByLabel('Signing secret (optional)').fill('short');
      await form.getByRole('button', { name: 'Create rule' }).click();
      const secretField = form.getByLabel('Signing secret (optional)');
      await expect
        .poll(() => secretField.getAttribute('aria-invalid'), { timeout: 20_000 })
        .toBe('true');
      expect(await form.locator('.field-error').count()).toBe(1);
      expect(await form.locator('.field-error').textContent()).toContain('16');

      const slackUrl = receiverUrl(`/services/T0E2E/B0E2E/${SLACK_SECRET}`);
      const rule = await collectorApi<{ id: string }>('POST', '/api/v1/alerts/rules', {
        name: `e2e 4xx ${customerName}`,
        customer_id: customerId,
        metric: 'rate_4xx',
        threshold: 0.1,
        // Two minutes: the current one and the one before, so a minute turning over right after
        // the traffic does not empty the window before the rule fires.
        window: '2m',
        min_requests: 1,
        for: '0s',
        severity: 'critical',
        targets: [
          { type: 'webhook', url: receiverUrl('/down') },
          { type: 'webhook', url: receiverUrl('/gone') },
          { type: 'slack', url: slackUrl },
        ],
      });
      for (let i = 0; i < 6; i++) await gatewayGet('/v1/orders/ord_missing_e2e', secret);
      for (let i = 0; i < 4; i++) expect(await gatewayGet('/v1/orders?limit=1', secret)).toBe(200);

      // Wait (through the API) until every target has been tried once: /down is retrying.
      // The API shows target URLs redacted (a Slack webhook's path is its secret), so the
      // Slack target is found by type and never by its path.
      const byPath = (h: HistoryRow, p: string) => h.deliveries.find((d) => d.url.endsWith(p));
      const firing = await until(
        'the firing notification to be tried at every target',
        async () => {
          const { items } = await collectorApi<{ items: HistoryRow[] }>(
            'GET',
            `/api/v1/alerts/history?rule_id=${encodeURIComponent(rule.id)}`,
          );
          const h = items.find((i) => i.to_state === 'firing');
          if (!h) return undefined;
          const down = byPath(h, '/down');
          const ready =
            down?.state === 'pending' &&
            down.attempts >= 1 &&
            byPath(h, '/gone')?.state === 'failed' &&
            h.deliveries.find((d) => d.type === 'slack')?.state === 'delivered';
          return ready ? h : undefined;
        },
      );

      expect(JSON.stringify(firing), 'the history API shows the Slack path').not.toContain(
        SLACK_SECRET,
      );

      await open('/alerts');
      const row = page.locator(`tr[data-history-id="${firing.id}"]`);
      await row.waitFor();
      const retrying = row.locator('[data-delivery-state="retrying"]');
      expect(await retrying.textContent()).toMatch(/retrying: attempt \d+ failed, next at/);
      expect(await retrying.textContent()).toContain('answered 500');
      expect(await retrying.textContent()).toContain(receiverUrl('/down'));
      const failed = row.locator('[data-delivery-state="failed"]');
      expect(await failed.textContent()).toContain('NOT delivered: gave up after 1 attempt');
      expect(await failed.textContent()).toContain('answered 410');
      const delivered = row.locator('[data-delivery-state="delivered"]');
      expect(await delivered.textContent()).toContain('slack');
      expect(await delivered.textContent()).toContain(receiverUrl('/services/…'));
      await page
        .getByRole('region', { name: 'History' })
        .getByText(/notifications? did NOT reach/)
        .waitFor();
      expect(await page.content()).not.toContain(SLACK_SECRET);
      await shot('alerts-deliveries');

      await page.setViewportSize({ width: 375, height: 800 });
      try {
        await row.locator('[data-delivery-state="failed"]').waitFor();
        await shot('alerts-deliveries-375');
        const overflow = Number(
          await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        expect(overflow, 'the alert history is wider than the screen').toBeLessThanOrEqual(0);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      // The receiver recovers: the next attempt gets through, and the page says after how many.
      receivers.state.down = false;
      const done = await until('the retried notification to be delivered', async () => {
        await page.reload();
        const text = await row.locator('.delivery', { hasText: '/down' }).textContent();
        return text?.match(/delivered after (\d+) attempts/) ? text : undefined;
      });
      expect(done).not.toContain('answered 500');
    }, 120_000);

    it('creates a rule with two targets in the UI; the collector keeps both, in order', async () => {
      await open('/alerts');
      const form = page.getByRole('form', { name: 'New alert rule' });
      await form.waitFor();
      const target = (n: number) => form.getByRole('group', { name: `Target ${n}` });
      const name = `e2e two targets ${customerName}`;
      const signingSecret = `e2eSigning${randomBytes(8).toString('hex')}`;
      const slackUrl = receiverUrl(`/services/T0E2E/B0E2E/${SLACK_SECRET}`);
      await form.getByLabel('Name', { exact: true }).fill(name);
      // A customer without traffic: the rule never fires, so it sends nothing to the receivers.
      await form.getByLabel('Customer id (blank = all)').fill(`cus_quiet_${customerName}`);
      await target(1).getByLabel('Webhook URL (optional)').fill(receiverUrl('/pager'));
      await target(1).getByLabel('Signing secret (optional)').fill(signingSecret);
      await form.getByRole('button', { name: 'Add target' }).click();
      await target(2).getByLabel('Notify via').selectOption('slack');
      await target(2).getByLabel('Webhook URL (optional)').fill(slackUrl);

      // The collector's 422 for the second target (targets.1.secret) lands under that field only.
      await target(2).getByLabel('Signing secret (optional)').fill('short');
      await form.getByRole('button', { name: 'Create rule' }).click();
      const secondSecret = target(2).getByLabel('Signing secret (optional)');
      await expect
        .poll(() => secondSecret.getAttribute('aria-invalid'), { timeout: 20_000 })
        .toBe('true');
      expect(await target(1).locator('.field-error').count()).toBe(0);
      expect(await form.locator('.field-error').count()).toBe(1);
      expect(await target(2).locator('.field-error').textContent()).toContain('16');
      await shot('alerts-rule-targets');
      await page.setViewportSize({ width: 375, height: 800 });
      try {
        await shot('alerts-rule-targets-375');
        const overflow = Number(
          await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        expect(
          overflow,
          'the rule form with two targets is wider than the screen',
        ).toBeLessThanOrEqual(0);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      await secondSecret.fill('');
      const posted = page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/alerts/rules'),
      );
      await form.getByRole('button', { name: 'Create rule' }).click();
      const response = await posted;
      expect(response.status()).toBe(201);
      await form.getByText(`Rule “${name}” created.`).waitFor();
      await failOnAlert('creating the rule with two targets');

      // Both targets as the collector stores and shows them: in order, secrets write-only,
      // the Slack URL's secret path redacted.
      const expected = [
        { type: 'webhook', url: receiverUrl('/pager'), has_secret: true },
        { type: 'slack', url: receiverUrl('/services/…'), has_secret: false },
      ];
      const created = (await response.json()) as { id: string; targets: unknown[] };
      expect(created.targets).toEqual(expected);
      const stored = await collectorApi<{ name: string; targets: unknown[] }>(
        'GET',
        `/api/v1/alerts/rules/${encodeURIComponent(created.id)}`,
      );
      expect(stored).toMatchObject({ name, targets: expected });

      const html = await page.content();
      expect(html, 'the signing secret is shown after creating').not.toContain(signingSecret);
      expect(html, 'the Slack path is shown after creating').not.toContain(SLACK_SECRET);
      await shot('alerts-rule-two-targets');
    }, 60_000);

    it('fits every view into a 375 px phone screen', async () => {
      await page.setViewportSize({ width: 375, height: 800 });
      try {
        const views: [string, string, string][] = [
          ['overview', '/?range=15m', 'Overview'],
          ['endpoints', '/endpoints?range=15m', 'Endpoints'],
          [
            'endpoint',
            `/endpoints/view?range=15m&method=GET&route=${encodeURIComponent('/v1/orders')}`,
            'GET /v1/orders',
          ],
          ['customers', '/customers?range=15m', 'Customers'],
          ['customer', `/customers/${encodeURIComponent(customerId)}?range=15m`, customerName],
          ['request-log', '/requests?range=15m', 'Request log'],
          ['keys', `/keys?customer=${encodeURIComponent(customerId)}`, 'Keys & plans'],
          ['alerts', '/alerts', 'Alerts'],
        ];
        for (const [name, url, heading] of views) {
          await open(url);
          await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
          await page
            .locator('[aria-busy="true"]')
            .first()
            .waitFor({ state: 'detached' })
            .catch(() => {});
          await shot(`${name}-375`);
          // Wide content scrolls inside its own box (tables, charts); the page itself does not.
          const overflow = Number(
            await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
          );
          expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 120_000);

    it('revoking the key in the UI stops it working at the gateway', async () => {
      await open(`/keys?customer=${encodeURIComponent(customerId)}`);
      await page.getByRole('button', { name: `Revoke key ${keyId}` }).click();
      await page.getByRole('button', { name: `Confirm revoking key ${keyId}` }).click();
      await page.locator(`tr[data-key-id="${keyId}"] .badge-revoked`).waitFor();
      await until(
        'the revoked key to be refused',
        async () => ((await gatewayGet('/v1/orders', secret)) === 401 ? true : undefined),
        20_000,
      );
    }, 60_000);

    it('shows the alerts view and sends a stale session back to login', async () => {
      await open('/alerts');
      await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
      await page.locator('.state, .panel').first().waitFor();
      await shot('alerts');

      await page.evaluate("sessionStorage.setItem('gatehouse.operatorToken', 'rotated-away')");
      await open('/customers');
      await page.getByLabel('Operator token').waitFor();
      await page.getByText('operator token was refused').waitFor();
      expect(await page.evaluate(TOKEN_IN_STORAGE)).toBeNull();
    }, 60_000);
  },
);
