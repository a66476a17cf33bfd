// A real OpenID Connect provider for Switchboard's integration tests: panva's certified
// oidc-provider, on a loopback port, with its development login and consent pages.
//
//   OIDC_TEST_CONFIG='{"client_id":"…","client_secret":"…","redirect_uris":["…"],
//                      "post_logout_redirect_uris":["…"]}' node e2e/oidc/provider.mjs
//
// Prints one line, {"issuer":"http://127.0.0.1:PORT"}, then serves until killed or until
// its stdin closes (so a test process that dies never leaves it behind). Any login name
// signs in with any password. Test controls, on the same port:
//   POST /__test/rotate                 new signing key (new kid); the old one is gone
//   POST /__test/tamper {"mode":"…"}    rewrites the id_token of the next token response
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '');

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

// Claims are derived from the login name (the account id) alone, so a test knows them in
// advance. oidc-provider makes `sub` the account id itself; to make it opaque and unlike
// the email, as at a real provider, the client gets "pairwise" subjects computed here.
const subFor = (id) => `sub-${sha256(id).slice(0, 20)}`;

function claimsFor(id) {
  const local = id.split('@')[0];
  const h = sha256(`oid:${id}`).slice(0, 32);
  return {
    email: id,
    email_verified: !local.startsWith('unverified'),
    name: local,
    preferred_username: id,
    // Entra's object id: a UUID naming the person in the directory.
    oid: h.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
  };
}

// A signing key kept as both a CryptoKey (to re-sign tampered tokens) and a private JWK
// (the form oidc-provider takes).
async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { privateKey, jwk };
}

const b64json = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sign = (payload, { privateKey, jwk }) => new SignJWT(payload)
  .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
  .sign(privateKey);

// How each mode rewrites a signed ID token, given its payload and the current key.
const tampers = {
  alg_none: (token, payload) => `${b64json({ alg: 'none' })}.${token.split('.')[1]}.`,
  unknown_key: async (token, payload) => sign(payload, await newKey()),
  wrong_issuer: (token, payload, key) => sign({ ...payload, iss: 'http://127.0.0.1:1/other' }, key),
  wrong_audience: (token, payload, key) => sign({ ...payload, aud: 'another-client' }, key),
  expired: (token, payload, key) => {
    const now = Math.floor(Date.now() / 1000);
    return sign({ ...payload, iat: now - 7200, exp: now - 3600 }, key);
  },
  no_nonce: (token, { nonce, ...payload }, key) => sign(payload, key),
  other_nonce: (token, payload, key) => sign({ ...payload, nonce: 'n-not-sent' }, key),
  // The left half of a SHA-256 is 16 bytes, 22 base64url characters: the right length,
  // for no access token.
  bad_at_hash: (token, payload, key) => sign({ ...payload, at_hash: 'A'.repeat(22) }, key),
  // The original signature over a changed payload.
  bad_signature: (token, payload) => {
    const [header, , signature] = token.split('.');
    return `${header}.${b64json({ ...payload, email: 'mallory@example.com' })}.${signature}`;
  },
};
let tamper = 'none';

const server = http.createServer();
// Listen first: the issuer must name the port.
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

function newProvider(key) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: settings.client_id,
      client_secret: settings.client_secret,
      redirect_uris: settings.redirect_uris,
      post_logout_redirect_uris: settings.post_logout_redirect_uris,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      subject_type: 'pairwise',
    }],
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: (ctx, accountId) => subFor(accountId),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'oid'],
    },
    // Put the scopes' claims in the ID token too, as Entra and most providers do.
    conformIdTokenClaims: false,
    jwks: { keys: [key.jwk] },
    cookies: { keys: ['switchboard-test-cookie-key-1', 'switchboard-test-cookie-key-2'] },
    findAccount: (ctx, id) => ({ accountId: id, claims: () => claimsFor(id) }),
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body;
    if (ctx.path !== '/token' || tamper === 'none' || typeof body?.id_token !== 'string') return;
    const mode = tamper;
    tamper = 'none';
    const payload = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url'));
    body.id_token = await tampers[mode](body.id_token, payload, key);
  });
  return { provider, handle: provider.callback() };
}

let current = newProvider(await newKey());

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

// Test controls come before the provider; the server listens on loopback only.
async function control(req, res) {
  if (req.method === 'POST' && req.url === '/__test/rotate') {
    // A new instance with only the new key: the old key leaves the JWKS at once.
    current = newProvider(await newKey());
  } else if (req.method === 'POST' && req.url === '/__test/tamper') {
    const { mode } = await readJson(req);
    if (mode !== 'none' && !(mode in tampers)) {
      res.writeHead(400).end(`unknown tamper mode ${JSON.stringify(mode)}\n`);
      return;
    }
    tamper = mode;
  } else {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(204).end();
}

server.on('request', (req, res) => {
  if (req.url.startsWith('/__test/')) {
    control(req, res).catch((err) => {
      console.error(err);
      res.writeHead(500).end(`${err}\n`);
    });
  } else {
    current.handle(req, res);
  }
});

process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
