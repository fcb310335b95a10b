"""The documented agreement: templates, versions with optimistic locking, discharge
criteria, the pages and the patient's print view."""

import pytest
from django.urls import reverse

from hemma.audit.models import AccessLogEntry
from hemma.careplans import services
from hemma.careplans.forms import AgreementContentForm, text_to_rows
from hemma.careplans.models import Agreement, AgreementTemplate, AgreementVersion
from hemma.careplans.selectors import discharge_criteria_met
from hemma.careplans.shipped import SHIPPED_TEMPLATES, with_unit_phones
from hemma.episodes.models import ChecklistItem
from hemma.errors import Conflict, HemmaError, NotAllowed
from tests.careplans.editor import editor_data
from tests.flow import OPAT, to_assessed, write_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(kim, ward, ward_nurse, physician):
    return to_assessed(patient=kim, ward=ward, nurse=ward_nurse, physician=physician)


@pytest.fixture
def agreement(assessed, ward_nurse):
    return write_agreement(assessed, ward_nurse)


def content_of(agreement, number=None):
    return agreement.versions.get(number=number or agreement.current_number).content()


def test_hemma_ships_a_template_for_each_way_in():
    shipped = AgreementTemplate.objects.filter(ward=None)
    assert shipped.count() == len(SHIPPED_TEMPLATES) == 3
    assert set(shipped.values_list("pathway", flat=True)) == {
        "early_discharge",
        "admission_avoidance",
        "stroke_esd",
    }
    opat = shipped.get(name=OPAT)
    assert any("pump" in item.casefold() for item in opat.equipment)
    assert all(template.criteria and template.contacts for template in shipped)


class TestCreate:
    def test_it_copies_the_template_into_version_one(self, agreement, ward_nurse):
        version = agreement.versions.get()
        template = AgreementTemplate.objects.get(name=OPAT)
        assert version.number == 1 and version.created_by == ward_nurse
        # Issue 18: the template's placeholder numbers become the units' own.
        expected = with_unit_phones(
            template.content(),
            ward=agreement.episode.ward,
            home_health=agreement.episode.home_health_unit,
        )
        assert version.content() == expected
        assert version.contacts[0]["phone"] == agreement.episode.ward.phone
        assert AccessLogEntry.objects.filter(detail__contains="agreement v1").exists()

    def test_not_before_the_physician_has_decided(self, kim, ward, ward_nurse):
        from hemma.episodes.services import episode_flag_candidate

        episode = episode_flag_candidate(staff=ward_nurse, unit=ward, patient=kim)
        with pytest.raises(NotAllowed, match="efter läkarens beslut"):
            write_agreement(episode, ward_nurse)
        assert not Agreement.objects.exists()

    def test_only_the_episode_team_writes_it(self, assessed, outsider, foreign_home_care):
        with pytest.raises(NotAllowed):
            services.agreement_create(
                staff=outsider,
                unit=foreign_home_care,
                episode=assessed,
                template=AgreementTemplate.objects.get(name=OPAT),
            )

    def test_one_agreement_per_episode(self, agreement, ward_nurse):
        with pytest.raises(Conflict, match="redan en överenskommelse"):
            write_agreement(agreement.episode, ward_nurse)
        assert Agreement.objects.count() == 1 and AgreementVersion.objects.count() == 1


class TestRevise:
    def test_a_revision_is_a_new_version_and_the_old_one_stays(self, agreement, ward_nurse, ward):
        changed = content_of(agreement)
        changed["activities"].append({"what": "Sårvård", "who": "Hemsjukvården", "when": "Dag 3"})
        version = services.agreement_revise(
            staff=ward_nurse,
            unit=ward,
            agreement=agreement,
            base_number=1,
            content=changed,
            change_note="Sårvård tillagd",
        )
        agreement.refresh_from_db()
        assert version.number == 2 == agreement.current_number
        assert "Sårvård" not in str(content_of(agreement, 1)["activities"])
        assert "Sårvård" in str(content_of(agreement, 2)["activities"])

    def test_the_second_saver_is_told_and_nothing_is_overwritten(
        self, agreement, ward_nurse, physician, ward
    ):
        first = content_of(agreement) | {"if_worse": "Ring avdelningen."}
        second = content_of(agreement) | {"if_worse": "Ring hemsjukvården."}
        services.agreement_revise(
            staff=ward_nurse, unit=ward, agreement=agreement, base_number=1, content=first
        )
        with pytest.raises(Conflict, match="Någon annan har sparat version 2"):
            services.agreement_revise(
                staff=physician,
                unit=ward,
                agreement=agreement,
                base_number=1,
                content=second,
            )
        agreement.refresh_from_db()
        assert agreement.current_number == 2
        assert content_of(agreement)["if_worse"] == "Ring avdelningen."

    def test_an_unchanged_revision_is_refused(self, agreement, ward_nurse, ward):
        with pytest.raises(HemmaError, match="Inget är ändrat"):
            services.agreement_revise(
                staff=ward_nurse,
                unit=ward,
                agreement=agreement,
                base_number=1,
                content=content_of(agreement),
            )

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"contacts": []}, "minst en kontakt"),
            ({"if_worse": "  "}, "vid försämring"),
            ({"criteria": ["Feberfri", "Feberfri"]}, "två gånger"),
        ],
    )
    def test_bad_content_is_refused_with_a_clear_message(
        self, agreement, ward_nurse, ward, change, message
    ):
        with pytest.raises(HemmaError, match=message):
            services.agreement_revise(
                staff=ward_nurse,
                unit=ward,
                agreement=agreement,
                base_number=1,
                content=content_of(agreement) | change,
            )
        assert agreement.versions.count() == 1


