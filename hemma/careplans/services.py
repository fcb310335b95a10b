"""Writing the documented agreement: create from a template, revise (optimistic locking),
check off discharge criteria, and the ward's templates."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hemma.accounts.models import Membership, Staff, Unit
from hemma.clinical import episode_states as states
from hemma.episodes.models import ChecklistItem, Episode
from hemma.episodes.services import checklist_mark_done, episode_log
from hemma.errors import Conflict, HemmaError, NotAllowed
from hemma.patients.policy import require_action

from .models import Agreement, AgreementTemplate, AgreementVersion, DischargeCriterionCheck
from .shipped import with_unit_phones

# An agreement is written once the physician has found the patient suitable.
WRITABLE_STATES = (
    states.ASSESSED,
    states.AGREED,
    states.PREPARING,
    states.AT_HOME,
    states.READMITTED,
)


def _require(staff: Staff, unit: Unit, action: str, episode: Episode) -> None:
    """The policy decides (hemma.patients.policy.EPISODE_ACTIONS): the owning ward writes
    and revises the agreement (edit_agreement); the ward and the visiting team check off
    discharge criteria (mark_criterion)."""
    require_action(staff=staff, unit=unit, action=action, episode=episode)


def _clean_content(content: dict) -> dict:
    """Keep only the content fields, stripped, with empty rows dropped."""
    activities = [
        {key: str(row.get(key, "")).strip() for key in ("what", "who", "when")}
        for row in content.get("activities", [])
    ]
    contacts = [
        {key: str(row.get(key, "")).strip() for key in ("name", "phone", "hours")}
        for row in content.get("contacts", [])
    ]
    cleaned = {
        "activities": [row for row in activities if row["what"]],
        "contacts": [row for row in contacts if row["name"]],
        "criteria": [str(c).strip()[:300] for c in content.get("criteria", []) if str(c).strip()],
        "if_worse": str(content.get("if_worse", "")).strip(),
        "call_112": str(content.get("call_112", "")).strip(),
        "equipment": [str(e).strip() for e in content.get("equipment", []) if str(e).strip()],
    }
    if len(set(cleaned["criteria"])) != len(cleaned["criteria"]):
        raise HemmaError(_("Samma utskrivningskriterium står två gånger."))
    if not cleaned["contacts"]:
        raise HemmaError(_("Ange minst en kontakt som patienten kan ringa."))
    if not cleaned["if_worse"]:
        raise HemmaError(_("Beskriv vad patienten ska göra vid försämring."))
    return cleaned


def agreement_create(
    *,
    staff: Staff,
    unit: Unit,
    episode: Episode,
    template: AgreementTemplate | None,
    content: dict | None = None,
) -> Agreement:
    """Step 4: write the documented agreement, from a template (its content, edited or not)."""
    if content is None:
        if template is None:
            raise HemmaError(_("Välj en mall."))
        # The template's placeholder numbers become the ward's and home health care's own.
        content = with_unit_phones(
            template.content(), ward=episode.ward, home_health=episode.home_health_unit
        )
    _require(staff, unit, "edit_agreement", episode)
    cleaned = _clean_content(content)
    try:
        with transaction.atomic():
            episode = Episode.objects.select_for_update().get(pk=episode.pk)
            if episode.state not in WRITABLE_STATES:
                raise NotAllowed(
                    _("Överenskommelsen skrivs efter läkarens beslut, så länge vården pågår.")
                )
            if template is not None and template.ward_id not in (None, episode.ward_id):
                raise NotAllowed(_("Mallen hör till en annan avdelning."))
            agreement = Agreement.objects.create(episode=episode, template=template)
            AgreementVersion.objects.create(
                agreement=agreement, number=1, created_by=staff, **cleaned
            )
            episode_log(staff=staff, unit=unit, episode=episode, detail="agreement v1")
    except IntegrityError:
        raise Conflict(_("Det finns redan en överenskommelse för vårdtillfället.")) from None
    return agreement


def agreement_revise(
    *,
    staff: Staff,
    unit: Unit,
    agreement: Agreement,
    base_number: int,
    content: dict,
    change_note: str = "",
) -> AgreementVersion:
    """A new version; the earlier ones stay readable. A revision based on an older version
    than the newest is refused, so nobody's change is silently overwritten."""
    _require(staff, unit, "edit_agreement", agreement.episode)
    cleaned = _clean_content(content)
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update()
            .select_related("episode__patient")
            .get(pk=agreement.pk)
        )
        episode = agreement.episode
        if episode.state not in WRITABLE_STATES:
            raise NotAllowed(_("Vårdtillfället är avslutat; överenskommelsen kan inte ändras."))
        if base_number != agreement.current_number:
            raise Conflict(
                _(
                    "Någon annan har sparat version %(n)s medan du skrev. Dina ändringar är "
                    "inte sparade: läs den nya versionen och gör om ändringen."
                )
                % {"n": agreement.current_number}
            )
        current = agreement.versions.get(number=agreement.current_number)
        if current.content() == cleaned:
            raise HemmaError(_("Inget är ändrat."))
        agreement.current_number += 1
        agreement.save(update_fields=["current_number"])
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=agreement.current_number,
            change_note=change_note.strip(),
            created_by=staff,
            **cleaned,
        )
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"agreement v{version.number}")
    return version


