// The dashboard as people use it, in headless Chromium, one story in order: the owner
// signs in, adds and invites a colleague, who accepts and sees the Basic view; then the
// refusals and life-cycle actions an administrator meets every day; the audit log of it
// all, an API token from creation to revocation, and a forgotten password set again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BASE, OWNER, OWNER_SETUP_LINK, api, launch, menu, person, row, shot, signIn,
} from '../lib.js';

let browser;
let admin;

before(async () => {
  browser = await launch();
  admin = await person(browser);
});

after(async () => {
  await browser?.close();
});

describe('dashboard', () => {
  test('the owner sets a password from the setup link, signs out and signs in', async () => {
    const { page } = admin;
    await page.goto(OWNER_SETUP_LINK);
    await page.fill('#password', OWNER.password);
    await Promise.all([page.waitForURL('**/users'), page.click('button[type=submit]')]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await signIn(page, OWNER);
    await assert.doesNotReject(page.getByRole('heading', { name: 'Users' }).waitFor());
    const nav = await page.locator('nav.side a').allTextContents();
    assert.deepEqual(nav, [
      'Users', 'Departments', 'Numbers', 'Workflows', 'Roles & permissions', 'Audit log',
      'Plan & seats', 'Single sign-on', 'Test call', 'Sent mail', 'API tokens',
    ]);
    await shot(page, 'sign-in-users-list');
  });

  test('adding a user with Panel Access shows Pending invite', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Add user' }).click();
    assert.match(await page.inputValue('#f-extension'), /^[1-9][0-9]*$/, 'next free extension');
    await page.fill('#f-name', 'Priya Sharma');
    await page.fill('#f-email', 'priya.sharma@example.com');
    await page.fill('#f-mobile', '+919876543210');
    await page.fill('#f-extension', '204');
    await page.locator('details.advanced > summary').click();
    await page.getByLabel('Pro user: signs in to the panel and uses a seat').check();
    await page.fill('#h-monday', '09:00-13:00, 14:00-18:00');
    await page.fill('#f-tags', 'support, hindi');
    await shot(page, 'add-user-form');
    await Promise.all([page.waitForURL('**/users'), page.getByRole('button', { name: 'Add user' }).click()]);
    await assert.doesNotReject(page.getByRole('status')
      .filter({ hasText: 'Priya Sharma was added. An invite was sent to priya.sharma@example.com.' })
      .waitFor());
    assert.equal(await row(page, 'Priya Sharma').locator('.badge').textContent(), 'Pending invite');
    await shot(page, 'user-added-pending-invite');
  });

  test('the live search narrows the list without reloading the page', async () => {
    const { page, errors } = admin;
    await page.goto('/users');
    await page.fill('#q', 'priya');
    await page.waitForURL(/q=priya/);
    await assert.doesNotReject(row(page, 'Priya Sharma').waitFor());
    assert.equal(await row(page, 'Olivia Owner').count(), 0);
    assert.deepEqual(errors, [], 'no script errors (CSP included)');
  });

  test('the invite opened from Sent mail sets a password; the user sees the Basic view', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Sent mail' }).click();
    const mail = page.locator('table.list tbody tr', { hasText: 'priya.sharma@example.com' }).first();
    const link = await mail.locator('a[href*="/invite/"]').getAttribute('href');
    assert.ok(link.startsWith(`${BASE}/invite/`), link);
    await shot(page, 'sent-mail');

    const priya = await person(browser);
    await priya.page.goto(link);
    await assert.doesNotReject(priya.page.getByText('Welcome to Acme Support, Priya Sharma').waitFor());
    await priya.page.fill('#password', 'priya-sharma-password');
    await Promise.all([priya.page.waitForURL('**/users'), priya.page.click('button[type=submit]')]);
    const nav = await priya.page.locator('nav.side a').allTextContents();
    assert.deepEqual(nav, ['Users', 'Test call']);
    assert.equal(await priya.page.getByRole('link', { name: 'Add user' }).count(), 0);
    assert.equal(await row(priya.page, 'Olivia Owner').locator('details.menu').count(), 0,
      'no actions on other people');
    assert.equal(await row(priya.page, 'Priya Sharma').locator('.badge').textContent(), 'Active');
    await shot(priya.page, 'basic-view');

    await priya.page.goto('/users');
    await menu(priya.page, 'Priya Sharma', 'Edit');
    assert.equal(await priya.page.isDisabled('#f-extension'), true);
    assert.equal(await priya.page.isEditable('#f-name'), true);
    await priya.page.fill('#f-time_zone', 'Europe/London');
    await Promise.all([priya.page.waitForURL('**/users'), priya.page.click('button:has-text("Save changes")')]);
    await assert.doesNotReject(priya.page.getByText('Your profile was saved.').waitFor());
    await priya.context.close();
  });

  test('a duplicate email is refused beside the field, with the typed values kept', async () => {
    const { page } = admin;
    await page.goto('/users/new');
    await page.fill('#f-name', 'Rahul Verma');
    await page.fill('#f-email', 'Priya.Sharma@example.com');
    await page.fill('#f-mobile', '+919812345678');
    await page.click('button:has-text("Add user")');
    await assert.doesNotReject(page.locator('#e-email').waitFor());
    assert.match(await page.locator('#e-email').textContent(), /is held by Priya Sharma/);
    assert.equal(await page.inputValue('#f-name'), 'Rahul Verma');
    assert.equal(await page.inputValue('#f-mobile'), '+919812345678');
    await shot(page, 'duplicate-email');
  });

  test('a call-only user is deactivated and activated again', async () => {
    const { page } = admin;
    await page.fill('#f-email', 'rahul.verma@example.com');
    await Promise.all([page.waitForURL('**/users'), page.click('button:has-text("Add user")')]);
    await assert.doesNotReject(page.getByText('Rahul Verma was added as a call-only user').waitFor());
    assert.equal(await row(page, 'Rahul Verma').locator('.badge').textContent(), 'Active');

    await menu(page, 'Rahul Verma', 'Deactivate');
    await Promise.all([page.waitForURL('**/users'), page.click('button:has-text("Deactivate now")')]);
    await assert.doesNotReject(page.getByText('Rahul Verma was deactivated').waitFor());
    assert.equal(await row(page, 'Rahul Verma').locator('.badge').textContent(), 'Inactive');
    await shot(page, 'deactivated');

    await menu(page, 'Rahul Verma', 'Activate');
    await page.waitForURL('**/users');
    await assert.doesNotReject(page.getByText('Rahul Verma was activated.').waitFor());
    assert.equal(await row(page, 'Rahul Verma').locator('.badge').textContent(), 'Active');
  });

  test('deleting a user who owns a number lists it, reassigns it, then deletes', async () => {
    const { page } = admin;
    const users = await api('GET', '/users?q=rahul');
    const rahul = users.items[0];
    await api('POST', '/numbers', { number: '+918069871234', label: 'Support line', owner_id: rahul.id });

    await page.goto('/users');
    await menu(page, 'Rahul Verma', 'Delete');
    await assert.doesNotReject(page.getByText('Rahul Verma cannot be deleted yet').waitFor());
    assert.match(await page.locator('ul.blockers').textContent(), /\+918069871234/);
    assert.equal(await page.getByRole('button', { name: 'Delete Rahul Verma permanently' }).count(), 0);
    await shot(page, 'delete-blockers');

    await page.selectOption('#f-to', { label: 'Olivia Owner (ext. 100)' });
    await Promise.all([page.waitForURL('**/users'), page.click('button:has-text("Reassign and delete")')]);
    await assert.doesNotReject(page.getByText('Rahul Verma was deleted.').waitFor());
    assert.equal(await row(page, 'Rahul Verma').count(), 0);
    const owner = (await api('GET', '/users?q=olivia')).items[0];
    const numbers = await api('GET', '/numbers');
    const line = (numbers.items ?? numbers).find((n) => n.number === '+918069871234');
    assert.equal(line.owner_id, owner.id, 'the number moved to the chosen user');
  });

  test('demoting the last administrator is refused', async () => {
    const { page } = admin;
    await page.goto('/users');
    await menu(page, 'Olivia Owner', 'Edit');
    await page.selectOption('#f-role', { label: 'Basic' });
    await page.click('button:has-text("Save changes")');
    const alert = page.locator('p.error[role=alert]');
    await assert.doesNotReject(alert.waitFor());
    assert.match(await alert.textContent(), /Administrator/);
    await shot(page, 'last-admin-refused');
    await page.goto('/users');
    assert.match(await row(page, 'Olivia Owner').textContent(), /Administrator/);
  });
  test('a department is created, its members ordered, and Test call shows who rings', async () => {
    const { page } = admin;
    await api('POST', '/users', { name: 'Asha Rao', mobile: '+919800000301', extension: '301' });
    await api('POST', '/users', {
      name: 'Bala Iyer', mobile: '+919800000302', extension: '302', receive_calls: false,
    });
    await page.getByRole('link', { name: 'Departments' }).click();
    await page.fill('#d-name', 'Support');
    await page.selectOption('#d-method', 'sequential');
    await Promise.all([
      page.waitForURL(/\/departments\/[0-9a-f-]+$/),
      page.getByRole('button', { name: 'Create department' }).click(),
    ]);
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'Support was created' }).waitFor());
    for (const who of ['Asha Rao (ext. 301)', 'Bala Iyer (ext. 302)']) {
      await page.selectOption('#add-member', { label: who });
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.waitForLoadState();
    }
    await page.getByRole('button', { name: 'Move Bala Iyer up' }).click();
    await assert.doesNotReject(page.getByText('Bala Iyer now rings first.').waitFor());
    const order = await page.locator('ol.members li .who').allTextContents();
    assert.match(order[0], /Bala Iyer/);
    assert.match(order[1], /Asha Rao/);
    await page.selectOption('#add-manager', { label: 'Asha Rao (ext. 301)' });
    await page.getByRole('button', { name: 'Add manager' }).click();
    await assert.doesNotReject(page.getByText('Asha Rao now manages Support').waitFor());
    await page.fill('#s-ring', '2');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await assert.doesNotReject(page.locator('.field-error').filter({ hasText: /5/ }).waitFor());
    assert.equal(await page.inputValue('#s-ring'), '2', 'the typed value is kept');
    await shot(page, 'department');

    await page.locator('main').getByRole('link', { name: 'Test call' }).click();
    await page.getByRole('button', { name: 'Test call' }).click();
    const plan = page.getByRole('region', { name: 'Ring plan' });
    await assert.doesNotReject(plan.waitFor());
    assert.match(await plan.locator('ol.ring').textContent(), /Asha Rao/);
    const skipped = await plan.locator('table.list tbody tr').allTextContents();
    assert.ok(skipped.some((t) => /Bala Iyer/.test(t) && /Receive calls is off/.test(t)), skipped.join(' | '));
    await shot(page, 'test-call');
  });
  test('a user\'s Phone section issues SIP credentials shown once, rotates and revokes them', async () => {
    const { page } = admin;
    const { user } = await api('POST', '/users', { name: 'Meera Nair', mobile: '+919800000205', extension: '205' });
    await page.getByRole('link', { name: 'Plan & seats' }).click();
    await page.fill('#f-sip_domain', 'acme.sip.example.com');
    await page.click('button:has-text("Save SIP domain")');
    await assert.doesNotReject(page.getByText('Phones now register under acme.sip.example.com.').waitFor());

    await page.goto(`/users/${user.id}/edit`);
    const phone = page.getByRole('region', { name: 'Phone' });
    assert.match(await phone.textContent(), /No SIP credentials yet/);
    assert.match(await phone.textContent(), /205@acme\.sip\.example\.com/);
    await phone.getByRole('button', { name: 'Issue SIP credentials' }).click();
    const password = (await page.locator('code.secret').textContent()).trim();
    assert.match(password, /^[A-Za-z0-9]{24}$/);
    const typeIn = await page.locator('dl.sip').textContent();
    assert.match(typeIn, /Username[\s\S]*205/);
    assert.match(typeIn, /Registrar \/ proxy[\s\S]*acme\.sip\.example\.com/);
    await shot(page, 'sip-credentials-issued');

    await page.getByRole('link', { name: 'Back to Meera Nair' }).click();
    assert.match(await phone.textContent(), /SIP credentials issued/);
    assert.equal(await page.getByText(password).count(), 0, 'the password is shown only once');
    await page.setViewportSize({ width: 1280, height: 900 });
    await phone.scrollIntoViewIfNeeded();
    await shot(page, 'phone-section', { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 800 });

    await phone.getByRole('button', { name: 'Rotate password' }).click();
    await assert.doesNotReject(page.getByText('the old password no longer works').waitFor());
    assert.notEqual((await page.locator('code.secret').textContent()).trim(), password);
    await page.getByRole('link', { name: 'Back to Meera Nair' }).click();
    await Promise.all([page.waitForURL(`**/users/${user.id}/edit`), phone.getByRole('button', { name: 'Revoke' }).click()]);
    await assert.doesNotReject(page.getByText('The SIP credentials were revoked').waitFor());
    assert.match(await phone.textContent(), /No SIP credentials yet/);
  });

  test('the roles matrix saves a column and keeps the Administrator whole', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Roles & permissions' }).click();
    assert.equal(await page.getByLabel('View users: Administrator').isDisabled(), true);
    await page.getByLabel('View the audit log: Manager').check();
    await page.getByRole('button', { name: 'Save Manager' }).click();
    await assert.doesNotReject(page.getByText("Manager's permissions were saved").waitFor());
    assert.equal(await page.getByLabel('View the audit log: Manager').isChecked(), true);
    await shot(page, 'roles');
  });

  test('the audit log shows who changed what, with the values before and after', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.selectOption('#f-action', 'user.deactivated');
    await Promise.all([page.waitForURL(/action=user\.deactivated/), page.click('button:has-text("Filter")')]);
    await page.getByRole('link', { name: 'Verify chain' }).click();
    await assert.doesNotReject(page.getByText(/Chain intact: all \d+ events check out/).waitFor());
    const events = page.locator('#audit-table > tbody > tr');
    assert.equal(await events.count(), 1, 'only the deactivation');
    const event = events.first();
    assert.match(await event.textContent(), /Rahul Verma/);
    assert.match(await event.textContent(), /Olivia Owner/);
    await event.locator('details.changes > summary').click();
    const status = event.locator('table.changes tr', { hasText: 'status' });
    assert.deepEqual(await status.locator('td').allTextContents(), ['active', 'inactive']);
    await shot(page, 'audit-log');
  });

  test('an API token is shown once, works against the API, and is revoked', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.fill('#t-name', 'CRM sync');
    await page.selectOption('#t-role', { label: 'Manager' });
    await page.selectOption('#t-expires', { label: 'In 90 days' });
    await page.click('button:has-text("Create token")');
    const secret = (await page.locator('code.secret').textContent()).trim();
    assert.match(secret, /^sbt_[0-9a-f]{64}$/);
    await shot(page, 'api-tokens');
    const asToken = () => fetch(`${BASE}/api/v1/users`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal((await asToken()).status, 200);

    await page.goto('/api-tokens');
    assert.equal(await page.locator('code.secret').count(), 0, 'the secret is shown only once');
    const token = page.locator('#tokens-table tbody tr', { hasText: 'CRM sync' });
    assert.match(await token.textContent(), /as Manager/);
    await token.getByRole('link', { name: 'Revoke…' }).click();
    await Promise.all([page.waitForURL('**/api-tokens'), page.click('button:has-text("Revoke CRM sync")')]);
    await assert.doesNotReject(page.getByText('CRM sync was revoked').waitFor());
    assert.equal(await token.locator('.badge').textContent(), 'Revoked');
    assert.equal((await asToken()).status, 401);
  });

  test('a forgotten password is set again from the link in the mail', async () => {
    const priya = await person(browser);
    const p = priya.page;
    await p.goto('/sign-in');
    await p.getByRole('link', { name: 'Forgot your password?' }).click();
    await p.fill('#email', 'priya.sharma@example.com');
    await p.click('button:has-text("Send me a link")');
    await assert.doesNotReject(p.getByText(
      'If an account uses that address, a link to set a new password was sent to it.').waitFor());

    const { page } = admin;
    await page.goto('/mail');
    const mail = page.locator('table.list tbody tr', { hasText: 'priya.sharma@example.com' })
      .filter({ hasText: 'password reset' }).first();
    const link = await mail.locator('a[href*="/reset-password/"]').getAttribute('href');
    assert.ok(link.startsWith(`${BASE}/reset-password/`), link);

    await p.goto(link);
    await p.fill('#password', 'priya-second-password');
    await Promise.all([p.waitForURL('**/users'), p.click('button[type=submit]')]);
    await assert.doesNotReject(p.getByText('Your new password is set.').waitFor());
    await priya.context.close();

    const again = await person(browser);
    await signIn(again.page, { email: 'priya.sharma@example.com', password: 'priya-second-password' });
    await again.page.goto(link);
    await assert.doesNotReject(again.page.getByText('This link has already been used').waitFor());
    await again.context.close();
  });
});
