"""Issue 13 for the documented agreement: the owning ward writes and revises it
(edit_agreement), the ward and the visiting team check off discharge criteria
(mark_criterion), and only health-record readers read it – home care (Scope.SOL) gets a 404
and a denied entry. A refused action is a 403 with a denied entry and changes nothing."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.careplans import services
from hemma.careplans.models import Agreement, AgreementTemplate, DischargeCriterionCheck
from hemma.episodes.models import ChecklistItem, Episode
from hemma.errors import NotAllowed
from hemma.patients.models import CareRelationship
from tests.conftest import make_staff, make_unit
from tests.flow import OPAT, to_assessed, write_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_ward_nurse(region, lisa):
    other = make_unit(region, "Medicinavdelning 31", "ward", "M31", beds=20)
    CareRelationship.objects.create(patient=lisa, unit=other)
    return make_staff("othernurse", "nurse", other)


@pytest.fixture
def episode(lisa, ward, ward_nurse, physician, home_health, home_care):
    """Lisa's episode, found suitable, with home health care as the visiting team and home
    care in her care team too."""
    episode = to_assessed(patient=lisa, ward=ward, nurse=ward_nurse, physician=physician)
    Episode.objects.filter(pk=episode.pk).update(home_health_unit=home_health)
    CareRelationship.objects.create(patient=lisa, unit=home_care)
    episode.refresh_from_db()
    return episode


@pytest.fixture
def agreement(episode, ward_nurse):
    return write_agreement(episode, ward_nurse)


def at_home(agreement):
    Episode.objects.filter(pk=agreement.episode_id).update(state="at_home")
    agreement.episode.refresh_from_db()


def url(name, agreement_or_episode, *args):
    episode_id = getattr(agreement_or_episode, "episode_id", None) or agreement_or_episode.pk
    return reverse(f"careplans:{name}", args=[episode_id, *args])


def refused(episode_id, action):
    return AccessLogEntry.objects.filter(
        outcome="denied", detail=f"episode {episode_id} {action}: refused"
    )


class TestReading:
    @pytest.mark.parametrize("page", ["agreement", "print", "version"])
    def test_home_care_reads_no_agreement(self, client, agreement, needs_assessor, page):
        client.force_login(needs_assessor.user)
        args = [1] if page == "version" else []
        assert client.get(url(page, agreement, *args)).status_code == 404
        entry = AccessLogEntry.objects.get(outcome="denied")
        assert entry.patient == agreement.episode.patient
        assert f"episode {agreement.episode_id}" in entry.detail
        assert not AccessLogEntry.objects.filter(
            outcome="granted", user=needs_assessor.user
        ).exists()

    def test_the_visiting_team_reads_it_without_the_wards_buttons(
        self, client, agreement, home_nurse
    ):
        at_home(agreement)
        client.force_login(home_nurse.user)
        response = client.get(url("agreement", agreement))
        body = response.content.decode()
        assert response.status_code == 200 and "Utskrivningskriterier" in body
        assert url("revise", agreement) not in body and url("given", agreement) not in body
        assert url("criterion", agreement) in body  # the visiting team checks criteria

    def test_the_ward_sees_revise(self, as_ward_nurse, agreement):
        body = as_ward_nurse.get(url("agreement", agreement)).content.decode()
        assert url("revise", agreement) in body

    def test_only_the_ward_is_offered_to_write_it(self, client, episode, home_nurse, ward_nurse):
        client.force_login(home_nurse.user)
        assert url("create", episode) not in client.get(url("agreement", episode)).content.decode()
        client.force_login(ward_nurse.user)
        assert url("create", episode) in client.get(url("agreement", episode)).content.decode()


class TestWriting:
    def _revision(self, agreement):
        from tests.careplans.editor import editor_data

        content = agreement.versions.get(number=agreement.current_number).content()
        return editor_data(
            content,
            base_number=agreement.current_number,
            change_note="",
            if_worse="Ring hemsjukvården",
        )

    def test_the_visiting_team_cannot_revise(self, client, agreement, home_nurse):
        client.force_login(home_nurse.user)
        page = client.get(url("revise", agreement), follow=True).content.decode()
        assert "reviderar överenskommelsen" in page and 'name="base_number"' not in page
        response = client.post(url("revise", agreement), self._revision(agreement))
        assert response.status_code == 403
        agreement.refresh_from_db()
        assert agreement.current_number == 1
        assert refused(agreement.episode_id, "edit_agreement").count() == 1

    def test_the_visiting_team_cannot_create_it(self, client, episode, home_nurse):
        template = AgreementTemplate.objects.get(ward=None, name=OPAT)
        client.force_login(home_nurse.user)
        response = client.post(url("create", episode), {"template": template.pk})
        assert response.status_code == 403
        assert not Agreement.objects.exists()
        assert refused(episode.pk, "edit_agreement").exists()

    def test_the_visiting_team_cannot_tick_the_wards_checklist(self, client, agreement, home_nurse):
        Episode.objects.filter(pk=agreement.episode_id).update(state="preparing")
        client.force_login(home_nurse.user)
        assert client.post(url("given", agreement)).status_code == 403
        item = ChecklistItem.objects.get(episode=agreement.episode, key="agreement_given")
        assert item.status == "open"
        assert refused(agreement.episode_id, "edit_agreement").exists()

    def test_the_ward_revises(self, as_ward_nurse, agreement):
        response = as_ward_nurse.post(url("revise", agreement), self._revision(agreement))
        assert response.status_code == 302
        agreement.refresh_from_db()
        assert agreement.current_number == 2

    def test_the_services_refuse_the_visiting_team(
        self, agreement, episode, home_nurse, home_health
    ):
        content = agreement.versions.get().content() | {"if_worse": "Ring oss"}
        with pytest.raises(NotAllowed):
            services.agreement_revise(
                staff=home_nurse,
                unit=home_health,
                agreement=agreement,
                base_number=1,
                content=content,
            )
        with pytest.raises(NotAllowed):
            services.agreement_mark_given(staff=home_nurse, unit=home_health, agreement=agreement)
        agreement.refresh_from_db()
        assert agreement.current_number == 1
        Agreement.objects.all().delete()
        with pytest.raises(NotAllowed):
            services.agreement_create(
                staff=home_nurse,
                unit=home_health,
                episode=episode,
                template=AgreementTemplate.objects.get(ward=None, name=OPAT),
            )
        assert not Agreement.objects.exists()


class TestCriteria:
    def _criterion(self, agreement):
        return agreement.versions.get().criteria[0]

    @pytest.mark.parametrize("who", ["ward_nurse", "home_nurse"])
    def test_the_ward_and_the_visiting_team_check_off_criteria(
        self, request, client, agreement, who
    ):
        at_home(agreement)
        client.force_login(request.getfixturevalue(who).user)
        data = {"criterion": self._criterion(agreement), "met": "yes"}
        assert client.post(url("criterion", agreement), data).status_code == 302
        assert DischargeCriterionCheck.objects.filter(agreement=agreement).count() == 1

    @pytest.mark.parametrize("who", ["other_ward_nurse", "coordinator", "needs_assessor"])
    def test_no_other_unit_does(self, request, client, agreement, primary_care, who):
        CareRelationship.objects.get_or_create(patient=agreement.episode.patient, unit=primary_care)
        at_home(agreement)
        client.force_login(request.getfixturevalue(who).user)
        data = {"criterion": self._criterion(agreement), "met": "yes"}
        response = client.post(url("criterion", agreement), data)
        # Home care does not even read the agreement (404); the others read it (403).
        assert response.status_code == (404 if who == "needs_assessor" else 403)
        assert not DischargeCriterionCheck.objects.exists()
        assert AccessLogEntry.objects.filter(outcome="denied").exists()

    def test_the_service_refuses_primary_care(self, agreement, coordinator, primary_care):
        at_home(agreement)
        with pytest.raises(NotAllowed):
            services.discharge_criterion_set(
                staff=coordinator,
                unit=primary_care,
                agreement=agreement,
                criterion=self._criterion(agreement),
                met=True,
            )
        assert not DischargeCriterionCheck.objects.exists()
