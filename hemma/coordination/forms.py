from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Staff, Unit
from hemma.careplans.forms import text_to_rows
from hemma.clinical.frailty import cfs_name
from hemma.web.fields import NearDateField, NearDateTimeField
from hemma.web.model_choice import ModelChoiceField, ModelMultipleChoiceField

from .models import MeetingSeries

LOCAL = {"type": "datetime-local"}
FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class CaseOpenForm(forms.Form):
    admitted_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Inskriven"),
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
    )
    support_judged_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Behov av insatser efter utskrivning bedömt"),
        required=False,
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
        help_text=_("Om det bedömdes senare än inskrivningen: 24-timmarsfristen räknas därifrån."),
    )
    estimated_discharge = NearDateField(
        past_days=60,
        future_days=365,
        label=_("Beräknat utskrivningsdatum"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    receivers = ModelMultipleChoiceField(
        label=_("Kommunala mottagare"),
        queryset=Unit.objects.filter(kind__in=["home_health_care", "home_care"]),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Patientens vårdcentral får meddelandet automatiskt."),
    )
    text = forms.CharField(
        label=_("Meddelande"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EpisodeNoticeForm(forms.Form):
    """The episode page's notice (lag 2017:612): sent as a message of the episode's case."""

    notice = forms.ChoiceField(
        label=_("Meddelande"),
        choices=[("admission", _("Inskrivningsmeddelande")), ("ready", _("Utskrivningsklar"))],
    )
    admitted_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Inskriven"),
        required=False,
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
    )
    support_judged_at = CaseOpenForm.base_fields["support_judged_at"]
    estimated_discharge = NearDateField(
        past_days=60,
        future_days=365,
        label=_("Beräknat utskrivningsdatum"),
        required=False,
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    text = CaseOpenForm.base_fields["text"]

    def clean(self):
        data = super().clean()
        if data.get("notice") == "admission":
            for name in ("admitted_at", "estimated_discharge"):
                if not data.get(name):
                    self.add_error(name, _("Behövs för inskrivningsmeddelandet."))
        return data


class EstimateForm(forms.Form):
    estimated_discharge = NearDateField(
        past_days=60,
        future_days=365,
        label=_("Nytt beräknat utskrivningsdatum"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput)


class StaffChoiceField(ModelChoiceField):
    def label_from_instance(self, staff):
        return f"{staff.display_name}, {staff.get_profession_display()}"


class FixedContactForm(forms.Form):
    contact = StaffChoiceField(label=_("Fast vårdkontakt"), queryset=Staff.objects.none())

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            # A system client's profile is no person to be anyone's contact.
            self.fields["contact"].queryset = (
                Staff.objects.filter(memberships__unit=unit)
                .exclude(profession=Staff.Profession.SYSTEM)
                .select_related("user")
            )


class ReasonForm(forms.Form):
    """Why the patient is no longer ready for discharge."""

    reason = forms.CharField(label=_("Inte längre utskrivningsklar – orsak"), max_length=1000)


class SipForm(forms.Form):
    meeting_at = NearDateTimeField(
        past_days=365,
        future_days=365,
        label=_("Mötestid"),
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Plats"), max_length=300, required=False)
    video_link = forms.URLField(label=_("Videolänk"), required=False, assume_scheme="https")
    participants = forms.CharField(
        label=_("Kallade"),
        max_length=2000,
        help_text=_("T.ex. patienten, närstående, avdelningen, hemsjukvården, biståndshandläggare"),
    )


class EmptyForm(forms.Form):
    pass


class ReceiptForm(forms.Form):
    receipt = forms.IntegerField()


class FrailtyForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Clinical Frailty Scale"),
        coerce=int,
        choices=[(level, f"{level} – {cfs_name(level)}") for level in range(1, 10)],
    )
    assessed_on = NearDateField(
        past_days=365,
        future_days=0,
        label=_("Bedömd"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Kommentar"), max_length=500, required=False)


class MeetingForm(forms.Form):
    partner = ModelChoiceField(label=_("Möte med"), queryset=Unit.objects.none())
    guests = ModelMultipleChoiceField(
        label=_("Ambulanssjukvården deltar"),
        queryset=Unit.objects.filter(kind="ambulance"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    held_on = NearDateField(
        past_days=365,
        future_days=365,
        label=_("Datum"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        other = (
            "home_health_care"
            if unit is not None and unit.kind == "primary_care"
            else "primary_care"
        )
        self.fields["partner"].queryset = Unit.objects.filter(kind=other)


class MeetingSeriesForm(MeetingForm):
    """A recurring meeting: the partner and guests as for one meeting, then the schedule."""

    held_on = None
    weekday = forms.TypedChoiceField(
        label=_("Veckodag"), coerce=int, choices=MeetingSeries.Weekday.choices
    )
    starts_at = forms.TimeField(label=_("Tid"), widget=forms.TimeInput({"type": "time"}, "%H:%M"))
    interval_weeks = forms.IntegerField(
        label=_("Var n:e vecka"),
        min_value=1,
        max_value=8,
        initial=1,
        help_text=_("1 = varje vecka, 2 = varannan vecka."),
    )
    active_from = NearDateField(
        past_days=365,
        future_days=1095,
        label=_("Från och med"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    active_to = NearDateField(
        past_days=365,
        future_days=1095,
        label=_("Till och med"),
        required=False,
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
        help_text=_("Tomt: tills serien avslutas."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="series", **kwargs)


class SeriesEndForm(forms.Form):
    series = forms.IntegerField(widget=forms.HiddenInput)
    last_on = NearDateField(
        past_days=365,
        future_days=1095,
        label=_("Sista mötesdag"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )


class AgendaAddForm(forms.Form):
    """The patient comes from the POST as an id and is checked by the view (a denied entry
    for one the unit may not list), not by a choice field: `patient` only keeps the choice
    for the form drawn again after a failed submit."""

    patient = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Varför tas patienten upp?"), max_length=200)


class AgendaRowForm(forms.Form):
    """A form in one agenda row: `item` names the row (checked by the view, which reads it
    from the POST) so that a failed submit comes back in its own row."""

    item = forms.IntegerField(required=False, widget=forms.HiddenInput)


class NoteForm(AgendaRowForm):
    notes = forms.CharField(
        label=_("Anteckningar"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Sammanfattning"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TaskForm(AgendaRowForm):
    title = forms.CharField(label=_("Uppgift"), max_length=300)
    owner_unit = ModelChoiceField(label=_("Ansvarig enhet"), queryset=Unit.objects.none())
    due_on = NearDateField(
        past_days=365,
        future_days=365,
        label=_("Senast"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is not None:
            guests = list(meeting.guests.values_list("pk", flat=True))
            self.fields["owner_unit"].queryset = Unit.objects.filter(
                pk__in=[meeting.primary_care_id, meeting.home_health_id, *guests]
            )


class EpisodeTaskForm(forms.Form):
    """Completing a task on the episode page (episode_hooks.complete_task)."""

    task = forms.IntegerField()
    note = forms.CharField(label=_("Anteckning"), max_length=2000, required=False)


class DirectoryEntryForm(forms.Form):
    title = forms.CharField(label=_("Rubrik"), max_length=200)
    direct_phone = forms.CharField(label=_("Direktnummer"), max_length=30)
    consultation_hours = forms.CharField(
        label=_("Subakuta konsultationstider"), max_length=300, required=False
    )
    on_call = forms.CharField(label=_("Jourarrangemang"), max_length=300, required=False)
    out_of_hours = forms.CharField(
        label=_("Läkarstöd utanför kontorstid (ambulans, hemsjukvård)"),
        max_length=300,
        required=False,
    )
    notes = forms.CharField(
        label=_("Övrigt"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(forms.Form):
    contacted_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Kontakt"),
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
    )
    answer_minutes = forms.IntegerField(
        label=_("Minuter till svar"), required=False, min_value=0, max_value=7 * 24 * 60
    )
    note = forms.CharField(label=_("Kommentar"), max_length=300, required=False)


class PeriodForm(forms.Form):
    first = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Från"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    last = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Till"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError(_("Från-datumet ligger efter till-datumet."))
        return data


class TemporaryVisitForm(forms.Form):
    personal_number = forms.CharField(label=_("Personnummer"), max_length=15)
    visited_at = NearDateTimeField(
        past_days=365,
        future_days=0,
        label=_("Besök"),
        input_formats=FORMATS,
        widget=forms.DateTimeInput(LOCAL, "%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Orsak"), max_length=300)
    outcome = forms.CharField(
        label=_("Bedömning och åtgärd"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SipPlanForm(forms.Form):
    needs = forms.CharField(label=_("Behov"), widget=forms.Textarea(attrs={"rows": 3}))
    goals = forms.CharField(label=_("Mål"), widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(
        label=_("Vem gör vad och när"),
        help_text=_("En per rad: vem | vad | när, t.ex. Dottern | Handlar mat | Varje fredag"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_on = NearDateField(
        past_days=365,
        future_days=365,
        label=_("Uppföljning"),
        widget=forms.DateInput({"type": "date"}, "%Y-%m-%d"),
    )
    evaluation = forms.CharField(
        label=_("Utvärdering"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean_actions(self):

        rows, problems = text_to_rows(self.cleaned_data["actions"], ("who", "what", "when"), 2)
        if problems:
            raise forms.ValidationError(problems)
        if not rows:
            raise forms.ValidationError(_("Ange minst en rad."))
        return rows
