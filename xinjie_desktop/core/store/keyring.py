"""The keys of an encrypted store: the data key, wrapped once per account and once for the recovery code (issue 17).

An encrypted store (``core.store.cipher``) is opened with a random 256-bit data key.  The key itself is
never on disk: the sidecar file ``<store>.keys`` (JSON, written atomically by ``safe_file``) holds it

* once per account, sealed to the account's X25519 public key (an ephemeral X25519 key agreed with it,
  HKDF-SHA256, AES-256-GCM); the account's private key is kept beside it encrypted with AES-256-GCM under a
  key derived from the account's password by Argon2id (salt and parameters stored with it).  A password
  change re-encrypts that one private key; an account made at the township, whose public key and
  password-encrypted private key travel with the account record, is given the data key on a laptop by
  whoever is logged in there (``grant``), without anyone knowing its password;
* once for the recovery code (printed at set-up, kept in the township safe): AES-256-GCM under a key derived
  from the code by Argon2id.  The code is 30 characters of an alphabet without look-alikes (148 bits).

Only ``cryptography``'s primitives and ``argon2-cffi``'s Argon2id: nothing hand-made.  The Argon2id parameters
of new wrappings are ``permissions.KDF_PARAMETERS`` (the test suite lowers them; each wrapping keeps its own, so a file
written with other parameters still opens).  A wrong password or code raises ``WrongPassword``; a key file
that is damaged or not one of ours (not JSON, a field missing or of the wrong kind, too large) raises
``KeyringError`` naming what is wrong, before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.store.safe_file import write_atomically
from xinjie_desktop.i18n import _

SUFFIX = ".keys"
FORMAT = "xinjie-desktop keyring"
VERSION = 1
DATA_KEY_SIZE = 32
MAX_SIZE = 1024 * 1024  # a key file of 1,000 accounts is about 1 MB; anything larger is not ours
MAX_ACCOUNTS = 2000
_SEAL_INFO = b"xinjie-desktop data key v1"
_PRIVATE_AAD = b"xinjie-desktop account private key v1"
_RECOVERY_AAD = b"xinjie-desktop recovery v1"
# The recovery code's alphabet: no 0/O, 1/I/L look-alikes (31 characters; 30 of them hold 148 bits).
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_GROUPS, RECOVERY_GROUP_SIZE = 6, 5


# Argon2id's cost, one setting for the accounts' password hashes and the keys derived here
# (``core.rules.permissions``: RFC 9106's second recommendation, 64 MiB, 3 passes, 4 lanes; the test suite lowers
# it).  Read at the time of use.
KdfParameters = permissions.KdfParameters
SHIPPED_KDF_PARAMETERS = permissions.SHIPPED_KDF_PARAMETERS
# What a key file may ask of this computer when it is read (a hostile file must not exhaust it).
_KDF_LIMITS = {"time_cost": (1, 64), "memory_cost": (8, 4 * 1024 * 1024), "parallelism": (1, 64)}


class KeyringError(Exception):
    """A key file that cannot be used (damaged, not ours, missing); ``str()`` is a message for the user.
    Nothing was written."""


class WrongPassword(KeyringError):
    """The password (or recovery code) does not open the data key; nothing was written."""


def keys_path(store_path: Path | str) -> Path:
    """The key file beside the store: ``<store>.keys``."""
    return Path(f"{store_path}{SUFFIX}")


def has_keys(store_path: Path | str) -> bool:
    return keys_path(store_path).exists()


def new_data_key() -> bytes:
    """A random 256-bit data key for a new encrypted store."""
    return secrets.token_bytes(DATA_KEY_SIZE)


# --- the primitives -----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(secret: str, salt: bytes, parameters: KdfParameters) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _encrypt_with_secret(secret: str, plaintext: bytes, aad: bytes) -> dict[str, Any]:
    """``plaintext`` encrypted (AES-256-GCM) under Argon2id(``secret``), with what opens it again."""
    parameters = permissions.KDF_PARAMETERS
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(secret, salt, parameters)
    return {
        "kdf": {"algorithm": "argon2id", "salt": _b64(salt), **asdict(parameters)},
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(key).encrypt(nonce, plaintext, aad)),
    }


def _decrypt_with_secret(secret: str, wrapped: dict[str, Any], aad: bytes) -> bytes:
    kdf = wrapped["kdf"]
    parameters = KdfParameters(kdf["time_cost"], kdf["memory_cost"], kdf["parallelism"])
    key = _derive(secret, base64.b64decode(kdf["salt"]), parameters)
    try:
        return AESGCM(key).decrypt(base64.b64decode(wrapped["nonce"]), base64.b64decode(wrapped["ciphertext"]), aad)
    except InvalidTag:
        raise WrongPassword(_("The password is wrong.")) from None


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _seal_key(ephemeral_public: bytes, recipient_public: bytes, shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + recipient_public, info=_SEAL_INFO).derive(
        shared
    )


def _seal(data_key: bytes, public_key: bytes) -> dict[str, str]:
    """The data key sealed to an X25519 public key (an ephemeral key agreed with it, HKDF-SHA256, AES-GCM)."""
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    key = _seal_key(ephemeral_public, public_key, ephemeral.exchange(recipient))
    nonce = os.urandom(12)
    return {
        "ephemeral_public": _b64(ephemeral_public),
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(key).encrypt(nonce, data_key, ephemeral_public + public_key)),
    }


def _unseal(sealed: dict[str, str], private_key: X25519PrivateKey) -> bytes:
    ephemeral_public = base64.b64decode(sealed["ephemeral_public"])
    public_key = _raw_public(private_key.public_key())
    key = _seal_key(
        ephemeral_public, public_key, private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    )
    try:
        return AESGCM(key).decrypt(
            base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]), ephemeral_public + public_key
        )
    except InvalidTag:
        raise WrongPassword(_("The password is wrong.")) from None


def make_key_pair(password: str) -> tuple[str, str]:
    """A new X25519 key pair for an account: (public key, base64; private key encrypted under the password, JSON
    text).  Both travel with the account record; ``grant`` gives the account the data key with them."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    encrypted = _encrypt_with_secret(password, raw, _PRIVATE_AAD)
    return _b64(_raw_public(private.public_key())), json.dumps(encrypted, sort_keys=True)


