"""Slack: the bolt app and its client, the messenger, Block Kit (cards, modals, App Home) and mrkdwn
rendering, payload screening."""

__all__ = ["app", "app_home", "background", "client", "blockkit", "messenger", "modals", "mrkdwn", "payloads"]
