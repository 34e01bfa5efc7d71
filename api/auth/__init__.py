"""Who is asking: the API as an OAuth2 resource server.

``principal`` names the caller, ``keys`` finds the keys that sign tokens (an
OIDC provider's JWKS, or the dev key), ``tokens`` verifies a bearer token into
a ``Principal``, ``guard`` refuses a request before its body is read, and
``personal_data`` decides what of a customer's details a caller may see.
"""
