"""A job function for the `hemma monitor` subprocesses of test_multi_instance.py: it
notes every run (job, process) in a file, so the test counts how often each job ran."""

import os
import time


def record(job, progress):
    progress("Arbetar…")
    time.sleep(0.2)  # long enough for the other worker to claim the next job meanwhile
    with open(os.environ["HEMMA_TEST_JOB_RUNS"], "a") as runs:
        runs.write(f"{job.pk} {os.getpid()}\n")
    return {"ran_in": os.getpid()}