def _private_key(encrypted_private_key: dict[str, Any], password: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_decrypt_with_secret(password, encrypted_private_key, _PRIVATE_AAD))


# --- the key file -------------------------------------------------------------------------------------------


def _refuse(path: Path, problem: str) -> KeyringError:
    return KeyringError(
        _("The key file {path} cannot be used: {problem}. Nothing was changed.").format(path=path, problem=problem)
    )


def _check_b64(path: Path, value: Any, field: str, size: int | None = None) -> None:
    if not isinstance(value, str) or len(value) > 4096:
        raise _refuse(path, _("{field} is missing or not text").format(field=field))
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(path, _("{field} is not base64").format(field=field)) from None
    if size is not None and len(raw) != size:
        raise _refuse(path, _("{field} has the wrong length").format(field=field))


def _check_wrapped(path: Path, value: Any, field: str, plaintext_size: int) -> None:
    """An entry of ``_encrypt_with_secret``."""
    if not isinstance(value, dict):
        raise _refuse(path, _("{field} is missing or not an object").format(field=field))
    kdf = value.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("algorithm") != "argon2id":
        raise _refuse(path, _("{field} is missing or not an object").format(field=f"{field}.kdf"))
    _check_b64(path, kdf.get("salt"), f"{field}.kdf.salt")
    if len(base64.b64decode(kdf["salt"])) < 8:
        raise _refuse(path, _("{field} has the wrong length").format(field=f"{field}.kdf.salt"))
    for name, (least, most) in _KDF_LIMITS.items():
        number = kdf.get(name)
        if not isinstance(number, int) or isinstance(number, bool) or not least <= number <= most:
            raise _refuse(path, _("{field} is missing or out of range").format(field=f"{field}.kdf.{name}"))
    if kdf["memory_cost"] < 8 * kdf["parallelism"]:
        raise _refuse(path, _("{field} is missing or out of range").format(field=f"{field}.kdf.memory_cost"))
    _check_b64(path, value.get("nonce"), f"{field}.nonce", 12)
    _check_b64(path, value.get("ciphertext"), f"{field}.ciphertext", plaintext_size + 16)


def _check_sealed(path: Path, value: Any, field: str) -> None:
    if not isinstance(value, dict):
        raise _refuse(path, _("{field} is missing or not an object").format(field=field))
    _check_b64(path, value.get("ephemeral_public"), f"{field}.ephemeral_public", 32)
    _check_b64(path, value.get("nonce"), f"{field}.nonce", 12)
    _check_b64(path, value.get("ciphertext"), f"{field}.ciphertext", DATA_KEY_SIZE + 16)


