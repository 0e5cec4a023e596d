"""The Celery application of the credit bank.

JSON only, late acknowledgement with rejection on worker loss (a task is redelivered if the worker
dies mid-way, so every task must be idempotent), and time limits so nothing hangs forever.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditbank.settings")

app = Celery("creditbank")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
