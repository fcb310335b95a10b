"""Synthetic answers to the experience questionnaire for the demo's finished history
episodes, so that the results page shows figures above the small-number threshold.
Idempotent: an episode answers once (the model's constraint), so a second load adds
nothing (whether an episode answers is seeded by the episode). Roughly two in three
discharged episodes answer, mostly positively."""

import random
from datetime import timedelta

from hemma.clinical import episode_states as states
from hemma.episodes.models import Episode
from hemma.experience.models import QUESTIONS, Response

# The answer's weights for 5 (instämmer helt) … 1 (instämmer inte alls) and 0 (vill inte
# svara): a believable, mostly satisfied picture.
WEIGHTS = {5: 55, 4: 25, 3: 9, 2: 4, 1: 2, 0: 5}
COMMENTS = (
    "Tryggt att kunna ringa avdelningen dygnet runt.",
    "Skönt att få sova i egen säng.",
    "Svårt i början med pumpen, men det blev bra.",
    "Hemsjukvården kom alltid som planerat.",
)


def experience_ensure() -> int:
    """Answers for history episodes discharged without one; returns how many were added."""
    values, weights = list(WEIGHTS), list(WEIGHTS.values())
    episodes = (
        Episode.objects.filter(
            patient__last_name__endswith="(historik)",
            state=states.DISCHARGED,
            ended_at__isnull=False,
            experience_response__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "ended_at")
    )
    answers = []
    for pk, ended_at in episodes:
        # Seeded by the episode: whether it answers, and what, is the same on every load.
        rng = random.Random(pk)  # noqa: S311 – synthetic data
        if rng.random() >= 0.65:
            continue
        answers.append(
            Response(
                episode_id=pk,
                answered_at=ended_at + timedelta(hours=rng.randrange(1, 72)),
                comment=rng.choice(COMMENTS) if rng.random() < 0.2 else "",
                **{q: rng.choices(values, weights)[0] for q in QUESTIONS},
            )
        )
    Response.objects.bulk_create(answers, batch_size=1000)
    return len(answers)
