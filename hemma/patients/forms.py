"""Forms: strict validation at the edge with messages that say what is wrong."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from hemma.accounts.models import Organisation, Unit
from hemma.accounts.validators import validate_phone
from hemma.clinical.identifiers import InvalidIdentifier, parse_personal_identity
from hemma.web.model_choice import ModelChoiceField

from .blocks import MIN_OPENING_REASON_LENGTH
from .services import MIN_EMERGENCY_REASON_LENGTH, PatientDetails

PERSONAL_NUMBER_MESSAGES = {
    "empty": _("Ange ett personnummer eller samordningsnummer."),
    "format": _(
        "Ogiltigt format. Skriv ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN eller ÅÅMMDD-NNNN "
        "(+ i stället för - för den som fyllt 100)."
    ),
    "date": _("Datumdelen är inget giltigt datum."),
    "future": _("Födelsedatumet ligger i framtiden."),
    "too_old": _("Födelsedatumet ligger mer än 130 år bakåt. Kontrollera årtalet."),
    "checksum": _("Kontrollsiffran stämmer inte. Kontrollera numret."),
}

# Roughly Sweden's bounding box: a home visit outside it is a typing error.
SWEDEN_LATITUDE = (Decimal("55.0"), Decimal("69.2"))
SWEDEN_LONGITUDE = (Decimal("10.5"), Decimal("24.3"))


class PersonalNumberField(forms.CharField):
    """Cleans to a PersonalIdentity (12 digits, kind, birth date, sex)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 15)
        kwargs.setdefault("label", _("Personnummer"))
        kwargs.setdefault("help_text", _("T.ex. 19121212-1212. Samordningsnummer går också bra."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_personal_identity(value)
        except InvalidIdentifier as error:
            message = PERSONAL_NUMBER_MESSAGES.get(error.code, PERSONAL_NUMBER_MESSAGES["format"])
            raise forms.ValidationError(message, code=error.code) from None


class PatientDetailsForm(forms.Form):
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    street_address = forms.CharField(label=_("Gatuadress"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postnummer"), max_length=6, required=False)
    city = forms.CharField(label=_("Ort"), max_length=100, required=False)
    latitude = forms.DecimalField(
        label=_("Latitud"),
        max_digits=8,
        decimal_places=6,
        required=False,
        help_text=_("Decimalgrader, t.ex. 60.6065 (Falun). Används för hembesök."),
    )
    longitude = forms.DecimalField(
        label=_("Longitud"),
        max_digits=9,
        decimal_places=6,
        required=False,
        help_text=_("Decimalgrader, t.ex. 15.6355."),
    )
    phone = forms.CharField(
        label=_("Telefon"), max_length=30, required=False, validators=[validate_phone]
    )
    preferred_language = forms.CharField(
        label=_("Föredraget språk"), max_length=50, initial="svenska"
    )
    listed_unit = ModelChoiceField(
        label=_("Listad vårdcentral"),
        queryset=Unit.objects.filter(kind=Unit.Kind.PRIMARY_CARE),
        required=False,
    )
    home_municipality = ModelChoiceField(
        label=_("Hemkommun"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY),
        required=False,
    )

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].replace(" ", "")
        if value and not re.fullmatch(r"[1-9][0-9]{4}", value):
            raise forms.ValidationError(_("Postnummer är fem siffror, t.ex. 791 71."))
        return f"{value[:3]} {value[3:]}" if value else ""

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if (latitude is None) != (longitude is None):
            raise forms.ValidationError(_("Ange både latitud och longitud, eller ingen av dem."))
        if latitude is not None:
            if not SWEDEN_LATITUDE[0] <= latitude <= SWEDEN_LATITUDE[1]:
                self.add_error("latitude", _("Latituden ligger utanför Sverige (55–69,2)."))
            if not SWEDEN_LONGITUDE[0] <= longitude <= SWEDEN_LONGITUDE[1]:
                self.add_error("longitude", _("Longituden ligger utanför Sverige (10,5–24,3)."))
        return data

    def to_details(self) -> PatientDetails:
        fields = PatientDetails.__dataclass_fields__
        return PatientDetails(**{name: self.cleaned_data[name] for name in fields})

    @classmethod
    def initial_from(cls, patient) -> dict:
        return {name: getattr(patient, name) for name in PatientDetails.__dataclass_fields__}


class PatientRegistrationForm(PatientDetailsForm):
    personal_number = PersonalNumberField()
    field_order = ["personal_number"]


class NextOfKinForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=200)
    relation = forms.CharField(label=_("Relation"), max_length=100)
    phone = forms.CharField(label=_("Telefon"), max_length=30, validators=[validate_phone])


class CareTeamAddForm(forms.Form):
    unit = ModelChoiceField(label=_("Enhet"), queryset=Unit.objects.select_related("organisation"))

    def __init__(self, *args, exclude_unit_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.exclude(pk__in=exclude_unit_ids)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.fields["unit"].label_from_instance = lambda unit: (
            f"{unit.name} – {unit.organisation.name}"
        )


class EmergencyAccessForm(forms.Form):
    personal_number = PersonalNumberField()
    reason = forms.CharField(
        label=_("Skäl till nödåtkomst"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_EMERGENCY_REASON_LENGTH,
        max_length=400,
        help_text=_(
            "Nödåtkomst loggas och granskas. Ange varför du behöver patientens uppgifter nu."
        ),
    )


class PatientExtractForm(forms.Form):
    personal_number = PersonalNumberField()


class BlockForm(forms.Form):
    """The patient's block (spärr) of what one unit has documented. `units`: the units the
    patient may block (a list: the page offers the care team without another query)."""

    blocked_unit = forms.TypedChoiceField(label=_("Spärra information från"), coerce=int)
    note = forms.CharField(
        label=_("Patientens önskemål"),
        max_length=500,
        required=False,
        help_text=_("Frivilligt: vad patienten vill, med egna ord."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        self.fields["blocked_unit"].choices = [
            (unit.pk, f"{unit.name} – {unit.organisation.name}")
            for unit in sorted(units, key=lambda u: (u.organisation.name, u.name))
        ]

    def clean_blocked_unit(self):
        return self.units[self.cleaned_data["blocked_unit"]]


class BlockOpenForm(forms.Form):
    """Opening blocked information: only with the patient's consent, now, and a reason."""

    patient_consents = forms.BooleanField(
        label=_("Patienten samtycker till att spärren hävs tillfälligt"),
        required=True,
        error_messages={
            "required": _("Spärrad information kan bara öppnas om patienten samtycker.")
        },
    )
    reason = forms.CharField(
        label=_("Skäl"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_OPENING_REASON_LENGTH,
        max_length=400,
        help_text=_("Öppningen loggas och granskas. Ange varför du behöver informationen nu."),
    )
