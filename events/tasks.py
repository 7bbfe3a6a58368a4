from __future__ import annotations

from config.celery import app
from events.webhooks import webhook_deliveries_due, webhook_delivery_attempt
from tenants.iteration import for_each_company

# The registered names are the ones these tasks had in `workflows`: messages already queued
# (and the beat schedule) keep reaching them after the move.


@app.task(bind=True, acks_late=True, max_retries=None, name="workflows.tasks.webhook_deliver")
def webhook_deliver(self, delivery_id: str) -> str:
    """Post one delivery; on failure try again later with exponential backoff until
    24 hours after the event (the schedule lives in `webhooks.retry_delay`)."""
    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@app.task(name="workflows.tasks.webhook_deliveries_due_all")
def webhook_deliveries_due_all() -> int:
    """Beat: re-queue deliveries whose task was lost, in every company."""
    total = 0
    for _company in for_each_company():
        total += webhook_deliveries_due()
    return total