def _check(path: Path, content: Any) -> dict[str, Any]:
    """``content`` if it is a key file of this application, else ``KeyringError`` naming what is wrong."""
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise _refuse(path, _("it is not a key file of this application"))
    if content.get("version") != VERSION:
        raise _refuse(path, _("it was written by another version of xinjie-desktop"))
    accounts = content.get("accounts")
    if not isinstance(accounts, dict) or len(accounts) > MAX_ACCOUNTS:
        raise _refuse(path, _("{field} is missing or not an object").format(field="accounts"))
    for name, entry in accounts.items():
        field = f"accounts[{json.dumps(name[:40], ensure_ascii=False)}]"
        if not isinstance(entry, dict):
            raise _refuse(path, _("{field} is missing or not an object").format(field=field))
        account_id = entry.get("account_id")
        if not isinstance(account_id, str) or not 0 < len(account_id) <= 64:
            raise _refuse(path, _("{field} is missing or not text").format(field=f"{field}.account_id"))
        _check_b64(path, entry.get("public_key"), f"{field}.public_key", 32)
        private = entry.get("private_key")
        if not isinstance(private, str) or len(private) > 4096:
            raise _refuse(path, _("{field} is missing or not text").format(field=f"{field}.private_key"))
        try:
            parsed = json.loads(private)
        except ValueError:
            raise _refuse(path, _("{field} is not JSON text").format(field=f"{field}.private_key")) from None
        _check_wrapped(path, parsed, f"{field}.private_key", 32)
        _check_sealed(path, entry.get("data_key"), f"{field}.data_key")
    recovery = content.get("recovery")
    if recovery is not None:
        _check_wrapped(path, recovery, "recovery", DATA_KEY_SIZE)
    return content


def _load(store_path: Path | str, *, missing_ok: bool = False) -> dict[str, Any]:
    """The store's key file, checked (its size before it is parsed).  A missing file: an empty keyring if
    ``missing_ok``, else ``KeyringError``."""
    path = keys_path(store_path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SIZE + 1)
    except FileNotFoundError:
        if missing_ok:
            return {"format": FORMAT, "version": VERSION, "accounts": {}}
        raise KeyringError(
            _("The data file {path} has no key file beside it ({keys}).").format(path=store_path, keys=path)
        ) from None
    except OSError as error:
        raise KeyringError(
            _("The key file {path} cannot be read: {error}").format(path=path, error=error.strerror)
        ) from None
    if len(data) > MAX_SIZE:
        raise _refuse(path, _("it is larger than {size} bytes").format(size=MAX_SIZE))
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(path, _("it is not JSON text")) from None
    return _check(path, content)


def _save(store_path: Path | str, content: dict[str, Any]) -> None:
    path = keys_path(store_path)
    data = json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")
    try:
        write_atomically(path, data)
    except OSError as error:
        raise KeyringError(
            _("The key file {path} cannot be written: {error}").format(path=path, error=error.strerror or error)
        ) from None


def _account(content: dict[str, Any], account_name: str) -> dict[str, Any]:
    entry: dict[str, Any] | None = content["accounts"].get(account_name)
    if entry is None:  # the same words as a wrong password: who has an account here is not told
        raise WrongPassword(_("The password is wrong."))
    return entry


def _check_data_key(data_key: bytes) -> None:
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_SIZE:
        raise ValueError(f"a data key has {DATA_KEY_SIZE} bytes")


# --- the API ------------------------------------------------------------------------------------------------


def accounts(store_path: Path | str) -> dict[str, str]:
    """The accounts the key file opens the store for: name → account id."""
    return {name: entry["account_id"] for name, entry in _load(store_path)["accounts"].items()}


def unlock(store_path: Path | str, account_name: str, password: str) -> bytes:
    """The store's data key, opened with ``account_name``'s password (``WrongPassword`` otherwise, also for an
    account the key file does not know)."""
    entry = _account(_load(store_path), account_name)
    private = _private_key(json.loads(entry["private_key"]), password)
    return _unseal(entry["data_key"], private)


def grant(
    store_path: Path | str,
    data_key: bytes,
    account_id: str,
    account_name: str,
    public_key: str,
    encrypted_private_key: str,
) -> None:
    """Give the account ``account_name`` the data key: sealed to its ``public_key`` (base64), kept with its
    ``encrypted_private_key`` (``make_key_pair``'s JSON text; its password opens it).  Replaces the
    account's entry if it has one.  Whoever is logged in can do this without the account's password."""
    _check_data_key(data_key)
    content = _load(store_path, missing_ok=True)
    path = keys_path(store_path)
    entry = {"account_id": account_id, "public_key": public_key, "private_key": encrypted_private_key, "data_key": {}}
    _check_b64(path, public_key, "public_key", 32)
    entry["data_key"] = _seal(data_key, base64.b64decode(public_key))
    content["accounts"][account_name] = entry
    _check(path, content)  # the new entry well formed too, before the file is written
    _save(store_path, content)


