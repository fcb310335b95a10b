"""Monitoring pages: the episode's values and trends, the ward's live alerts, the daily
digital round, and the patient's own page on a tablet or phone (device token, no account).

Every page and action goes through the access policy: one episode is read with
`get_episode_for_user` and needs the health record (home care gets a 404 and a denied
entry); an action needs `may_do` with its name in `policy.EPISODE_ACTIONS` (refused: a
denied entry, 403, nothing changed); lists show only `health_record_patients_visible_to`
and log one entry per patient shown.

    policy.py    the policy once for every staff view: `health_record_episode`, `refused`
    episode.py   one episode's monitoring page and its actions, the device code and QR
    alerts.py    the unit's live alerts (page and 10-second panel), acknowledge/resolve,
                 the physician on duty
    rounds.py    the daily digital round and the round protocol
    patient.py   the patient's own pages under /patient/ (device cookie, no account)

The FHIR API is in ../api.py."""

from .patient import DEVICE_COOKIE

__all__ = ["DEVICE_COOKIE"]
