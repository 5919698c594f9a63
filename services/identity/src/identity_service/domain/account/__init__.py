"""Account flows a person runs on their own (issue 19 part 4): email verification,
password reset by an emailed link, password change, self-registration.

Every link carries a single-use token of 256 random bits that is stored only as a keyed
hash (tokens.py; OWASP Forgot Password Cheat Sheet, "URL tokens"), bound to its purpose,
its user and, for verification, the address it was sent to. Mail leaves through the
Postbox port (ports.py); sending is limited per client address and per account
(mail_limit.py).
"""
