"""The core of the authorization service: clients, codes and the authorize pipeline."""
