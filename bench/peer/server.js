// node-oidc-provider v9 configured like authgate, the peer of `make bench` (bench/run.py).
// RS256 JWT access tokens for a resource server (RFC 8707 resource indicators, RFC 9068),
// introspection (RFC 7662) on, confidential clients with client_secret_basic, refresh
// tokens rotated on every use, and an interaction that signs the bench user in and grants
// what is asked at once (no password hash, no consent page), so the benchmark measures
// authorize + token with an existing session, as it does on authgate.
// The storage is oidc-provider's in-memory development adapter (its default) or, with
// PEER_REDIS_URL set, Redis (redis_adapter.js) under the key prefix PEER_REDIS_PREFIX.
import * as crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { redisAdapter } from './redis_adapter.js';

const port = Number(process.env.PEER_PORT || 3000);
const issuer = `http://127.0.0.1:${port}`;
const secret = process.env.PEER_CLIENT_SECRET;
if (!secret) throw new Error('PEER_CLIENT_SECRET is not set (bench/oidc_provider.py makes one per run)');
const resource = 'urn:authgate:bench';
const redirect = 'https://app.example/peer/cb';

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'bench-rs256' };

const client = (clientId) => ({
  client_id: clientId,
  client_secret: secret,
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [redirect],
  scope: 'openid profile email offline_access read write',
});

const redisUrl = process.env.PEER_REDIS_URL;
const adapter = redisUrl ? { adapter: redisAdapter(redisUrl, process.env.PEER_REDIS_PREFIX || 'peer:') } : {};

const provider = new Provider(issuer, {
  ...adapter,
  clients: [client('bench'), client('bench-opaque')],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'email', 'offline_access', 'read', 'write'],
  rotateRefreshToken: true,
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, email: 'bench@example.com' }; } };
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // "bench" gets JWT access tokens like authgate's; "bench-opaque" gets opaque ones,
      // because oidc-provider refuses to introspect a JWT (reject_structured_tokens.js).
      defaultResource: (ctx, c) => (c && c.clientId === 'bench' ? resource : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'read write',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});

// The interaction: sign the bench user in and grant every scope asked for.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { params, grantId, prompt } = details;
  const grant = grantId ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: 'bench-user', clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(params.scope);
  const missing = (prompt.details && prompt.details.missingResourceScopes) || {};
  for (const [indicator, scopes] of Object.entries(missing)) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const result = { login: { accountId: 'bench-user' }, consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ${issuer} ready (${redisUrl ? 'Redis' : 'in-memory'} adapter)\n`);
});
