"""Runs moto_server on a Unix socket, signing user-pool tokens with the local stack's own key.

moto signs every user pool's tokens with a private key it ships in its package (public on the
internet), so anyone could mint tokens the local stack would accept. Before moto's server starts,
this replaces that key (and the public JWKS moto serves) with the key the stack generated.

Usage: python3 moto-launcher.py <socket path> <key file>
The key file is JSON: {"kid": ..., "private": <private JWK>, "public": <JWKS>}.
"""

import json
import sys

NOT_INSTALLED = 127


def main() -> None:
    socket_path, key_file = sys.argv[1], sys.argv[2]
    try:
        import moto.cognitoidp.models as models
        import moto.cognitoidp.responses as responses
        from moto.server import main as moto_main
    except ImportError as error:
        print(f"moto is not installed for {sys.executable}: {error}", file=sys.stderr)
        sys.exit(NOT_INSTALLED)

    with open(key_file, encoding="utf-8") as file:
        keys = json.load(file)
    kid, private_jwk, public_jwks = keys["kid"], keys["private"], keys["public"]

    # Fail loudly if moto moved its key loading: running with moto's public key is the bug this
    # launcher exists to prevent.
    if not hasattr(models, "load_resource") or not hasattr(models, "jwt"):
        sys.exit("moto-launcher: moto.cognitoidp.models no longer loads its key as expected")
    if not hasattr(responses.CognitoIdpJsonWebKeyResponse, "json_web_key"):
        sys.exit("moto-launcher: moto.cognitoidp.responses no longer serves its JWKS as expected")

    original_load_resource = models.load_resource

    def load_resource(package, resource):  # type: ignore[no-untyped-def]
        if resource == "resources/jwks-private.json":
            return private_jwk
        return original_load_resource(package, resource)

    models.load_resource = load_resource
    responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(public_jwks).encode("utf-8")

    # moto names its key "dummy" in every token header; ours carries its own key ID.
    joserfc_jwt = models.jwt

    class _Jwt:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(joserfc_jwt, name)

        @staticmethod
        def encode(header, claims, key, *args, **kwargs):  # type: ignore[no-untyped-def]
            return joserfc_jwt.encode({**header, "kid": kid}, claims, key, *args, **kwargs)

    models.jwt = _Jwt()

    moto_main(["-H", f"unix://{socket_path}"])


if __name__ == "__main__":
    main()
