from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from facturo.config import DEFAULT_DATABASE_URL, ConfigurationError, Settings
from facturo.reference import dian_code_lists

LONG_SECRET = "s" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read FACTURO_* variables; the tests say exactly which ones are set."""
    for name in list(os.environ):
        if name.startswith("FACTURO_"):
            monkeypatch.delenv(name)


def test_default_is_an_sqlite_file_under_var() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///./var/facturo.db"
    assert settings.is_embedded
    assert settings.sqlite_path == Path("var/facturo.db")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


@pytest.mark.parametrize(
    ("written", "driver"),
    [
        ("postgresql://facturo:clave@db.local:5432/facturo", "postgresql+psycopg"),
        ("postgres://facturo:clave@db.local:5432/facturo", "postgresql+psycopg"),
        ("postgresql+psycopg2://facturo:clave@db.local:5432/facturo", "postgresql+psycopg"),
        ("sqlite:///./var/facturo.db", "sqlite+pysqlite"),
    ],
)
def test_url_gets_facturo_driver(written: str, driver: str) -> None:
    url = Settings(database_url=written).sqlalchemy_url
    assert url.drivername == driver


def test_postgres_url_keeps_its_parts() -> None:
    url = Settings(database_url="postgres://facturo:clave@db.local:6432/libros").sqlalchemy_url
    assert url.render_as_string(hide_password=False) == (
        "postgresql+psycopg://facturo:clave@db.local:6432/libros"
    )


def test_postgres_is_not_embedded() -> None:
    settings = Settings(database_url="postgresql://facturo@db.local/facturo")
    assert not settings.is_embedded
    assert settings.sqlite_path is None


def test_sqlite_path_is_kept(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/datos/facturo.db")
    assert settings.sqlite_path == tmp_path / "datos" / "facturo.db"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/facturo",
        "mssql+pyodbc://sa@localhost/facturo",
        "oracle://scott@localhost/xe",
        "not a url",
    ],
)
def test_unsupported_database_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="FACTURO_DATABASE_URL"):
        Settings(database_url=url)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTURO_DATABASE_URL", "postgresql://facturo@db.local/facturo")
    monkeypatch.setenv("FACTURO_PORT", "9100")
    monkeypatch.setenv("FACTURO_HOST", "192.168.1.10")
    monkeypatch.setenv("FACTURO_LOCKOUT_MINUTES", "30")
    settings = Settings()
    assert settings.sqlalchemy_url.drivername == "postgresql+psycopg"
    assert (settings.host, settings.port, settings.lockout_minutes) == ("192.168.1.10", 9100, 30)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("FACTURO_PORT", port)
    with pytest.raises(ValidationError):
        Settings()


def test_embedded_secret_is_generated_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/var/facturo.db")
    secret = settings.resolved_secret_key()
    key_file = tmp_path / "var" / "secret.key"
    assert key_file.read_text(encoding="ascii").strip() == secret
    assert len(secret) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["secret.key"]


def test_embedded_secret_is_reused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/facturo.db"
    first = Settings(database_url=url).resolved_secret_key()
    assert Settings(database_url=url).resolved_secret_key() == first
    assert Settings(database_url=url).resolved_secret_key() == first


def test_embedded_secrets_differ_between_databases(tmp_path: Path) -> None:
    one = Settings(database_url=f"sqlite:///{tmp_path}/a/facturo.db").resolved_secret_key()
    other = Settings(database_url=f"sqlite:///{tmp_path}/b/facturo.db").resolved_secret_key()
    assert one != other


def test_given_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/facturo.db", secret_key=LONG_SECRET)
    assert settings.resolved_secret_key() == LONG_SECRET
    assert list(tmp_path.iterdir()) == []


def test_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTURO_SECRET_KEY", LONG_SECRET)
    monkeypatch.setenv("FACTURO_DATABASE_URL", "postgresql://facturo@db.local/facturo")
    assert Settings().resolved_secret_key() == LONG_SECRET


@pytest.mark.parametrize("secret", ["corta", "s" * 31])
def test_too_short_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret: str
) -> None:
    monkeypatch.setenv("FACTURO_SECRET_KEY", secret)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/facturo.db")
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        settings.resolved_secret_key()


def test_secret_is_not_in_the_repr() -> None:
    assert LONG_SECRET not in repr(Settings(secret_key=LONG_SECRET))


@pytest.mark.parametrize(
    "url", ["postgresql://facturo@db.local/facturo", "sqlite:///:memory:", "sqlite://"]
)
def test_secret_required_when_not_an_embedded_file(url: str) -> None:
    with pytest.raises(ConfigurationError, match="FACTURO_SECRET_KEY is required"):
        Settings(database_url=url).resolved_secret_key()


def test_dian_municipalities() -> None:
    lists = dian_code_lists()
    assert "Cúcuta" in (lists.municipality_name("54001") or "")
    assert (lists.municipality_name("11001") or "").startswith("Bogotá")
    assert lists.municipality_name("05001") == "Medellín"
    assert lists.municipality_name("99999") is None
    assert len(lists.municipalities) > 1000


def test_dian_departments_are_the_33_of_colombia() -> None:
    departments = dian_code_lists().departments
    assert len(departments) == 33
    assert departments["54"] == "Norte de Santander"
    assert departments["11"] == "Bogotá"
    assert all(len(code) == 2 and code.isdigit() for code in departments)


def test_every_municipality_belongs_to_a_department() -> None:
    lists = dian_code_lists()
    assert {code[:2] for code in lists.municipalities} == set(lists.departments)


def test_dian_units_and_countries() -> None:
    lists = dian_code_lists()
    assert lists.unit_name("94") == "unidad"
    assert lists.unit_name("KGM") == "kilogramo"
    assert lists.unit_name("XYZ") is None
    assert lists.country_name("CO") == "Colombia"
    assert lists.country_name("ZZ") is None


def test_dian_code_lists_are_loaded_once_and_read_only() -> None:
    lists = dian_code_lists()
    assert dian_code_lists() is lists
    with pytest.raises(TypeError):
        lists.units["XX"] = "nueva"  # type: ignore[index]
