"""The `hemma` command: its own tools and Django's commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hemma.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_pnr(capsys, number):
    code = main(["pnr", number])
    return code, json.loads(capsys.readouterr().out)


def test_pnr_prints_the_normalised_number(capsys):
    code, result = run_pnr(capsys, "121212+1212")
    assert code == 0
    assert result == {
        "valid": True,
        "normalized": "19121212-1212",
        "kind": "personnummer",
        "birth_date": "1912-12-12",
        "sex": "male",
    }


def test_pnr_recognises_a_samordningsnummer(capsys):
    code, result = run_pnr(capsys, "19121272-1219")
    assert (code, result["valid"]) == (0, True)
    assert result["kind"] == "samordningsnummer"
    assert result["birth_date"] == "1912-12-12"


def test_pnr_reports_an_invalid_number_with_exit_code_1(capsys):
    code, result = run_pnr(capsys, "19121212-1213")
    assert code == 1
    assert result["valid"] is False
    assert "check digit" in result["error"]


def test_pnr_without_an_argument_prints_usage(capsys):
    assert main(["pnr"]) == 2
    assert "usage" in capsys.readouterr().err


def _hemma(*args, env=None):
    executable = Path(sys.executable).with_name("hemma")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "hemma.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


def test_the_installed_console_script_works():
    result = _hemma("pnr", "19121212-1212")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["normalized"] == "19121212-1212"


@pytest.mark.django_db
def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "HEMMA_ENV": "production",
        "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-" + "y" * 20,
        "ALLOWED_HOSTS": "hemma.example.se",
    }
    env.pop("DEBUG", None)
    result = _hemma("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "HEMMA_ENV": "production"}
    env.pop("SECRET_KEY", None)
    result = _hemma("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
