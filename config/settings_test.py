"""Test settings: the real stack (PostgreSQL schemas, Redis), made fast and isolated."""

import os

os.environ.setdefault("BASE_DOMAIN", "sealhub.test")
# One queue per test run so a developer's `make run` worker never takes test tasks.
os.environ.setdefault("SEALHUB_TASK_QUEUE", f"sealhub-test-{os.getpid()}")
os.environ.setdefault("WORKER_HEARTBEAT_SECONDS", "1")
os.environ.setdefault("WEBHOOK_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_HOSTS", "true")
# The fair share of page-image jobs (config/fair_share.py) has tests of its own; elsewhere,
# tests that stand in for the broker would keep their company's slots taken.
os.environ.setdefault("PREVIEW_JOBS_PER_COMPANY", "1000")
# On a shared machine a niced page-image worker waits for everyone else's processes, and
# tests that wait for page images would time out; the niceness has a test of its own.
os.environ.setdefault("WORKER_BACKGROUND_NICENESS", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "EMAIL_URL" not in os.environ:  # a test worker process may be given a file outbox instead
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = f"sealhub-test-{os.environ['SEALHUB_TASK_QUEUE']}"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
SMS_BACKEND = "accounts.sms.OutboxSmsBackend"
