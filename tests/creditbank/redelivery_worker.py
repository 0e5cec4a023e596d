"""The Celery app of the worker processes that test_celery_redelivery.py starts and kills.

It is the project's own app and settings, with one difference: every broker key lies under the
prefix in ``REDELIVERY_KEY_PREFIX``, so that these workers, whose visibility timeout is a few
seconds, never put back a message that some other worker on the same Redis is still running.
Only the worker processes import this module (``celery -A tests.creditbank.redelivery_worker``);
the test process publishes by task name.
"""

import os
import time
from pathlib import Path

from creditbank.celery import app

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "global_keyprefix": os.environ["REDELIVERY_KEY_PREFIX"],
}

__all__ = ["app", "hold"]


@app.task(name="tests.redelivery.hold", ignore_result=True)
def hold(folder: str) -> None:
    """Note a start in ``started``, wait while the file ``hold`` exists, then note the end in
    ``finished``; one line per run in each file."""
    folder_path = Path(folder)
    with (folder_path / "started").open("a") as started:
        started.write(f"{os.getpid()}\n")
    while (folder_path / "hold").exists():
        time.sleep(0.05)
    with (folder_path / "finished").open("a") as finished:
        finished.write(f"{os.getpid()}\n")
