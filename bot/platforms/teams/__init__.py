"""Microsoft Teams: the Bot Framework endpoint, the messenger, Adaptive Cards, payloads, users, retries."""

__all__ = ["adaptive", "endpoint", "messenger", "payloads", "refs", "retry", "routes", "users"]
