// The device authorization grant (RFC 8628) driven by openid-client (a certified RP
// library) for tests/integration/test_device_flow.py.
//   node device.mjs <issuer> <client_id> <scope>
//     → line 1, JSON: the device authorization response (user_code, verification_uri …)
//     → line 2, JSON: the token response's claims the test checks, or the error
import * as client from 'openid-client'

const [issuer, clientId, scope] = process.argv.slice(2)
const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(),
  { execute: [client.allowInsecureRequests] })

try {
  const started = await client.initiateDeviceAuthorization(config, { scope })
  console.log(JSON.stringify({ ...started,
    endpoint: config.serverMetadata().device_authorization_endpoint }))
  const tokens = await client.pollDeviceAuthorizationGrant(config, started)
  console.log(JSON.stringify({ sub: tokens.claims()?.sub, scope: tokens.scope,
    has_access_token: Boolean(tokens.access_token), has_refresh_token: Boolean(tokens.refresh_token) }))
} catch (err) {
  console.log(JSON.stringify({ error: err.error ?? err.code ?? 'failed', message: String(err.message) }))
  process.exitCode = 1
}
