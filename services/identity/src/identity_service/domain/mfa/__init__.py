"""Second factors (issue 19): TOTP (RFC 6238), recovery codes, the pending sign-in between
the password and the second factor, and step-up of a live session."""
