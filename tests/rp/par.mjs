// Pushed authorization requests (RFC 9126) driven by openid-client (a certified RP library)
// for tests/integration/test_par.py.
//   node par.mjs push <issuer> <client_id> <client_secret> <redirect_uri>
//     → JSON: the authorization URL (client_id and request_uri only), PKCE verifier, state
//   node par.mjs exchange <issuer> <client_id> <client_secret> <callback_url> <verifier> <state>
//     → JSON: the token response's claims the test checks
import * as client from 'openid-client'

const [mode, issuer, clientId, clientSecret, ...args] = process.argv.slice(2)
const insecure = { execute: [client.allowInsecureRequests] }
const config = await client.discovery(new URL(issuer), clientId, clientSecret,
  client.ClientSecretBasic(clientSecret), insecure)

async function push([redirectUri]) {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri, scope: 'openid profile', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  return { authorization_url: url.href, verifier, state,
           par_endpoint: config.serverMetadata().pushed_authorization_request_endpoint }
}

async function exchange([callback, verifier, state]) {
  const tokens = await client.authorizationCodeGrant(config, new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state })
  return { sub: tokens.claims()?.sub, aud: tokens.claims()?.aud, scope: tokens.scope,
           has_access_token: Boolean(tokens.access_token) }
}

try {
  const out = mode === 'push' ? await push(args) : await exchange(args)
  console.log(JSON.stringify(out))
} catch (err) {
  console.log(JSON.stringify({ error: err.error ?? err.code ?? 'failed', message: String(err.message),
                               status: err.status ?? err.cause?.status }))
  process.exitCode = 1
}
