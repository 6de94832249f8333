"""Authentication: project API keys (Argon2id), minted per-user JWTs (EdDSA), JWKS."""
