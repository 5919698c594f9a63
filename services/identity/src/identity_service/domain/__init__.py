"""The identity core: users, password rules, verification, claims, login. No transports here."""
