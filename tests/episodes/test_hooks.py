"""Issue 15: the apps above the flow take part in it through hemma/episodes/hooks.py (and
hemma/patients/hooks.py), registered from their AppConfig.ready(). A missing registration
must fail here – and a guarded transition without a guard must refuse, not pass."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from hemma.ambulance import episode_hooks as ambulance_hooks
from hemma.careplans import episode_hooks as careplans_hooks
from hemma.carerequests import episode_hooks as carerequests_hooks
from hemma.clinical import episode_states as states
from hemma.coordination import episode_hooks as coordination_hooks
from hemma.coordination import episode_tasks, frailty
from hemma.episodes import hooks, services
from hemma.episodes.models import Episode
from hemma.errors import NotAllowed
from hemma.labs import selectors as lab_selectors
from hemma.medication import selectors as medication_selectors
from hemma.monitoring import episode_hooks as monitoring_hooks
from hemma.patients import hooks as patient_hooks
from hemma.visits import clinical_summary
from tests.flow import send_home_health_request, to_agreed, to_assessed


class TestRegistrations:
    """What each app registers, in INSTALLED_APPS order (the same in every process)."""

    def test_every_guarded_transition_has_its_guard(self):
        assert hooks.transition_guards(states.AGREED) == (careplans_hooks.agreement_written,)
        assert hooks.transition_guards(states.PREPARING) == (carerequests_hooks.care_requests_sent,)
        assert hooks.transition_guards(states.DISCHARGED) == (careplans_hooks.discharge_criteria,)
        for state in hooks.GUARDED_STATES:
            assert hooks.transition_guards(state), state

    def test_the_flows_tasks_are_effects_of_its_transitions(self):
        assert hooks.transition_effects(states.AT_HOME) == (episode_tasks.evening_call_create,)
        assert hooks.transition_effects(states.READMITTED) == (
            episode_tasks.readmission_notice_create,
        )

    def test_the_panels_in_app_order(self):
        assert hooks.episode_panels() == (
            careplans_hooks.episode_panel,
            carerequests_hooks.episode_panel,
            coordination_hooks.episode_panel,
            clinical_summary.episode_panel,
            ambulance_hooks.episode_panel,
        )
        assert hooks.round_panel_functions() == (
            clinical_summary.round_panel,
            medication_selectors.round_panel,
            lab_selectors.round_panel,
        )
        assert hooks.worklist_panel_functions() == (
            careplans_hooks.worklist_panel,
            carerequests_hooks.worklist_panel,
            monitoring_hooks.worklist_panel,
            coordination_hooks.worklist_panel,
        )
        assert patient_hooks.patient_panels() == (
            frailty.patient_panel,
            clinical_summary.patient_panel,
        )

    def test_completing_a_task_is_coordinations_action_on_the_episode_page(self):
        assert hooks.episode_actions() == ("task_done",)
        assert hooks.episode_action("task_done").perform is coordination_hooks.complete_task

    def test_registering_again_adds_nothing(self):
        before = (hooks.transition_guards(states.PREPARING), hooks.episode_panels())
        carerequests_hooks.register()
        coordination_hooks.register()
        assert (hooks.transition_guards(states.PREPARING), hooks.episode_panels()) == before
        assert hooks.transition_effects(states.AT_HOME) == (episode_tasks.evening_call_create,)

    def test_another_action_under_a_taken_name_is_an_error(self):
        with pytest.raises(ImproperlyConfigured):
            hooks.register_episode_action(
                hooks.EpisodeAction("task_done", object, lambda r, e, d: None)
            )

    def test_two_panels_setting_the_same_name_is_an_error(self, monkeypatch):
        def one(staff, unit, episode):
            return {"tasks": []}

        def other(staff, unit, episode):
            return {"tasks": [], "agreement": None}

        monkeypatch.setattr(hooks, "_episode_panels", [one, other])
        with pytest.raises(ImproperlyConfigured, match="tasks"):
            hooks.episode_panels_context(None, None, None)
        # …or a name the page sets itself.
        monkeypatch.setattr(hooks, "_episode_panels", [one])
        with pytest.raises(ImproperlyConfigured, match="tasks"):
            hooks.episode_panels_context(None, None, None, {"tasks": []})


@pytest.mark.django_db
class TestGuards:
    """The guards keep the flow's rules and their Swedish messages."""

    def test_agreed_needs_the_written_agreement(self, ward_nurse, physician, ward, kim):
        episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        with pytest.raises(NotAllowed, match="Skriv den dokumenterade överenskommelsen först"):
            services.episode_mark_agreed(staff=ward_nurse, unit=ward, episode=episode)
        assert Episode.objects.get(pk=episode.pk).state == states.ASSESSED

    def test_preparing_needs_the_request_to_home_health_care(
        self, ward_nurse, physician, ward, home_health, kim
    ):
        episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        with pytest.raises(NotAllowed, match="Skicka vårdbegäran till det besökande teamet först"):
            services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
        send_home_health_request(episode, ward_nurse, home_health)
        services.episode_start_preparing(staff=ward_nurse, unit=ward, episode=episode)
        assert Episode.objects.get(pk=episode.pk).state == states.PREPARING

    def test_discharge_needs_the_criteria_met(self, ward_nurse, physician, ward, kim):
        episode = to_agreed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        Episode.objects.filter(pk=episode.pk).update(
            state=states.AT_HOME, at_home_since=timezone.now()
        )
        with pytest.raises(NotAllowed, match="Alla utskrivningskriterier är inte uppfyllda"):
            services.episode_discharge(
                staff=physician, unit=ward, episode=episode, summary="Feberfri", referral_text=""
            )
        assert Episode.objects.get(pk=episode.pk).state == states.AT_HOME

    def test_a_guarded_transition_without_a_guard_fails_loudly(
        self, monkeypatch, ward_nurse, physician, ward, kim
    ):
        episode = to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)
        monkeypatch.setitem(hooks._guards, states.AGREED, [])
        with pytest.raises(ImproperlyConfigured, match="agreed"):
            services.episode_mark_agreed(staff=ward_nurse, unit=ward, episode=episode)
        assert Episode.objects.get(pk=episode.pk).state == states.ASSESSED


@pytest.mark.django_db
def test_the_patient_page_posts_the_frailty_form_to_coordination(as_ward_nurse, kim):
    page = as_ward_nurse.get(reverse("patients:detail", args=[kim.pk])).content.decode()
    assert f'action="{reverse("coordination:frailty", args=[kim.pk])}"' in page
    assert "Clinical Frailty Scale" in page
