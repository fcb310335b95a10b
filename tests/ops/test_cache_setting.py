"""CACHE_URL selects the cache (hemma/settings.py): the process's memory by default, so
`make run` needs no Redis; Redis or a database table when several instances share one.
The settings module is run afresh with the environment of each case."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[2] / "hemma" / "settings.py"


def cache_settings(monkeypatch, **env) -> dict:
    monkeypatch.delenv("CACHE_URL", raising=False)
    monkeypatch.delenv("CACHE_KEY_PREFIX", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))["CACHES"]["default"]


@pytest.mark.parametrize(
    "env, backend, location",
    [
        ({}, "django.core.cache.backends.locmem.LocMemCache", ""),
        (
            {"CACHE_URL": "redis://127.0.0.1:6379/1", "CACHE_KEY_PREFIX": "region-x"},
            "django.core.cache.backends.redis.RedisCache",
            "redis://127.0.0.1:6379/1",
        ),
        (
            {"CACHE_URL": "dbcache://hemma_cache"},
            "django.core.cache.backends.db.DatabaseCache",
            "hemma_cache",
        ),
    ],
)
def test_the_cache_is_chosen_by_cache_url(monkeypatch, env, backend, location):
    cache = cache_settings(monkeypatch, **env)
    assert cache["BACKEND"] == backend and cache["LOCATION"] == location
    assert cache["KEY_PREFIX"] == env.get("CACHE_KEY_PREFIX", "")


def test_an_unknown_cache_is_refused_at_start(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="Invalid cache schema"):
        cache_settings(monkeypatch, CACHE_URL="nocache://x")
