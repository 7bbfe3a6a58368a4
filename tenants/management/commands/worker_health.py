import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_redis import get_redis_connection

from config.celery import WORKER_HEARTBEAT_KEY


class Command(BaseCommand):
    help = (
        "Health check of one worker process (for a process supervisor or a container probe): "
        "exits 0 while the worker named --name wrote its heartbeat recently, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", default="urgent@%h", help="the worker's -n name; %%h is this host's name")

    def handle(self, *args, **options):
        name = options["name"].replace("%h", socket.gethostname())
        seen = get_redis_connection("default").zscore(WORKER_HEARTBEAT_KEY, name)
        # Three missed heartbeats: busy workers still beat (the timer runs beside the tasks).
        if seen is None or time.time() - seen > 3 * settings.WORKER_HEARTBEAT_SECONDS:
            raise CommandError(f"worker {name}: no recent heartbeat")
        self.stdout.write(f"worker {name}: ok")
