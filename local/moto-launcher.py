"""Runs moto_server on a Unix socket, signing user-pool tokens with the local stack's own key.

moto signs every user pool's tokens with a private key it ships in its package (public on the
internet), so anyone could mint tokens the local stack would accept. Before moto's server starts,
this replaces that key (and the public JWKS moto serves) with the key the stack generated.

It also ends when the process that started it dies, however that happens (even SIGKILL): it runs
in its own process group, so no terminal signal reaches it, and nobody else would stop it.

Usage: python3 moto-launcher.py <socket path> <key file> <parent pid>
The key file is JSON: {"kid": ..., "private": <private JWK>, "public": <JWKS>}.
"""

import json
import os
import shutil
import signal
import sys
import threading
import time

NOT_INSTALLED = 127
PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 0.25


def end_with_parent(parent_pid: int, socket_dir: str) -> None:
    """Exits (removing the socket directory) on SIGTERM or as soon as `parent_pid` is gone."""

    def stop(*_args) -> None:  # type: ignore[no-untyped-def]
        shutil.rmtree(socket_dir, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        # Linux: the kernel sends SIGTERM the moment the parent exits.
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass

    # Everywhere (and for a parent that died before prctl ran): an orphan gets a new parent.
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        stop()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> None:
    socket_path, key_file, parent_pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    end_with_parent(parent_pid, os.path.dirname(socket_path))
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