def discharge_criterion_set(
    *, staff: Staff, unit: Unit, agreement: Agreement, criterion: str, met: bool, note: str = ""
) -> None:
    """Step 10: check off (or un-check) one of the agreement's discharge criteria."""
    _require(staff, unit, "mark_criterion", agreement.episode)
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update()
            .select_related("episode__patient")
            .get(pk=agreement.pk)
        )
        episode = agreement.episode
        if episode.state not in (states.AT_HOME, states.READMITTED):
            raise NotAllowed(_("Utskrivningskriterierna bockas av medan patienten vårdas."))
        current = agreement.versions.get(number=agreement.current_number)
        if criterion not in current.criteria:
            raise HemmaError(_("Kriteriet finns inte i den gällande överenskommelsen."))
        checks = DischargeCriterionCheck.objects.filter(agreement=agreement, criterion=criterion)
        if met:
            if not checks.exists():
                DischargeCriterionCheck.objects.create(
                    agreement=agreement, criterion=criterion, note=note.strip(), checked_by=staff
                )
        else:
            checks.delete()
        episode_log(staff=staff, unit=unit, episode=episode, detail=f"criterion met={met}")


def agreement_mark_given(*, staff: Staff, unit: Unit, agreement: Agreement) -> None:
    """The patient has the printed agreement: ticks the pre-discharge checklist item."""
    _require(staff, unit, "edit_agreement", agreement.episode)
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=agreement.episode_id)
        checklist_mark_done(episode, ChecklistItem.Key.AGREEMENT_GIVEN, staff)
        episode_log(staff=staff, unit=unit, episode=episode, detail="agreement given to patient")


def _require_ward_member(staff: Staff, unit: Unit) -> None:
    if (
        unit.kind != Unit.Kind.WARD
        or not Membership.objects.filter(staff=staff, unit=unit).exists()
    ):
        raise NotAllowed(_("Mallar hanteras av avdelningens personal."))


def template_save(
    *,
    staff: Staff,
    unit: Unit,
    template: AgreementTemplate | None,
    name: str,
    pathway: str,
    description: str,
    content: dict,
    is_active: bool = True,
) -> AgreementTemplate:
    """Create or change one of the ward's own templates (shipped ones are copied, not edited)."""
    _require_ward_member(staff, unit)
    if not name.strip():
        raise HemmaError(_("Ge mallen ett namn."))
    cleaned = _clean_content(content)
    try:
        with transaction.atomic():
            if template is None:
                template = AgreementTemplate(ward=unit)
            elif template.ward_id != unit.pk:
                raise NotAllowed(_("Mallen hör inte till din avdelning. Kopiera den i stället."))
            template.name, template.pathway = name.strip(), pathway
            template.description, template.is_active = description.strip(), is_active
            for field, value in cleaned.items():
                setattr(template, field, value)
            template.save()
    except IntegrityError:
        raise Conflict(_("Avdelningen har redan en mall med det namnet.")) from None
    return template


def template_copy(*, staff: Staff, unit: Unit, template: AgreementTemplate) -> AgreementTemplate:
    _require_ward_member(staff, unit)
    name = template.name
    taken = set(AgreementTemplate.objects.filter(ward=unit).values_list("name", flat=True))
    number = 1
    while name in taken:
        number += 1
        name = f"{template.name} ({number})"
    return AgreementTemplate.objects.create(
        ward=unit,
        name=name,
        pathway=template.pathway,
        description=template.description,
        **with_unit_phones(template.content(), ward=unit),
    )


def templates_ensure_shipped() -> None:
    """Hemma's templates exist (the data migration ships them; a flushed test database or
    an operator's deletion does not leave the demo without them)."""
    from .shipped import SHIPPED_TEMPLATES

    for spec in SHIPPED_TEMPLATES:
        if not AgreementTemplate.objects.filter(ward=None, name=spec["name"]).exists():
            AgreementTemplate.objects.create(ward=None, **spec)
