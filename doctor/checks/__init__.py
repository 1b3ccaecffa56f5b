"""The check catalog: small checks with stable codes."""
