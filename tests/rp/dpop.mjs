// DPoP (RFC 9449) driven by openid-client (a certified RP library) for
// tests/integration/test_dpop.py: a public client with one DPoP key exchanges the code,
// reads userinfo, refreshes and reads userinfo again; the library answers use_dpop_nonce
// by itself.
//   node dpop.mjs <issuer> <client_id> <callback_url> <pkce_verifier> <state>
//     → JSON: the public JWK, both token responses' token_type and tokens, both userinfo subs
import * as client from 'openid-client'

const [issuer, clientId, callback, verifier, state] = process.argv.slice(2)

try {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(),
    { execute: [client.allowInsecureRequests] })
  const keyPair = await client.randomDPoPKeyPair('ES256')
  const DPoP = client.getDPoPHandle(config, keyPair)
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keyPair.publicKey)

  const tokens = await client.authorizationCodeGrant(config, new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP })
  const sub = tokens.claims().sub
  const info = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP })
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
  const again = await client.fetchUserInfo(config, refreshed.access_token, sub, { DPoP })

  console.log(JSON.stringify({
    jwk: { kty, crv, x, y },
    algs: config.serverMetadata().dpop_signing_alg_values_supported,
    sub,
    token_type: tokens.token_type, access_token: tokens.access_token,
    refreshed_token_type: refreshed.token_type, refreshed_access_token: refreshed.access_token,
    refresh_token: refreshed.refresh_token,
    userinfo_sub: info.sub, refreshed_userinfo_sub: again.sub,
  }))
} catch (err) {
  console.log(JSON.stringify({ error: err.error ?? err.code ?? 'failed', message: String(err.message),
                               status: err.status ?? err.cause?.status }))
  process.exitCode = 1
}
