// Shared helpers of the dashboard's end-to-end tests: the browser, screenshots, sign-in
// and the REST API for arranging what the dashboard does not manage yet.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.E2E_BASE_URL;
export const OWNER_SETUP_LINK = process.env.E2E_OWNER_SETUP_LINK;
export const ADMIN_TOKEN = process.env.E2E_ADMIN_TOKEN;
if (!BASE || !OWNER_SETUP_LINK || !ADMIN_TOKEN) {
  throw new Error('run these tests through scripts/e2e, which starts the server they need');
}

export const OWNER = { email: 'olivia@acme.example.com', password: 'olivia-owner-password' };

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

/** Headless Chromium as the Debian package ships it. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A fresh browser profile (its own cookies) with one page. */
export async function person(browser) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { context, page, errors };
}

/** Saves a screenshot under e2e/screenshots/: the full page, or what the window shows. */
export async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

export async function signIn(page, { email, password }) {
  await page.goto('/sign-in');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/users'), page.click('button[type=submit]')]);
}

/** The users list row of the user named `name`. */
export function row(page, name) {
  return page.locator('#users-table tbody tr', { has: page.getByRole('link', { name, exact: true }) });
}

/** Opens the ⋮ menu of `name`'s row and clicks `item`. */
export async function menu(page, name, item) {
  const r = row(page, name);
  await r.locator('details.menu > summary').click();
  await r.locator('details.menu .items').getByText(item, { exact: true }).click();
}

/** Calls the REST API as the Administrator token. */
export async function api(method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
