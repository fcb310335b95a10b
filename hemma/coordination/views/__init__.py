"""The coordination pages, one module per page group (wired in hemma/coordination/urls.py):

- `cases`: the discharge coordinator's worklist and the receiving units' inbox, the
  admission notice, one page per discharge case with its messages, receipts, deadlines
  and actions (lag 2017:612);
- `sip`: the case's SIP plan and its print;
- `meetings`: the weekly coordination meeting and the shared task list;
- `directory`: the doctor-to-doctor directory (läkare till läkare) and its statistics;
- `temporary_visits`: a temporary visit to a patient not enrolled in home health care.

The frailty screening's form view lives with its patient-page panel in
hemma/coordination/frailty.py. Each view parses input, calls selectors (reads:
hemma/coordination/selectors.py, meetings.py, directory.py) or one service, and renders.
This package imports nothing itself: urls.py imports the modules."""
