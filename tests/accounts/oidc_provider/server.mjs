// A real OpenID Connect provider for Hemma's sign-in tests (tests/accounts/test_oidc.py):
// panva's certified oidc-provider, standing in for a region's identity provider (the
// national IdP, a regional Keycloak or ADFS) where staff sign in with their SITHS card.
//
//   HEMMA_TEST_OIDC_CONFIG='{"port": 0, ...}' node server.mjs
//
// The configuration (JSON in HEMMA_TEST_OIDC_CONFIG) names the port on 127.0.0.1, the one
// static client Hemma is (its redirect and post-logout URIs on Django's live server), the
// test accounts with their HSA-id claim, and the ID token / session lifetimes in seconds
// (short ones for the expiry tests). The login page is a minimal custom interaction: a
// user name, no password - the card reader of the real provider is out of scope here.
// Consent is implied for this first-party client. Nothing is loaded from the network.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.HEMMA_TEST_OIDC_CONFIG || '{}');
const port = Number(config.port || 0);
const issuer = `http://127.0.0.1:${port}`;
const accounts = config.accounts || {};
const scope = 'openid profile';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    post_logout_redirect_uris: config.post_logout_redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'hsa_id'] },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  // A first-party client: the grant is given without a consent page.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(scope);
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Logga ut från identitetsleverantören',
          `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, logga ut</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Utloggad från identitetsleverantören', '');
      },
    },
  },
  pkce: { required: () => true },
  ttl: {
    IdToken: Number(config.id_token_ttl || 600),
    Session: Number(config.session_ttl || 3600),
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Grant: 3600,
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fel hos identitetsleverantören', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
});

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

function loginForm(uid, error = '') {
  const message = error ? `<p role="alert">${escape(error)}</p>` : '';
  return page('Testleverantör – logga in', `${message}
    <form method="post" action="/interaction/${escape(uid)}/login">
      <label for="login">Testkonto</label> <input id="login" name="login" autofocus>
      <button type="submit">Logga in hos leverantören</button>
    </form>`);
}

// The interaction: GET shows the form, POST finishes the login with the account named.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  if (ctx.method === 'GET' && !match[2]) {
    ctx.body = loginForm(details.uid);
    return undefined;
  }
  if (ctx.method === 'POST' && match[2]) {
    const login = (await formBody(ctx.req)).get('login') || '';
    if (!Object.hasOwn(accounts, login)) {
      ctx.status = 400;
      ctx.body = loginForm(details.uid, 'Okänt testkonto');
      return undefined;
    }
    const returnTo = await provider.interactionResult(
      ctx.req, ctx.res, { login: { accountId: login } }, { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
    return undefined;
  }
  ctx.throw(405);
  return undefined;
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
