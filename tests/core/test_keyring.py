"""The keys of an encrypted store (issue 17, "encrypted at rest"): the data key wrapped once per account and once
for the recovery code in ``<store>.keys`` (core.store.keyring)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.store import keyring


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "store.sqlite"


@pytest.fixture
def data_key():
    return keyring.new_data_key()


def test_the_shipped_key_derivation_is_strong():
    """Issue 17: Argon2id at 64 MiB or more and 3 passes or more, as the program ships (read in a process of its
    own: the test suite lowers the parameters for speed)."""
    code = (
        "from xinjie_desktop.core.rules import permissions; p = permissions.KDF_PARAMETERS; "
        "print(p.memory_cost, p.time_cost, p.parallelism)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    memory, time_cost, lanes = map(int, found)
    assert memory >= 64 * 1024 and time_cost >= 3 and lanes >= 1
    assert keyring.SHIPPED_KDF_PARAMETERS == keyring.KdfParameters(time_cost, memory, lanes)


def test_each_account_unlocks_the_same_data_key_with_its_own_password(store_path, data_key):
    """Issue 17: the data key wrapped once per account: several people use one laptop."""
    keyring.enrol(store_path, data_key, "id-admin", "admin", "correct horse")
    keyring.enrol(store_path, data_key, "id-li", "li", "另一个口令")
    assert keyring.unlock(store_path, "admin", "correct horse") == data_key
    assert keyring.unlock(store_path, "li", "另一个口令") == data_key
    assert keyring.accounts(store_path) == {"admin": "id-admin", "li": "id-li"}
    text = keyring.keys_path(store_path).read_bytes()
    assert data_key.hex().encode() not in text and base64.b64encode(data_key) not in text
    assert b"correct horse" not in text


def test_a_wrong_password_or_unknown_account_raises_and_changes_nothing(store_path, data_key):
    keyring.enrol(store_path, data_key, "id-admin", "admin", "right")
    before = keyring.keys_path(store_path).read_bytes()
    for name, password in (("admin", "wrong"), ("admin", ""), ("nobody", "right")):
        with pytest.raises(keyring.WrongPassword):
            keyring.unlock(store_path, name, password)
    with pytest.raises(keyring.WrongPassword):
        keyring.change_password(store_path, "admin", "wrong", "new")
    assert keyring.keys_path(store_path).read_bytes() == before


def test_a_password_change_re_encrypts_one_private_key(store_path, data_key):
    """Issue 17: a password change re-wraps one key; the data key and the other accounts stay."""
    keyring.enrol(store_path, data_key, "id-admin", "admin", "old")
    keyring.enrol(store_path, data_key, "id-li", "li", "li's")
    entries = json.loads(keyring.keys_path(store_path).read_text())["accounts"]
    new_private = keyring.change_password(store_path, "admin", "old", "new")
    after = json.loads(keyring.keys_path(store_path).read_text())["accounts"]
    assert after["li"] == entries["li"]
    assert after["admin"]["data_key"] == entries["admin"]["data_key"]  # not re-sealed
    assert after["admin"]["private_key"] == new_private != entries["admin"]["private_key"]
    assert keyring.unlock(store_path, "admin", "new") == data_key
    with pytest.raises(keyring.WrongPassword):
        keyring.unlock(store_path, "admin", "old")


def test_an_account_made_elsewhere_is_granted_the_key_without_its_password(store_path, data_key):
    """Issue 17: an account made at the township travels with its public key and password-encrypted private key;
    whoever is logged in on the laptop gives it the data key."""
    public_key, encrypted_private_key = keyring.make_key_pair("made at the township")
    keyring.enrol(store_path, data_key, "id-admin", "admin", "admin's")
    key = keyring.unlock(store_path, "admin", "admin's")
    keyring.grant(store_path, key, "id-wang", "wang", public_key, encrypted_private_key)
    assert keyring.unlock(store_path, "wang", "made at the township") == data_key


def test_reset_gives_a_new_password_without_the_old_one(store_path, data_key):
    keyring.enrol(store_path, data_key, "id-li", "li", "forgotten")
    public_key, _private = keyring.reset(store_path, data_key, "li", "new one")
    assert keyring.unlock(store_path, "li", "new one") == data_key
    assert json.loads(keyring.keys_path(store_path).read_text())["accounts"]["li"]["public_key"] == public_key
    with pytest.raises(keyring.WrongPassword):
        keyring.unlock(store_path, "li", "forgotten")
    with pytest.raises(keyring.KeyringError):
        keyring.reset(store_path, data_key, "nobody", "x")


def test_the_recovery_code_opens_the_store_when_every_password_is_lost(store_path, data_key):
    """Issue 17: a printed recovery code, made at set-up, opens a store whose administrator passwords are lost."""
    keyring.enrol(store_path, data_key, "id-admin", "admin", "lost")
    code = keyring.make_recovery(store_path, data_key)
    groups = code.split("-")
    assert [len(group) for group in groups] == [5] * 6
    assert set("".join(groups)) <= set(keyring.RECOVERY_ALPHABET)
    assert not set("01OIL") & set(keyring.RECOVERY_ALPHABET)
    bits = 30 * __import__("math").log2(len(keyring.RECOVERY_ALPHABET))
    assert bits >= 128
    assert keyring.unlock_with_recovery(store_path, code) == data_key
    typed = " ".join(groups).lower()  # typed in lower case, spaces between the groups
    assert keyring.unlock_with_recovery(store_path, typed) == data_key
    assert code.encode() not in keyring.keys_path(store_path).read_bytes()
    before = keyring.keys_path(store_path).read_bytes()
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    for attempt in (wrong, "", code[:-1], "not a code at all"):
        with pytest.raises(keyring.WrongPassword):
            keyring.unlock_with_recovery(store_path, attempt)
    assert keyring.keys_path(store_path).read_bytes() == before
    newer = keyring.make_recovery(store_path, data_key)
    with pytest.raises(keyring.WrongPassword):
        keyring.unlock_with_recovery(store_path, code)
    assert keyring.unlock_with_recovery(store_path, newer) == data_key


def test_each_wrapping_keeps_its_own_parameters(store_path, data_key, monkeypatch):
    """A key file written with other Argon2id parameters (stronger ones later) still opens."""
    keyring.enrol(store_path, data_key, "id-admin", "admin", "pw")
    monkeypatch.setattr(
        permissions, "KDF_PARAMETERS", permissions.KdfParameters(time_cost=2, memory_cost=16 * 1024, parallelism=2)
    )
    keyring.enrol(store_path, data_key, "id-li", "li", "pw2")
    entries = json.loads(keyring.keys_path(store_path).read_text())["accounts"]
    kdfs = {name: json.loads(entry["private_key"])["kdf"] for name, entry in entries.items()}
    assert (kdfs["admin"]["time_cost"], kdfs["li"]["time_cost"]) == (1, 2)
    assert kdfs["admin"]["salt"] != kdfs["li"]["salt"]
    assert keyring.unlock(store_path, "admin", "pw") == keyring.unlock(store_path, "li", "pw2") == data_key


def _tampered(content: dict, change) -> dict:
    content = json.loads(json.dumps(content))
    change(content)
    return content


def _set_private_field(field, value):
    def change(content):
        private = json.loads(content["accounts"]["admin"]["private_key"])
        private["kdf"][field] = value
        content["accounts"]["admin"]["private_key"] = json.dumps(private)

    return change


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c.update(format="something else"), "not a key file of this application"),
        (lambda c: c.update(version=99), "another version"),
        (lambda c: c.update(accounts=[]), "accounts is missing or not an object"),
        (lambda c: c["accounts"].update(admin="text"), 'accounts["admin"] is missing or not an object'),
        (lambda c: c["accounts"]["admin"].update(public_key=5), 'accounts["admin"].public_key is missing or not text'),
        (lambda c: c["accounts"]["admin"].update(public_key="%%%"), 'accounts["admin"].public_key is not base64'),
        (
            lambda c: c["accounts"]["admin"].update(public_key="AAAA"),
            'accounts["admin"].public_key has the wrong length',
        ),
        (lambda c: c["accounts"]["admin"].update(private_key="{"), 'accounts["admin"].private_key is not JSON text'),
        (lambda c: c["accounts"]["admin"]["data_key"].pop("nonce"), 'accounts["admin"].data_key.nonce is missing'),
        (
            _set_private_field("memory_cost", 2**40),
            'accounts["admin"].private_key.kdf.memory_cost is missing or out of range',
        ),
        (
            _set_private_field("time_cost", "3"),
            'accounts["admin"].private_key.kdf.time_cost is missing or out of range',
        ),
        (lambda c: c.update(recovery={"kdf": {}}), "recovery.kdf is missing"),
    ],
)
def test_a_damaged_or_hostile_key_file_is_refused_naming_what_is_wrong(store_path, data_key, change, named):
    """Issue 17: a key file that is not ours is refused with what is wrong, before anything is written."""
    keyring.enrol(store_path, data_key, "id-admin", "admin", "pw")
    path = keyring.keys_path(store_path)
    path.write_text(json.dumps(_tampered(json.loads(path.read_text()), change)))
    before = path.read_bytes()
    for attempt in (
        lambda: keyring.unlock(store_path, "admin", "pw"),
        lambda: keyring.enrol(store_path, data_key, "id-li", "li", "x"),
        lambda: keyring.make_recovery(store_path, data_key),
        lambda: keyring.change_password(store_path, "admin", "pw", "new"),
    ):
        with pytest.raises(keyring.KeyringError) as refused:
            attempt()
        assert not isinstance(refused.value, keyring.WrongPassword)
        assert named in str(refused.value) and "Nothing was changed" in str(refused.value)
        assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.sqlite.keys"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"not json", "not JSON text"),
        (b"\xff\xfe", "not JSON text"),
        (b"[" * 100_000, "not JSON text"),
        (b" " * (keyring.MAX_SIZE + 1), "larger than"),
        (b"[]", "not a key file"),
    ],
)
def test_a_key_file_that_is_not_json_or_too_large_is_refused(store_path, data_key, content, named):
    path = keyring.keys_path(store_path)
    path.write_bytes(content)
    with pytest.raises(keyring.KeyringError) as refused:
        keyring.enrol(store_path, data_key, "id-admin", "admin", "pw")
    assert named in str(refused.value)
    assert path.read_bytes() == content


def test_no_key_file_is_said_in_words(store_path):
    with pytest.raises(keyring.KeyringError, match="no key file"):
        keyring.unlock(store_path, "admin", "pw")
    with pytest.raises(keyring.KeyringError, match="no key file"):
        keyring.unlock_with_recovery(store_path, "x")
