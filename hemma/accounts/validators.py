"""Django validators wrapping the pure identifier rules with Swedish messages."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hemma.clinical import identifiers

HSA_MESSAGES = {
    "empty": _("Ange ett HSA-id."),
    "format": _(
        "Ogiltigt HSA-id. Formatet är SE + organisationsnummer (10 siffror) + - + "
        "bokstäver/siffror, t.ex. SE2321000180-1234."
    ),
    "length": _("Ett HSA-id får vara högst 31 tecken."),
}
ORGANISATION_NUMBER_MESSAGES = {
    "empty": _("Ange ett organisationsnummer."),
    "format": _("Ogiltigt organisationsnummer. Ange 10 siffror, t.ex. 232100-0180."),
    "checksum": _("Organisationsnumret har fel kontrollsiffra."),
}
PHONE_MESSAGE = _(
    "Ogiltigt telefonnummer. Ange 3–15 siffror, gärna med riktnummer, t.ex. 023-49 00 00 "
    "eller +46 70 123 45 67."
)


def _message(messages: dict, error: identifiers.InvalidIdentifier):
    return messages.get(error.code, messages.get("format"))


def validate_hsa_id(value: str) -> None:
    try:
        identifiers.validate_hsa_id(value)
    except identifiers.InvalidIdentifier as error:
        raise ValidationError(_message(HSA_MESSAGES, error), code=f"hsa_{error.code}") from None


def validate_organisation_number(value: str) -> None:
    try:
        identifiers.validate_organisation_number(value)
    except identifiers.InvalidIdentifier as error:
        raise ValidationError(
            _message(ORGANISATION_NUMBER_MESSAGES, error), code=f"orgnr_{error.code}"
        ) from None


def validate_phone(value: str) -> None:
    try:
        identifiers.normalize_phone(value)
    except identifiers.InvalidIdentifier:
        raise ValidationError(PHONE_MESSAGE, code="phone") from None
