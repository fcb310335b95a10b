"""Idempotent create forms: a double click or a resent POST creates one thing, not two.

A create form renders `{% load submission %}{% submission_token %}`: a hidden
`submission_token` holding a fresh uuid4. The view runs its one service call inside
`submit_once`, and answers a repeat like the first submit, with "Redan sparat.":

    try:
        with submit_once(request, result_url=url):
            services.thing_add(...)
    except AlreadySubmitted as repeat:
        return already_saved(request, repeat, url)
    messages.success(...)
    return redirect(url)

The block runs in one transaction that first claims the token (a SubmissionToken row;
the token is unique). A later POST with the same token finds the claim and does not run
the block. A concurrent one waits on the unique index until the first transaction ends
and then gets an IntegrityError, also answered as a repeat: exactly one thing is created.
When the block raises (a HemmaError, a refusal) the claim rolls back with everything the
block wrote, so the same token may be sent again. A POST without a (valid) token runs the
block as before: old pages, tests and scripts keep working.

`run_form_action` (web/actions.py) does the same for the views built on it.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import SubmissionToken

FIELD = "submission_token"
ALREADY_SAVED = _("Redan sparat.")


class AlreadySubmitted(Exception):
    """This form was carried out before; `result_url` is where the first submit led ("" if
    unknown)."""

    def __init__(self, result_url: str = ""):
        super().__init__("already submitted")
        self.result_url = result_url


@dataclass
class Submission:
    """The block may set `result_url` when it is known only after the creation."""

    result_url: str = ""
    token: uuid.UUID | None = None


class _Taken(Exception):
    pass


def submission_token(request) -> uuid.UUID | None:
    """The POSTed token, or None when there is none (or it is not a UUID)."""
    if request.method != "POST":
        return None
    value = request.POST.get(FIELD, "").strip()
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def previous_submission(request) -> AlreadySubmitted | None:
    """The repeat answer when the request's token was already used, else None."""
    token = submission_token(request)
    return _previous(token, request.user) if token is not None else None


def _previous(token: uuid.UUID, user) -> AlreadySubmitted | None:
    claim = SubmissionToken.objects.filter(token=token).first()
    if claim is None:
        return None
    # Someone else's token (a copied page, never by chance): no hint of where it led.
    return AlreadySubmitted(claim.result_url if claim.user_id == user.pk else "")


# A resent form is a matter of seconds to days (a tab left open); a token older than this
# is forgotten, each user's old ones cleared as they claim a new one (one indexed delete).
TOKEN_DAYS = 30


def _claim(token: uuid.UUID, user, result_url: str) -> SubmissionToken:
    SubmissionToken.objects.filter(
        user=user, created_at__lt=timezone.now() - timedelta(days=TOKEN_DAYS)
    ).delete()
    try:
        with transaction.atomic():  # a savepoint: the insert may fail on the unique token
            return SubmissionToken.objects.create(
                token=token, user=user, result_url=result_url[:500]
            )
    except IntegrityError:
        raise _Taken from None


@contextmanager
def submit_once(request, result_url: str = "") -> Iterator[Submission]:
    """Run the block at most once per submission token; raises AlreadySubmitted for a
    repeat (before the block runs). Without a token the block simply runs."""
    token = submission_token(request)
    user = getattr(request, "user", None)
    if token is None or user is None or not user.is_authenticated:
        yield Submission(result_url)
        return
    if (repeat := _previous(token, user)) is not None:
        raise repeat
    submission = Submission(result_url, token)
    try:
        with transaction.atomic():
            claim = _claim(token, user, result_url)
            yield submission
            if submission.result_url != claim.result_url:
                claim.result_url = submission.result_url[:500]
                claim.save(update_fields=["result_url"])
    except _Taken:
        # A concurrent submit with the same token committed first (we waited for it).
        raise _previous(token, user) or AlreadySubmitted() from None


def already_saved(request, repeat: AlreadySubmitted, fallback: str):
    """The answer to a repeat: "Redan sparat." and the page the first submit led to."""
    messages.info(request, ALREADY_SAVED)
    target = repeat.result_url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return redirect(target)
