// The OpenID provider of klimat's sign-in tests: oidc-provider (an OpenID
// Certified implementation) on loopback, with one confidential client for
// klimat and a few accounts. Started by tests/integration/sso.rs:
//
//   node provider.mjs PORT REDIRECT_URI
//
// prints `listening on http://127.0.0.1:PORT` when ready. Besides the
// provider's own endpoints it answers, for the tests only:
//
//   GET  /interaction/:uid?account=ID   signs ID in and grants what was asked
//   POST /test/accounts/:id  {"email", "groups"}   adds or changes an account
//   POST /test/mode {"aud"|"iss"|"expired"|"nonce"}  the next ID tokens carry a wrong
//        audience, issuer, expiry or nonce, re-signed with the provider's
//        own key (so only klimat's claim checks can catch them); {} resets
//   POST /test/rotate   a new signing key with a new key id: from now on the
//        provider publishes only it and signs the ID tokens with it
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt } from 'jose';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };

const accounts = new Map([
  ['eva', { email: 'eva@region.se', groups: ['klimat-utvarderare'] }],
  ['lena', { email: 'lena@region.se', groups: ['ledningsgrupp'] }],
  ['karin', { email: 'karin@region.se', groups: ['chefer-social'] }],
  ['nils', { email: 'nils@region.se', groups: ['alla-anstallda'] }],
]);
let mode = {};
// After a rotation: the key the ID tokens are re-signed with, and its public half.
let rotated = null;
let rotations = 0;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'klimat',
    client_secret: 'klimat-test-client-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub', 'groups'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: true, groups: account.groups };
      },
    };
  },
});
provider.proxy = false;

async function body(ctx) {
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

provider.use(async (ctx, next) => {
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (interaction && ctx.method === 'GET') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = ctx.query.account;
    if (!accounts.has(accountId)) {
      ctx.status = 400;
      ctx.body = `unknown account ${accountId}`;
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    return;
  }
  const account = ctx.path.match(/^\/test\/accounts\/([^/]+)$/);
  if (account && ctx.method === 'POST') {
    accounts.set(account[1], await body(ctx));
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/rotate' && ctx.method === 'POST') {
    rotations += 1;
    const pair = await generateKeyPair('RS256', { extractable: true });
    const kid = `rotated-key-${rotations}`;
    rotated = {
      kid,
      privateKey: pair.privateKey,
      jwk: { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', alg: 'RS256' },
    };
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/mode' && ctx.method === 'POST') {
    mode = await body(ctx);
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/jwks' && rotated) {
    ctx.body = { keys: [rotated.jwk] };
  }
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token
      && (Object.keys(mode).length || rotated)) {
    const claims = decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (mode.aud) claims.aud = mode.aud;
    if (mode.iss) claims.iss = mode.iss;
    if (mode.nonce) claims.nonce = mode.nonce;
    if (mode.expired) {
      claims.iat = now - 3600;
      claims.exp = now - 1800;
    }
    ctx.body = {
      ...ctx.body,
      id_token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: rotated ? rotated.kid : jwk.kid })
        .sign(rotated ? rotated.privateKey : privateKey),
    };
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
