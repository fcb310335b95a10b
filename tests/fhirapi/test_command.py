"""`hemma fhir_client`: the operator registers, lists and deactivates system clients."""

import json

import pytest
from django.core.management import CommandError, call_command

from hemma.accounts.models import AdministrationLogEntry
from hemma.fhirapi.models import AccessToken, SystemClient

from .conftest import access_token, get

pytestmark = pytest.mark.django_db


def test_register_use_and_deactivate_from_the_command_line(
    client, ward, rsa_key, tmp_path, capsys, kim
):
    jwks = tmp_path / "public.jwks.json"
    jwks.write_text(json.dumps({"keys": [rsa_key.as_dict(private=False)]}))
    call_command(
        "fhir_client",
        "add",
        "--client-id=cosmic",
        "--name=Cosmic",
        f"--unit={ward.hsa_id}",
        f"--jwks={jwks}",
        "--scopes=system/Patient.read",
    )
    assert "registered cosmic" in capsys.readouterr().out
    assert AdministrationLogEntry.objects.filter(action="staff_created").exists()
    token = access_token(client, rsa_key, "cosmic", "system/Patient.read")
    assert get(client, "/fhir/Patient", token).status_code == 200

    call_command("fhir_client", "list")
    assert "cosmic" in capsys.readouterr().out
    call_command("fhir_client", "deactivate", "cosmic")
    assert not AccessToken.objects.exists()
    assert get(client, "/fhir/Patient", token).status_code == 401


def test_bad_registrations_say_why_and_store_nothing(ward, rsa_key, tmp_path):
    jwks = tmp_path / "keys.json"
    jwks.write_text("{not json")
    base = ["fhir_client", "add", "--client-id=x", "--name=X", "--scopes=system/Patient.read"]
    with pytest.raises(CommandError, match="no unit"):
        call_command(*base, "--unit=SE0000000000-NONE", f"--jwks={jwks}")
    with pytest.raises(CommandError, match="cannot read the JWKS"):
        call_command(*base, f"--unit={ward.hsa_id}", f"--jwks={jwks}")
    jwks.write_text(json.dumps({"keys": []}))
    with pytest.raises(CommandError, match="(?i)no keys"):
        call_command(*base, f"--unit={ward.hsa_id}", f"--jwks={jwks}")
    with pytest.raises(CommandError, match="no client"):
        call_command("fhir_client", "deactivate", "ghost")
    assert not SystemClient.objects.exists()
