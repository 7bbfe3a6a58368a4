import time

from django.core.management.base import BaseCommand, CommandError
from django_redis import get_redis_connection

from tenants.tasks import BEAT_HEARTBEAT_KEY, BEAT_HEARTBEAT_SECONDS


class Command(BaseCommand):
    help = (
        "Health check of Celery beat: exits 0 while beat's one-minute heartbeat job ran recently "
        "(so beat schedules and a worker on the periodic queue runs what it schedules), 1 otherwise."
    )

    def handle(self, *args, **options):
        seen = get_redis_connection("default").get(BEAT_HEARTBEAT_KEY)
        if seen is None or time.time() - float(seen) > 3 * BEAT_HEARTBEAT_SECONDS:
            raise CommandError("beat: its heartbeat job has not run in the last 3 minutes")
        self.stdout.write("beat: ok")
