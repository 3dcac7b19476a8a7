"""Password hashes, API tokens, session cookies and the production start-up check."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from restock.settings import ServingSettings
from serving.security import (
    DEFAULT_SCRYPT,
    ScryptParams,
    check_password_rules,
    hash_password,
    hash_token,
    issue_session,
    needs_rehash,
    new_token,
    production_problems,
    read_session,
    verify_password,
)

CHEAP = ScryptParams(n=16, r=1, p=1)  # the format, not the cost, is under test here
SECRET = "a-test-secret-of-thirty-two-chars!"
T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_scrypt_matches_the_rfc_7914_test_vector() -> None:
    # RFC 7914 section 12: P="password", S="NaCl", N=1024, r=8, p=16; the first 32 bytes.
    expected = bytes.fromhex("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162")
    encoded = f"scrypt$1024$8$16${_b64(b'NaCl')}${_b64(expected)}"
    assert verify_password("password", encoded)
    assert not verify_password("Password", encoded)


@pytest.mark.parametrize("password", ["correct horse battery", "pässwörd-ü ✓", "x" * 1024])
@pytest.mark.parametrize(
    "wrong", [lambda p: p.upper(), lambda p: p + " ", lambda p: p[:-1], lambda p: ""]
)
def test_password_round_trip_and_wrong_passwords(password: str, wrong: object) -> None:
    encoded = hash_password(password, CHEAP)
    assert verify_password(password, encoded)
    assert not verify_password(wrong(password), encoded)  # type: ignore[operator]


def test_each_hash_has_its_own_salt_and_carries_its_costs() -> None:
    first, second = hash_password("same password", CHEAP), hash_password("same password", CHEAP)
    assert first != second
    assert first.startswith("scrypt$16$1$1$") and second.startswith("scrypt$16$1$1$")
    salt, digest = (base64.urlsafe_b64decode(part + "==") for part in first.split("$")[4:])
    assert (len(salt), len(digest)) == (16, 32)


def test_default_costs_are_the_owasp_setting_and_old_hashes_need_a_rehash() -> None:
    assert (DEFAULT_SCRYPT.n, DEFAULT_SCRYPT.r, DEFAULT_SCRYPT.p) == (2**14, 8, 5)
    cheap = hash_password("some password", CHEAP)
    assert needs_rehash(cheap, DEFAULT_SCRYPT)
    assert not needs_rehash(cheap, CHEAP)


@pytest.mark.parametrize(
    "stored", ["", "bcrypt$2b$12$abc", "scrypt$16$1$1$salt", "scrypt$x$1$1$c2FsdA$aGFzaA"]
)
def test_a_malformed_stored_hash_is_an_error_that_names_the_fix(stored: str) -> None:
    with pytest.raises(ValueError, match="set a new password"):
        verify_password("anything", stored)


@pytest.mark.parametrize(
    ("length", "problem"), [(0, "at least 8"), (7, "at least 8"), (8, None), (1025, "longer")]
)
def test_password_rules(length: int, problem: str | None) -> None:
    if problem is None:
        check_password_rules("p" * length)
    else:
        with pytest.raises(ValueError, match=problem):
            check_password_rules("p" * length)


def test_scrypt_params_are_validated() -> None:
    for bad in ({"n": 1}, {"n": 24}, {"n": 16, "p": 0}, {"n": 16, "r": 0}):
        with pytest.raises(ValueError, match="scrypt"):
            ScryptParams(**bad)


def test_tokens_are_random_prefixed_and_hashed_with_sha256() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(t.startswith("rk_") and len(t) == 3 + 43 for t in tokens)
    # FIPS 180-2 test vector for sha256("abc").
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    ("elapsed", "user"),
    [
        (dt.timedelta(0), "ana"),
        (dt.timedelta(minutes=59, seconds=59), "ana"),
        (dt.timedelta(hours=1), None),
        (dt.timedelta(days=3), None),
    ],
)
def test_sessions_expire(elapsed: dt.timedelta, user: str | None) -> None:
    cookie = issue_session("ana", secret_key=SECRET, lifetime=dt.timedelta(hours=1), now=T0)
    assert read_session(cookie, secret_key=SECRET, now=T0 + elapsed) == user


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def _forged_payload(cookie: str) -> str:
    # A longer-lived claim for another user, keeping the genuine signature.
    claim = _b64(b'{"u":"admin","exp":4102444800}')
    return f"{claim}.{cookie.split('.')[1]}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: _flip(c, 3),  # payload byte
        lambda c: _flip(c, len(c) - 2),  # signature byte
        lambda c: c.replace(".", ""),  # no separator
        lambda c: c.split(".")[0] + ".",  # signature dropped
        lambda c: c + "é",  # non-ASCII signature
        _forged_payload,
        lambda c: "",
    ],
)
def test_a_tampered_cookie_fails(tamper: object) -> None:
    cookie = issue_session("ana", secret_key=SECRET, lifetime=dt.timedelta(hours=1), now=T0)
    assert read_session(tamper(cookie), secret_key=SECRET, now=T0) is None  # type: ignore[operator]


def test_a_cookie_signed_with_another_secret_fails() -> None:
    cookie = issue_session(
        "ana",
        secret_key="another-secret-entirely-0123456789",
        lifetime=dt.timedelta(hours=1),
        now=T0,
    )
    assert read_session(cookie, secret_key=SECRET, now=T0) is None


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (ServingSettings(), None),  # development: the default secret is fine
        (ServingSettings(production=True), "built-in default"),
        (ServingSettings(production=True, secret_key="s" * 20), "has 20 characters"),
        (ServingSettings(production=True, secret_key="s" * 32), None),
    ],
)
def test_production_refuses_default_or_short_secrets(
    settings: ServingSettings, problem: str | None
) -> None:
    problems = production_problems(settings)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]
        assert "RESTOCK_SERVING__SECRET_KEY" in problems[0]
