// Dynamic client registration (RFC 7591) and a code flow with the registered client, driven
// by openid-client (a certified RP library) for tests/integration/test_dynamic_registration.py.
//   node dcr.mjs register <issuer> <initial_access_token> <redirect_uri>
//     → JSON: the registered client's metadata, and an authorization URL (PKCE, state)
//   node dcr.mjs exchange <issuer> <client_id> <client_secret> <callback_url> <verifier> <state>
//     → JSON: the token response's claims the test checks
import * as client from 'openid-client'

const [mode, issuer, ...args] = process.argv.slice(2)
const insecure = { execute: [client.allowInsecureRequests] }

async function register([initialAccessToken, redirectUri]) {
  const config = await client.dynamicClientRegistration(new URL(issuer), {
    redirect_uris: [redirectUri], client_name: 'openid-client DCR', scope: 'openid profile',
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }, undefined, { ...insecure, initialAccessToken })
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  return { metadata: config.clientMetadata(), authorization_url: url.href, verifier, state,
           registration_endpoint: config.serverMetadata().registration_endpoint }
}

async function exchange([clientId, clientSecret, callback, verifier, state]) {
  const config = await client.discovery(new URL(issuer), clientId, clientSecret,
    client.ClientSecretPost(clientSecret), insecure)
  const tokens = await client.authorizationCodeGrant(config, new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state })
  return { sub: tokens.claims()?.sub, aud: tokens.claims()?.aud, scope: tokens.scope,
           has_access_token: Boolean(tokens.access_token) }
}

try {
  const out = mode === 'register' ? await register(args) : await exchange(args)
  console.log(JSON.stringify(out))
} catch (err) {
  console.log(JSON.stringify({ error: err.error ?? err.code ?? 'failed', message: String(err.message),
                               status: err.status ?? err.cause?.status }))
  process.exitCode = 1
}
