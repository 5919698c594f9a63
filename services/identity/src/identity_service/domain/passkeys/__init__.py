"""Passkeys: WebAuthn public-key credentials (W3C Web Authentication Level 3) as a second
factor after the password and as passwordless sign-in.

- `model.py`: the stored credential, its name rules and the `amr` a use of it earns;
- `relying_party.py`: the RP ID, the accepted origins, the user handle;
- `challenges.py`: single-use, short-lived challenges bound to a ceremony and a browser;
- `registration.py`: register a passkey on the account page (attestation "none");
- `assertion.py`: check an assertion (signature, origin, challenge, counter, flags);
- `passwordless.py`, `second_factor.py`: what a checked assertion signs in;
- `manage.py`: list, rename, remove.
"""
