// Real phones as the dashboard shows them: once the account has a SIP domain and the SIP
// proxy has reported a registration, Test call says how a call reaches each ringing
// member now — their SIP phone, or their mobile through the carrier. Runs after
// dashboard.test.js, whose first story gives the owner a password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BASE, OWNER, api, launch, person, shot, signIn } from '../lib.js';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Calls the REST API with the SIP proxy's token. */
async function proxy(token, method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? null : res.json();
}

describe('phones', () => {
  test('Test call says how the call reaches each ringing member on the real system', async () => {
    await api('PUT', '/account/sip-domain', { sip_domain: 'acme.sip.example.com' });
    const { user: ravi } = await api('POST', '/users', { name: 'Ravi Kumar', mobile: '+919876500401', extension: '401' });
    const { user: meera } = await api('POST', '/users', { name: 'Meera Iyer', mobile: '+919876500402', extension: '402' });
    const creds = await api('POST', `/users/${ravi.id}/sip-credentials`);
    assert.equal(creds.username, '401');
    const token = await api('POST', '/api-tokens', { name: 'Kamailio', scopes: ['sip:proxy'] });
    await proxy(token.secret, 'POST', '/sip/registrations', {
      username: '401', domain: 'acme.sip.example.com', contact: 'sip:401@192.0.2.55:5060', expires: 3600,
    });
    const dept = await api('POST', '/departments', {
      name: 'Phone support', routing_method: 'ring_all', members: [ravi.id, meera.id],
    });
    await api('POST', '/numbers', {
      number: '+14155550100', owner_id: ravi.id, destination: { type: 'department', id: dept.id },
    });
    const route = await proxy(token.secret, 'GET', '/sip/route?to=%2B14155550100&carrier=sip:198.51.100.10:5060');
    assert.equal(route.routing, 'parallel');
    assert.deepEqual(route.routes.map((r) => r.via), ['phone', 'mobile']);

    const { page, errors } = await person(browser);
    await signIn(page, OWNER);
    await page.locator('nav.side').getByRole('link', { name: 'Test call' }).click();
    await page.selectOption('#t-dep', { label: 'Phone support' });
    await page.getByRole('button', { name: 'Test call' }).click();
    const plan = page.getByRole('region', { name: 'Ring plan' });
    await assert.doesNotReject(plan.getByRole('heading', { name: 'On the real system' }).waitFor());
    const rows = await plan.locator('table.list').first().locator('tbody tr').allTextContents();
    assert.ok(rows.some((t) => /Ravi Kumar/.test(t) && /rings their SIP phone/.test(t)), rows.join(' | '));
    assert.ok(rows.some((t) => /Meera Iyer/.test(t) && /rings their mobile \+919876500402 through the carrier/.test(t)),
      rows.join(' | '));
    await shot(page, 'test-call-real-system');
    assert.deepEqual(errors, []);
  });
});
