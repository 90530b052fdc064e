"""Who is calling: identities from credentials (static tokens, TFO API keys, OIDC JWTs), the organization and
scopes they carry, and the rate limits that bound them."""
