"""Follow-up pages (menu Uppföljning), one module per page:

    dashboard.py   the outcome dashboard for a period, its CSV and Excel exports
    economics.py   the economics: every figure with its formula and source, the saving
                   when ED visits fall (visits a month from the imported ED visits of the
                   chosen months, or typed), bed-days at home net; managers edit the
                   assumptions
    simulator.py   the ward simulator and its saved scenarios
    imports.py     uploading data-warehouse files (read by the worker, progress polled)

The measures are `selectors.py` (numbers), their rows and labels `presenters.py`."""
