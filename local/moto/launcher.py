"""Runs moto_server on a Unix socket, signing user-pool tokens with the local stack's own key.

moto signs every user pool's tokens with a private key it ships in its package (public on the
internet), so anyone could mint tokens the local stack would accept. Before moto's server starts,
this replaces that key (and the public JWKS moto serves) with the key the stack generated.

It also ends when the process that started it dies, however that happens (even SIGKILL): it runs
in its own process group, so no terminal signal reaches it, and nobody else would stop it.

And it makes DynamoDB transactions cost what they touch: moto deep-copies a whole table for every
item of a TransactWriteItems, to roll back, which on a ledger of thousands of items makes each
storage event take a good part of a second.

Those patches reach into moto's private internals, so it runs only the moto version pinned in
version.txt (beside this file), and says which to install otherwise.

Usage: python3 launcher.py <socket path> <key file> <parent pid>
       python3 launcher.py --check-version  (the version check alone, for .ci/run)
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
WRONG_VERSION = 3
VERSION_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "version.txt")
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


def require_pinned_version(installed: str) -> None:
    """Exits with WRONG_VERSION, naming both versions and the install command, unless they match."""
    with open(VERSION_FILE, encoding="utf-8") as file:
        required = file.read().strip()
    if installed != required:
        print(
            f"moto {installed} is installed for {sys.executable}, but the local stack needs moto {required}"
            f' (it patches moto\'s internals): install it with `pip install "moto[server]=={required}"`',
            file=sys.stderr,
        )
        sys.exit(WRONG_VERSION)


def import_pinned_moto() -> None:
    """Imports moto, exiting with NOT_INSTALLED if there is none and WRONG_VERSION if it is another."""
    try:
        import moto
    except ImportError as error:
        print(f"moto is not installed for {sys.executable}: {error}", file=sys.stderr)
        sys.exit(NOT_INSTALLED)
    require_pinned_version(getattr(moto, "__version__", "(unknown version)"))


def cheap_transactions() -> None:
    """Rolls a failed TransactWriteItems back from copies of the items it names, not of the tables.

    Same outcome as moto's own rollback: every item the transaction names is put back as it was.
    The local DynamoDB front door sends moto one request at a time, so nothing interleaves.
    """
    import copy

    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend = dynamodb_models.DynamoDBBackend
    if not hasattr(backend, "transact_write_items") or getattr(dynamodb_models, "copy", None) is not copy:
        sys.exit("moto launcher: moto.dynamodb no longer rolls transactions back as expected")
    original = backend.transact_write_items

    class _TablesByReference:
        """`copy` inside moto.dynamodb.models: tables are kept by reference (restored below)."""

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):  # type: ignore[no-untyped-def]
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    dynamodb_models.copy = _TablesByReference()

    def transact_write_items(self, transact_items):  # type: ignore[no-untyped-def]
        saved = []
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                key = op["Item"] if "Item" in op else op["Key"]
                hash_key = DynamoType(key[table.hash_key_attr])
                range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                before = table.get_item(hash_key, range_key)
            except Exception:  # noqa: BLE001 - moto reports a malformed entry itself
                continue
            saved.append((table, hash_key, range_key, copy.deepcopy(before)))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(saved):
                table.delete_item(hash_key, range_key)
                if before is None:
                    continue
                if range_key is None:
                    table.items[hash_key] = before
                else:
                    table.items[hash_key][range_key] = before
            raise

    backend.transact_write_items = transact_write_items


def main() -> None:
    if sys.argv[1:] == ["--check-version"]:
        import_pinned_moto()
        return
    socket_path, key_file, parent_pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    end_with_parent(parent_pid, os.path.dirname(socket_path))
    # Before anything of moto's is patched: another version may have moved what is patched.
    import_pinned_moto()
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
        sys.exit("moto launcher: moto.cognitoidp.models no longer loads its key as expected")
    if not hasattr(responses.CognitoIdpJsonWebKeyResponse, "json_web_key"):
        sys.exit("moto launcher: moto.cognitoidp.responses no longer serves its JWKS as expected")

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

    cheap_transactions()
    moto_main(["-H", f"unix://{socket_path}"])


if __name__ == "__main__":
    main()
