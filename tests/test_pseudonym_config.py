"""The pseudonymisation key: where it may come from, and the messages when it is missing."""

import pytest

from spinepair.errors import ConfigError
from spinepair.ingest.pseudonym import load_site_key, patient_key
from tests.helpers.workflow import ROOT


def test_demo_config_uses_the_labelled_demo_key():
    key = load_site_key({"demo": True, "key_file": str(ROOT / "config" / "demo.key")})
    assert key.startswith(b"DEMO-KEY")


def test_real_study_without_a_key_stops_with_a_clear_message():
    with pytest.raises(ConfigError, match="no key configured; set pseudonymisation.key_file"):
        load_site_key({"demo": False, "key_file": None, "key_env": None})


def test_real_study_refuses_the_demo_key():
    with pytest.raises(ConfigError, match="demo key cannot be used with demo: false"):
        load_site_key({"demo": False, "key_file": str(ROOT / "config" / "demo.key")})
    with pytest.raises(ConfigError, match="inside the project folder"):
        load_site_key({"demo": False, "key_file": str(ROOT / "config" / "demo.key")}, [ROOT])


def test_key_from_environment(monkeypatch):
    secret = "s3cret-from-env-" + "0123456789abcdef" * 2  # at least 32 bytes
    monkeypatch.setenv("STUDY_KEY", f"  {secret} \n")
    assert load_site_key({"demo": False, "key_file": None, "key_env": "STUDY_KEY"}) == (
        secret.encode()
    )
    monkeypatch.delenv("STUDY_KEY")
    with pytest.raises(ConfigError, match="STUDY_KEY"):
        load_site_key({"demo": False, "key_file": None, "key_env": "STUDY_KEY"})


def test_pseudonyms_depend_on_key_and_site():
    a = patient_key(b"k1", "A", "A0001234")
    assert a == patient_key(b"k1", "A", "A0001234")
    assert a != patient_key(b"k2", "A", "A0001234")
    assert a != patient_key(b"k1", "B", "A0001234")
    assert "A0001234" not in a
