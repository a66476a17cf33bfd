// Single sign-on as people meet it, against a real OpenID provider (oidc-provider, started
// by scripts/e2e): the owner configures the connection and tests it, then a colleague signs
// in through the provider's own login page and lands on the dashboard. Runs after
// dashboard.test.js, whose first story gives the owner a password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BASE, OWNER, api, launch, person, shot, signIn } from '../lib.js';

const ISSUER = process.env.E2E_OIDC_ISSUER;

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

describe('single sign-on', () => {
  test('the owner sets up the provider and Test connection passes', async () => {
    const { page } = await person(browser);
    await signIn(page, OWNER);
    await page.locator('nav.side').getByRole('link', { name: 'Single sign-on' }).click();
    await page.waitForURL('**/settings/sso');
    await page.fill('#f-display_name', 'Acme ID');
    await page.fill('#f-slug', 'acme');
    await page.fill('#f-issuer', ISSUER);
    await page.fill('#f-client_id', 'switchboard-e2e');
    await page.fill('#f-client_secret', 'e2e-client-secret');
    await page.selectOption('#f-claim', 'email');
    await page.selectOption('#f-match_field', 'email');
    await page.fill('#f-email_domains', 'acme.example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Single sign-on saved').waitFor();
    assert.equal(await page.inputValue('#f-client_secret'), '', 'the secret is never shown again');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const checks = page.locator('ul.checks li');
    await checks.first().waitFor();
    assert.equal(await checks.count(), 3);
    assert.equal(await page.locator('ul.checks li.ok').count(), 3, await checks.allTextContents().then(String));
    await shot(page, 'sso-settings');
  });

  test('the sign-in link goes to the provider, but asks first when another site links it', async () => {
    const { page, errors } = await person(browser);
    // Typed or bookmarked, it goes straight to the provider.
    await page.goto(`${BASE}/sign-in/acme`);
    await page.waitForURL(`${ISSUER}/**`);
    // Followed from a page of another site (localhost is another site than 127.0.0.1), it
    // shows a page to continue from: no site can send its visitors through unasked.
    await page.goto(`${BASE.replace('127.0.0.1', 'localhost')}/healthz`);
    await page.setContent(`<a id="go" href="${BASE}/sign-in/acme">Sign in to Acme</a>`);
    errors.length = 0;
    await Promise.all([page.waitForURL(`${BASE}/sign-in/acme`), page.click('#go')]);
    const go = page.getByRole('button', { name: 'Continue with Acme ID' });
    await go.waitFor();
    await shot(page, 'sso-link-from-another-site');
    assert.deepEqual(errors, []);
    await Promise.all([page.waitForURL(`${ISSUER}/**`), go.click()]);
  });

  test('a colleague signs in at the provider and lands on the dashboard', async () => {
    await api('POST', '/users', { name: 'Sam Single', email: 'sam@acme.example.com', panel_access: true });
    const { page, errors } = await person(browser);
    await page.goto('/sign-in');
    await page.fill('#sso-email', 'sam@acme.example.com');
    await shot(page, 'sso-sign-in-page');
    await Promise.all([
      page.waitForURL(`${ISSUER}/**`),
      page.getByRole('button', { name: 'Continue with single sign-on' }).click(),
    ]);
    await page.fill('input[name=login]', 'sam@acme.example.com');
    await page.fill('input[name=password]', 'anything');
    await shot(page, 'sso-provider-login');
    await page.locator('button[type=submit]').click();
    // The provider asks once for consent to share the profile with Switchboard.
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${BASE}/**`);
    // The provider's development pages load outside resources this machine cannot reach;
    // only Switchboard's own pages must be free of errors.
    errors.length = 0;
    assert.ok(!page.url().includes('/sso/callback'), page.url());
    await page.getByText('Sam Single').first().waitFor();
    const nav = await page.locator('nav.side a').allTextContents();
    assert.ok(!nav.includes('Single sign-on'), 'a Basic user does not see the settings');
    await shot(page, 'sso-signed-in');
    assert.deepEqual(errors, []);
  });
});