class TestCriteria:
    def test_criteria_are_checked_off_while_at_home(self, agreement, ward_nurse, ward):
        episode = agreement.episode
        criterion = content_of(agreement)["criteria"][0]
        with pytest.raises(NotAllowed, match="medan patienten vårdas"):
            services.discharge_criterion_set(
                staff=ward_nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        episode.state = "at_home"
        episode.save()
        for criterion in content_of(agreement)["criteria"]:
            assert not discharge_criteria_met(agreement)
            services.discharge_criterion_set(
                staff=ward_nurse, unit=ward, agreement=agreement, criterion=criterion, met=True
            )
        assert discharge_criteria_met(agreement)
        services.discharge_criterion_set(
            staff=ward_nurse, unit=ward, agreement=agreement, criterion=criterion, met=False
        )
        assert not discharge_criteria_met(agreement)

    def test_an_unknown_criterion_is_refused(self, agreement, ward_nurse, ward):
        agreement.episode.state = "at_home"
        agreement.episode.save()
        with pytest.raises(HemmaError, match="finns inte"):
            services.discharge_criterion_set(
                staff=ward_nurse, unit=ward, agreement=agreement, criterion="Påhittat", met=True
            )

    def test_giving_the_agreement_ticks_the_checklist(self, agreement, ward_nurse, ward):
        services.agreement_mark_given(staff=ward_nurse, unit=ward, agreement=agreement)
        item = ChecklistItem.objects.get(episode=agreement.episode, key="agreement_given")
        assert item.status == "done" and item.by == ward_nurse


class TestTemplates:
    def test_shipped_templates_are_copied_not_edited(self, ward_nurse, ward):
        shipped = AgreementTemplate.objects.get(name=OPAT)
        with pytest.raises(NotAllowed, match="Kopiera"):
            services.template_save(
                staff=ward_nurse,
                unit=ward,
                template=shipped,
                name="x",
                pathway="early_discharge",
                description="",
                content=shipped.content(),
            )
        first = services.template_copy(staff=ward_nurse, unit=ward, template=shipped)
        second = services.template_copy(staff=ward_nurse, unit=ward, template=shipped)
        assert first.ward == ward and first.name == OPAT
        assert second.name == f"{OPAT} (2)"

    def test_only_ward_staff_manage_templates(self, home_nurse, home_health):
        with pytest.raises(NotAllowed, match="avdelningens personal"):
            services.template_copy(
                staff=home_nurse,
                unit=home_health,
                template=AgreementTemplate.objects.get(name=OPAT),
            )


def test_rows_are_parsed_with_line_numbers_for_mistakes():
    rows, problems = text_to_rows(
        "IV-antibiotika | Hemsjukvården | 08, 16, 24\n\n | Patienten\na|b|c|d",
        ("what", "who", "when"),
        2,
    )
    assert rows == [{"what": "IV-antibiotika", "who": "Hemsjukvården", "when": "08, 16, 24"}]
    assert problems == [
        "Rad 3 saknar något av de 2 första delarna.",
        "Rad 4 har fler än 3 delar (skilj delarna med |).",
    ]


class TestPages:
    def _form(self, agreement, **changes):
        return editor_data(
            content_of(agreement),
            **{"base_number": agreement.current_number, "change_note": ""} | changes,
        )

    def test_create_from_a_template_and_revise(self, assessed, as_ward_nurse):
        page = as_ward_nurse.get(reverse("careplans:agreement", args=[assessed.pk]))
        assert "Skapa från mall" in page.content.decode()
        template = AgreementTemplate.objects.get(name=OPAT)
        response = as_ward_nurse.post(
            reverse("careplans:create", args=[assessed.pk]), {"template": template.pk}
        )
        assert response.status_code == 302
        agreement = Agreement.objects.get(episode=assessed)
        response = as_ward_nurse.post(
            reverse("careplans:revise", args=[assessed.pk]),
            self._form(
                agreement,
                contacts=[
                    {"name": "Avdelning 30", "phone": "023-49 00 30", "hours": "Dygnet runt"}
                ],
            ),
        )
        assert response.status_code == 302
        agreement.refresh_from_db()
        assert agreement.current_number == 2
        page = as_ward_nurse.get(reverse("careplans:agreement", args=[assessed.pk])).content
        assert "023-49 00 30" in page.decode() and "Version 2" in page.decode()

    def test_a_stale_form_shows_the_conflict_and_keeps_the_input(self, agreement, as_ward_nurse):
        stale = self._form(agreement, if_worse="Min ändring")
        as_ward_nurse.post(
            reverse("careplans:revise", args=[agreement.episode_id]),
            self._form(agreement, if_worse="Någon annans ändring"),
        )
        response = as_ward_nurse.post(
            reverse("careplans:revise", args=[agreement.episode_id]), stale
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "Någon annan har sparat version 2" in body and "Min ändring" in body
        assert agreement.versions.count() == 2

    def test_bad_rows_are_a_form_error_not_a_500(self, agreement, as_ward_nurse):
        response = as_ward_nurse.post(
            reverse("careplans:revise", args=[agreement.episode_id]),
            self._form(
                agreement,
                contacts=[{"name": "", "phone": "", "hours": ""}],
                activities=[{"what": "", "who": "Hemsjukvården", "how_often": "", "times": ""}],
            ),
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "Detta fält måste fyllas i" in body and "minst en kontakt" in body
        assert agreement.versions.count() == 1

    def test_the_old_pipe_text_is_refused_not_a_500(self, agreement, as_ward_nurse):
        data = AgreementContentForm.initial_from(content_of(agreement)) | {
            "base_number": 1,
            "activities": "IV-antibiotika | Hemsjukvården | 08, 16, 24",
            "contacts": "Avdelningen | 023-49 20 00 | Dygnet runt",
        }
        response = as_ward_nurse.post(
            reverse("careplans:revise", args=[agreement.episode_id]), data
        )
        assert response.status_code == 400
        assert agreement.versions.count() == 1

    def test_the_print_view_is_plain_swedish_for_the_patient(self, agreement, as_ward_nurse):
        response = as_ward_nurse.get(reverse("careplans:print", args=[agreement.episode_id]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Din plan för vården hemma" in body and "Ring 112" in body
        assert "Antibiotikapump" in body and "hemma/print.css" in body
        assert "19440514-9057" in body

    def test_older_versions_stay_readable(self, agreement, as_ward_nurse, ward_nurse, ward):
        services.agreement_revise(
            staff=ward_nurse,
            unit=ward,
            agreement=agreement,
            base_number=1,
            content=content_of(agreement) | {"if_worse": "Ny text"},
        )
        old = as_ward_nurse.get(reverse("careplans:version", args=[agreement.episode_id, 1]))
        assert "Detta är en äldre version" in old.content.decode()

    def test_outsiders_get_404_and_the_attempt_is_logged(self, agreement, as_outsider):
        response = as_outsider.get(reverse("careplans:agreement", args=[agreement.episode_id]))
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(outcome="denied").exists()

    def test_the_template_pages(self, as_ward_nurse, ward):
        body = as_ward_nurse.get(reverse("careplans:templates")).content.decode()
        assert "Tidig understödd utskrivning efter stroke" in body
        shipped = AgreementTemplate.objects.get(name=OPAT)
        response = as_ward_nurse.post(reverse("careplans:template_copy", args=[shipped.pk]))
        copy = AgreementTemplate.objects.get(ward=ward)
        assert response.url == reverse("careplans:template_edit", args=[copy.pk])
        data = self._template_form(copy, name="OPAT Avd 30")
        response = as_ward_nurse.post(reverse("careplans:template_edit", args=[copy.pk]), data)
        assert response.status_code == 302
        copy.refresh_from_db()
        assert copy.name == "OPAT Avd 30"
        read_only = as_ward_nurse.get(reverse("careplans:template_edit", args=[shipped.pk]))
        assert "kan inte ändras här" in read_only.content.decode()

    def _template_form(self, template, **changes):
        return editor_data(
            template.content(),
            **{
                "name": template.name,
                "pathway": template.pathway,
                "description": template.description,
                "is_active": "on",
            }
            | changes,
        )
