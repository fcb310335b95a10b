from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from hemma.web.fields import NearDateField
from hemma.web.model_choice import ModelChoiceField

from .models import EconomicsSettings, ImportBatch
from .services import EDITABLE, MAX_REPLICATIONS

# Plausible ceilings: a cost per ED visit or per day above this is a typing error (an
# extra zero or two), and so is an ED count above this per month for one organisation.
MAX_COST_KR = 200_000
MAX_MONTHLY_COUNT = 100_000


class EconomicsForm(forms.ModelForm):
    class Meta:
        model = EconomicsSettings
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.max_value = MAX_COST_KR
                field.validators.append(MaxValueValidator(MAX_COST_KR))
                field.widget.attrs["max"] = MAX_COST_KR


class SavingForm(forms.Form):
    """The numbers the saving is calculated from. A visits field left empty takes the
    number from the imported ED visits of the chosen months (`EdPeriodsForm`)."""

    visits_before = forms.IntegerField(
        label=_("Akutbesök per månad före"),
        min_value=0,
        max_value=MAX_MONTHLY_COUNT,
        required=False,
    )
    visits_after = forms.IntegerField(
        label=_("Akutbesök per månad efter"),
        min_value=0,
        max_value=MAX_MONTHLY_COUNT,
        required=False,
    )
    housing_days = forms.IntegerField(
        label=_("Dygn korttidsboende som undveks"),
        min_value=0,
        max_value=MAX_MONTHLY_COUNT,
        required=False,
        initial=0,
    )


def _month(label) -> forms.DateField:
    """A month (YYYY-MM), cleaned to its first day."""
    return NearDateField(
        past_days=20 * 365,
        future_days=365,
        label=label,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class EdPeriodsForm(forms.Form):
    """The months before and after the change whose imported ED visits give the saving's
    visits a month."""

    before_from = _month(_("Före, från"))
    before_to = _month(_("Före, till"))
    after_from = _month(_("Efter, från"))
    after_to = _month(_("Efter, till"))

    def clean(self):
        data = super().clean()
        for first, last in (("before_from", "before_to"), ("after_from", "after_to")):
            start, end = data.get(first), data.get(last)
            if start and end:
                if end < start:
                    raise forms.ValidationError(_("Perioden slutar innan den börjar."))
                if (end - start).days > 5 * 366:
                    raise forms.ValidationError(_("Välj högst fem år."))
        return data


def _decimal(label, places: int = 2, **options) -> forms.DecimalField:
    """A decimal field as the simulator's inputs are: localised (a comma in Swedish)."""
    return forms.DecimalField(label=label, decimal_places=places, localize=True, **options)


class SimulatorForm(forms.Form):
    name = forms.CharField(
        label=_("Spara som scenario (namn)"),
        max_length=120,
        required=False,
        help_text=_("Tomt: kör utan att spara."),
    )
    beds = forms.IntegerField(label=_("Vårdplatser"), min_value=1, max_value=200, initial=22)
    safety_places = forms.IntegerField(
        label=_("Trygghetsplatser"), min_value=0, max_value=50, initial=2
    )
    arrivals_per_day = _decimal(
        _("Inskrivningar per dygn (medel)"), min_value=0, max_value=100, initial=4.0
    )
    los_mean_days = _decimal(_("Vårdtid, medel (dygn)"), min_value=0.5, max_value=60, initial=5.0)
    los_sd_days = _decimal(_("Vårdtid, spridning (dygn)"), min_value=0, max_value=60, initial=3.5)
    home_percent = _decimal(
        _("Andel vårddygn i hemmet (%)"),
        min_value=0,
        max_value=50,
        initial=0.2,
        help_text=_("Sverige i dag ca 0,2 %; England, Australien, Kanada 4–5 %."),
    )
    days_moved_home = _decimal(
        _("Dygn som flyttas hem per patient"), min_value=0.5, max_value=30, initial=2.5
    )
    direct_admission_percent = _decimal(
        _("Direktinläggning från hemmet (%)"), min_value=0, max_value=100, initial=7, places=1
    )
    readmission_percent = _decimal(
        _("Återinläggning inom 30 dagar (%)"), min_value=0, max_value=100, initial=8, places=1
    )
    from_history = forms.BooleanField(
        label=_("Inskrivningar och vårdtider från avdelningens historik"),
        required=False,
        help_text=_("Senaste årets inskrivningsmeddelanden och utskrivningar (minst 30)."),
    )
    replications = forms.TypedChoiceField(
        label=_("Upprepningar"),
        coerce=int,
        initial=100,
        choices=[(n, str(n)) for n in (10, 50, 100, MAX_REPLICATIONS)],
    )
    seed = forms.IntegerField(label=_("Slumpfrö"), min_value=1, max_value=10**6, initial=1)

    def clean(self):
        data = super().clean()
        beds, safety = data.get("beds"), data.get("safety_places")
        if beds is not None and safety is not None and safety >= beds:
            self.add_error("safety_places", _("Färre trygghetsplatser än vårdplatser."))
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Underlag"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(label=_("CSV-fil"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("Filen är inte UTF-8. Spara den som CSV UTF-8.")
            ) from None


class PeriodForm(forms.Form):
    start = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Från"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = NearDateField(
        past_days=7300,
        future_days=365,
        label=_("Till"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ward = ModelChoiceField(label=_("Avdelning"), queryset=None, required=False)
    centre = ModelChoiceField(label=_("Listade på vårdcentral"), queryset=None, required=False)
    grain = forms.ChoiceField(
        label=_("Trend per"), choices=[("month", _("månad")), ("week", _("vecka"))], required=False
    )

    def __init__(self, *args, wards=None, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = wards
        self.fields["ward"].empty_label = _("Alla")
        self.fields["centre"].queryset = centres
        self.fields["centre"].empty_label = _("Alla")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("Perioden slutar innan den börjar."))
            if (end - start).days > 5 * 366:
                raise forms.ValidationError(_("Välj högst fem år."))
        return data
