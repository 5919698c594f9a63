"""The core of the token service: keys, JWT minting and validation, the token endpoint."""
