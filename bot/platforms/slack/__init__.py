"""Slack: the bolt app and its client, the messenger, Block Kit and mrkdwn rendering, payload screening."""

__all__ = ["app", "background", "client", "blockkit", "messenger", "mrkdwn", "payloads"]
