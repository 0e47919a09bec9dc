"""Celery tasks: thin wrappers that call a service (acks_late; every task is idempotent)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def flag_stale() -> int:
    """Flag arrangements that have gone stale; clear flags that no longer hold."""
    return services.flag_stale()
