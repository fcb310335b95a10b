"""Issue 19 on the alert list: an alert's resolve form that is not saved comes back once in
its alert's row, the errors at their fields in Swedish (not "choose an action" for a too
long note), the typed values kept, the alert still open; the 10-second poll leaves the
form as it is in the browser."""

import pytest
from django.urls import reverse

from hemma.monitoring import services
from hemma.monitoring.models import Alert
from tests.form_pages import flashed, form_at, page_text
from tests.monitoring.conftest import RED_SET

pytestmark = pytest.mark.django_db

ALERTS = reverse("monitoring:alerts")


@pytest.fixture
def alert(at_home):
    return services.observation_record(
        episode=at_home, values=RED_SET, source="patient", client_id="red"
    ).alert


def resolve_url(alert) -> str:
    return reverse("monitoring:alert_act", args=[alert.pk, "resolve"])


def form_of(body: str, alert) -> str:
    return form_at(body, resolve_url(alert))


def alerts_page(client) -> str:
    return page_text(client, ALERTS)


def test_a_too_long_note_is_an_error_at_the_note_with_the_choice_kept(as_ward_nurse, alert):
    note = "Ringt. " + "x" * 2000
    response = as_ward_nurse.post(resolve_url(alert), {"action": "phoned", "note": note})
    assert response.status_code == 302 and response.url == ALERTS
    shown = flashed(response)
    assert shown == ["Inget sparades: rätta de markerade fälten."]
    body = alerts_page(as_ward_nurse)
    form = form_of(body, alert)
    assert f'id="resolve-{alert.pk}-note_error"' in form and "som mest 2000 tecken" in form
    assert f'aria-describedby="resolve-{alert.pk}-note_error"' in form
    assert f'value="{note}"' in form and '<option value="phoned" selected>' in form
    assert "action_error" not in form and "Välj vilken åtgärd" not in body
    assert body.count("som mest 2000 tecken") == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN and alert.action_note == ""
    # Once: the next page is clean.
    again = form_of(alerts_page(as_ward_nurse), alert)
    assert 'aria-invalid="true"' not in again and "Ringt." not in again


def test_an_unknown_action_is_an_error_at_the_action(as_ward_nurse, alert):
    as_ward_nurse.post(resolve_url(alert), {"action": "zzz", "note": "Ringde"})
    form = form_of(alerts_page(as_ward_nurse), alert)
    assert f'id="resolve-{alert.pk}-action_error"' in form and "giltigt alternativ" in form
    assert 'value="Ringde"' in form
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_a_refusal_is_the_forms_own_error_in_the_row(as_home_nurse, alert):
    """Readmission is the ward's step: the visiting team's choice is refused."""
    as_home_nurse.post(resolve_url(alert), {"action": "direct_admission", "note": "Sämre"})
    form = form_of(alerts_page(as_home_nurse), alert)
    assert "Din enhet får inte göra det här" in form and 'value="Sämre"' in form
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_an_alert_resolved_meanwhile_says_so_once(as_ward_nurse, alert):
    as_ward_nurse.post(resolve_url(alert), {"action": "phoned"})
    as_ward_nurse.post(resolve_url(alert), {"action": "no_action"})
    body = alerts_page(as_ward_nurse)
    assert body.count("Larmet är redan åtgärdat.") == 1
    assert Alert.objects.get(pk=alert.pk).action == "phoned"


def test_an_alert_gone_from_the_list_names_the_errors_by_label(
    as_ward_nurse, alert, ward_nurse, ward
):
    as_ward_nurse.post(resolve_url(alert), {"action": "phoned", "note": "x" * 2001})
    services.alert_resolve(staff=ward_nurse, unit=ward, alert=alert, action="phoned")
    body = alerts_page(as_ward_nurse)
    assert "Anteckning: Säkerställ att detta värde har som mest 2000 tecken" in body


def test_the_poll_keeps_the_rows_form_as_it_is_in_the_browser(as_ward_nurse, alert):
    panel = as_ward_nurse.get(reverse("monitoring:alerts_panel")).content.decode()
    assert f'id="resolve-{alert.pk}" hx-preserve' in panel


# --- the duty roster: a refusal is the roster form's own error, the values kept -----------


def test_a_refused_roster_is_the_forms_own_error(as_ward_nurse, monkeypatch):
    from hemma.errors import HemmaError
    from hemma.monitoring.models import EscalationFinalStep

    def refuse(**kwargs):
        raise HemmaError("Jourlistan ändrades av någon annan.")

    monkeypatch.setattr(services, "duty_roster_save", refuse)
    data = {
        f"{slot}-{field}": ""
        for slot in ("day", "evening", "night", "weekend")
        for field in ("on_call", "deputy")
    } | {"final-physician": "", "final-instruction": "Ring primärjouren"}
    response = as_ward_nurse.post(reverse("monitoring:roster"), data)
    assert response.status_code == 400
    body = response.content.decode()
    form = body[body.index('<form method="post" class="stacked">') :]
    form = form[: form.index("</form>")]
    assert '<div role="alert"><ul class="errorlist"><li>Jourlistan ändrades' in form
    assert "Ring primärjouren" in form
    assert not EscalationFinalStep.objects.exists()