def enrol(
    store_path: Path | str, data_key: bytes, account_id: str, account_name: str, password: str
) -> tuple[str, str]:
    """A new key pair for the account, its private key under ``password``, given the data key (``grant``).
    Returns (public key, encrypted private key), for the account record to carry."""
    public_key, encrypted_private_key = make_key_pair(password)
    grant(store_path, data_key, account_id, account_name, public_key, encrypted_private_key)
    return public_key, encrypted_private_key


def change_password(store_path: Path | str, account_name: str, old: str, new: str) -> str:
    """Re-encrypt the account's private key under ``new`` (``WrongPassword`` if ``old`` does not open it).
    The data key stays sealed to the same public key.  Returns the new encrypted private key (JSON text)."""
    content = _load(store_path)
    entry = _account(content, account_name)
    entry["private_key"] = reencrypt_private_key(entry["private_key"], old, new)
    _save(store_path, content)
    return str(entry["private_key"])


def reset(store_path: Path | str, data_key: bytes, account_name: str, new: str) -> tuple[str, str]:
    """An administrator's reset of a forgotten password: a new key pair for the account under ``new``, given the
    data key.  Returns (public key, encrypted private key) for the account record."""
    content = _load(store_path)
    if account_name not in content["accounts"]:
        raise KeyringError(_("The key file has no entry for the account {name}.").format(name=account_name))
    return enrol(store_path, data_key, content["accounts"][account_name]["account_id"], account_name, new)


def remove(store_path: Path | str, account_name: str) -> None:
    """Forget the account's entry (it no longer opens the store)."""
    content = _load(store_path)
    if content["accounts"].pop(account_name, None) is not None:
        _save(store_path, content)


def _new_recovery_code() -> str:
    characters = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_SIZE))
    return "-".join(
        characters[index : index + RECOVERY_GROUP_SIZE] for index in range(0, len(characters), RECOVERY_GROUP_SIZE)
    )


def normalise_recovery_code(code: str) -> str:
    """The code as typed (any case, spaces or hyphens between groups) in its printed form."""
    characters = "".join(c for c in code.upper() if not c.isspace() and c != "-")
    size = RECOVERY_GROUPS * RECOVERY_GROUP_SIZE
    if len(characters) != size or any(c not in RECOVERY_ALPHABET for c in characters):
        raise WrongPassword(_("The recovery code is wrong."))
    return "-".join(characters[index : index + RECOVERY_GROUP_SIZE] for index in range(0, size, RECOVERY_GROUP_SIZE))


def make_recovery(store_path: Path | str, data_key: bytes) -> str:
    """A new recovery code (``XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX``, 148 bits) wrapping the data key, to print;
    the code made before no longer opens the store."""
    _check_data_key(data_key)
    content = _load(store_path, missing_ok=True)
    code = _new_recovery_code()
    content["recovery"] = _encrypt_with_secret(code, data_key, _RECOVERY_AAD)
    _save(store_path, content)
    return code


def unlock_with_recovery(store_path: Path | str, code: str) -> bytes:
    """The data key, opened with the recovery code (``WrongPassword`` otherwise)."""
    content = _load(store_path)
    if content.get("recovery") is None:
        raise WrongPassword(_("The recovery code is wrong."))
    try:
        return _decrypt_with_secret(normalise_recovery_code(code), content["recovery"], _RECOVERY_AAD)
    except WrongPassword:
        raise WrongPassword(_("The recovery code is wrong.")) from None


def entries(store_path: Path | str) -> dict[str, tuple[str, str]]:
    """The accounts the key file opens the store for: name → (public key, encrypted private key), as the
    account records carry them (``core.sync.login.grant_arrived`` compares the two)."""
    return {
        name: (str(entry["public_key"]), str(entry["private_key"]))
        for name, entry in _load(store_path, missing_ok=True)["accounts"].items()
    }


def reencrypt_private_key(encrypted_private_key: str, old: str, new: str) -> str:
    """An account's private key (``make_key_pair``'s JSON text) under ``new`` instead of ``old``
    (``WrongPassword`` if ``old`` does not open it): a password changed on a store not yet encrypted."""
    private = _private_key(json.loads(encrypted_private_key), old)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return json.dumps(_encrypt_with_secret(new, raw, _PRIVATE_AAD), sort_keys=True)
