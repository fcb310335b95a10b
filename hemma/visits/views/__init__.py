"""Home visits: the home health unit's planner and each staff member's run sheet.

Through the access policy: the planner, its map and the run sheet show only the unit's
own visits of patients it may list, and log one entry per patient shown. A visit is
acted on only by its own unit (anyone else: a denied entry and 404, like an unknown id),
after the policy's see question on its episode and `may_do` (`plan_visits` to add, move
or cancel, `record_visit` to mark arrived or done; refused: a denied entry and 403).

    common.py     the policy once for every view: the unit-wide refusal, a visit's see
                  and `may_do`, ids the page could not have offered; the day asked for
    planner.py    the planner page (board, map, forms), generating the day's visits and
                  queueing the planning job (its progress is polled on the page)
    shifts.py     adding and removing a staff member's shift
    visit.py      one visit: add an ad-hoc visit, move it in a route, cancel it
    run_sheet.py  the staff member's own visits: the run sheet, arrived, done"""
