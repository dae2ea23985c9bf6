"""``groupbuy db inbox``: what the webhook inbox holds, and putting parked events back in line."""

from __future__ import annotations

import json

import click

from bot.cli.uow import cli_uow
from infra import inbox
from models import WebhookEvent

SHOWN = 20  # failed events listed


@click.command("inbox")
@click.option("--retry-failed", is_flag=True, help="Put every failed event back in the queue (after a fix).")
def inbox_command(retry_failed: bool) -> None:
    """Count the webhook inbox's events by status and list the failed ones.

    An event whose handling raised three times is parked as failed, so that it does not hold up the events behind
    it. Once the cause is fixed, --retry-failed queues them again; a running bot applies them within seconds.
    """
    with cli_uow(inbox=True) as uow:
        if retry_failed:
            requeued = inbox.requeue_failed(uow)
            uow.commit()
            click.echo(f"requeued {requeued} failed event(s); a running bot applies them within seconds")
            if requeued:
                click.echo("LINE no longer accepts replies to events this old: members see no answer to these "
                           "comments, but their orders are in the book (check with `groupbuy export orders`)")
        counts = inbox.status_counts(uow)
        click.echo(f"inbox: {counts['pending']} pending, {counts['done']} done, {counts['failed']} failed")
        parked = inbox.failed_events(uow, SHOWN)
        for row in parked:
            click.echo(f"  failed  {row.sent_at:%Y-%m-%d %H:%M:%S} UTC  {row.webhook_event_id}  {_what(row)}  "
                       f"after {row.attempts} attempts: {row.error or 'no error recorded'}")
        if counts["failed"] > len(parked):
            click.echo(f"  … and {counts['failed'] - len(parked)} more")
        if counts["failed"]:
            click.echo("fix the cause shown in the log, then run `groupbuy db inbox --retry-failed`")


def _what(row: WebhookEvent) -> str:
    """Return the event's type, with the text of a text message (what the member wrote)."""
    try:
        message = json.loads(row.payload).get("message") or {}
    except (ValueError, AttributeError):
        return row.event_type
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        return f"{row.event_type} {message['text'][:40]!r}"
    return row.event_type
