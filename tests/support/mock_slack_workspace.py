"""In-memory Slack workspace behind the mock Web API: what each method answers, and its state.

Kept apart from the HTTP server so the semantics (ts allocation, message_not_found, view ids)
are plain synchronous Python; the server serialises access with its lock.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from tests.support.slack_limits import message_error, view_error

TEAM_ID = "T111"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A111"
# First ts handed out; real ts values are "<unix seconds>.<6 digits>" and unique per channel.
_TS_EPOCH_MICROS = 1_700_000_000_000_000
_TS_STEP_MICROS = 100

Params = dict[str, Any]
Answer = dict[str, Any]


def _missing(field: str) -> Answer:
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] missing required field: {field}"]},
    }


class FakeWorkspace:
    """State and answers for the Web API methods a chat-ops bot uses; others answer {"ok": true}."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self.views: dict[str, dict[str, Any]] = {}  # view id -> view
        self.users: dict[str, dict[str, Any]] = {}  # overrides merged into users.info answers
        self.usergroups: dict[str, list[str]] = {}  # user group id (S…) -> member user ids
        self._home_views: dict[str, str] = {}  # user id -> their Home tab view id (stable, like Slack)
        self._ts_count = 0
        self._view_count = 0
        # files_upload_v2: getUploadURLExternal -> POST the bytes to upload_url -> completeUploadExternal
        self.upload_base = ""  # the mock server's "http://127.0.0.1:<port>/upload/", set when it starts
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> {filename, length, alt_txt, content}
        self.files: dict[str, dict[str, Any]] = {}  # completed: file id -> upload + {title, channel}
        self._handlers: dict[str, Callable[[Params], Answer]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "conversations.replies": self.conversations_replies,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "usergroups.users.list": self.usergroups_users_list,
            "views.open": self.views_open,
            "views.push": self.views_open,
            "views.publish": self.views_publish,
            "views.update": self.views_update,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
        }

    def handle(self, method: str, params: Params) -> Answer:
        handler = self._handlers.get(method)
        return handler(params) if handler else {"ok": True}

    # -- helpers -----------------------------------------------------------------------------

    def next_ts(self) -> str:
        self._ts_count += 1
        micros = _TS_EPOCH_MICROS + self._ts_count * _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def seed_message(
        self, channel: str, text: str, *, user: str = "U111", thread_ts: str | None = None
    ) -> str:
        """Store a message as if a human had posted it (e.g. the parent of a thread in an event fixture)."""
        ts = self.next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "team": TEAM_ID, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages[(channel, ts)] = message
        return ts

    # -- auth / users ------------------------------------------------------------------------

    def auth_test(self, params: Params) -> Answer:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "missionbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def users_info(self, params: Params) -> Answer:
        user_id = params.get("user")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        name = user_id.lower()
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": name,
            "deleted": False,
            "is_bot": user_id == BOT_USER_ID,
            "tz": "Etc/UTC",
            "tz_offset": 0,
            "profile": {"real_name": name, "display_name": name},
        }
        user.update(copy.deepcopy(self.users.get(user_id, {})))
        return {"ok": True, "user": user}

    # -- chat --------------------------------------------------------------------------------

    def usergroups_users_list(self, params: Params) -> Answer:
        usergroup = params.get("usergroup")
        if not usergroup:
            return _missing("usergroup")
        if usergroup not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[usergroup])}

    def chat_post_message(self, params: Params) -> Answer:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if failure := message_error(params):
            return failure
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        # chat:write.customize: Slack shows the message under this name and icon (the bot's otherwise)
        if params.get("username"):
            message["username"] = params["username"]
        icons = {k: params[k] for k in ("icon_emoji", "icon_url") if params.get(k)}
        if icons:
            message["icons"] = {"emoji" if k == "icon_emoji" else "image_48": v for k, v in icons.items()}
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def chat_update(self, params: Params) -> Answer:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        message = self.messages.get((channel, ts)) if ts else None
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if failure := message_error(params):
            return failure
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": BOT_USER_ID, "ts": self.next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def chat_post_ephemeral(self, params: Params) -> Answer:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return _missing("user")
        if failure := message_error(params):
            return failure
        return {"ok": True, "message_ts": self.next_ts()}  # ephemeral: nothing to store or update

    # -- conversations -----------------------------------------------------------------------

    def conversations_replies(self, params: Params) -> Answer:
        channel, thread_ts = params.get("channel"), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not thread_ts:
            return _missing("ts")
        thread = [
            copy.deepcopy(message)
            for (ch, ts), message in self.messages.items()
            if ch == channel and (ts == thread_ts or message.get("thread_ts") == thread_ts)
        ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        thread.sort(key=lambda m: m["ts"])
        if thread[0]["ts"] == thread_ts and len(thread) > 1:  # a thread parent carries these, like Slack
            thread[0]["thread_ts"] = thread_ts
            thread[0]["reply_count"] = len(thread) - 1
        return {"ok": True, "messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def conversations_open(self, params: Params) -> Answer:
        users = params.get("users") or ""
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        # Deterministic DM id per user list so tests can predict where the bot will post.
        return {"ok": True, "channel": {"id": "D" + users.replace(",", "")[1:]}}

    # -- files (files_upload_v2) ---------------------------------------------------------------

    def files_get_upload_url_external(self, params: Params) -> Answer:
        for field in ("filename", "length"):
            if not params.get(field):
                return _missing(field)
        file_id = f"F{len(self.uploads) + 1:08d}"
        self.uploads[file_id] = {
            "filename": params["filename"],
            "length": int(params["length"]),
            "alt_txt": params.get("alt_txt"),
            "content": None,
        }
        return {"ok": True, "upload_url": f"{self.upload_base}{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        upload = self.uploads.get(file_id)
        if upload is None or len(content) != upload["length"]:
            return False
        upload["content"] = content
        return True

    def files_complete_upload_external(self, params: Params) -> Answer:
        files = params.get("files")
        if isinstance(files, str):  # form-encoded: a JSON array in a string, as Slack takes it
            files = json.loads(files)
        if not files:
            return _missing("files")
        done = []
        for f in files:
            upload = self.uploads.get(f.get("id", ""))
            if upload is None or upload["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            channel = params.get("channel_id")
            if channel and channel.startswith(("U", "W")):
                return {"ok": False, "error": "invalid_channel"}  # a DM is shared by its D… channel id
            self.files[f["id"]] = {**upload, "title": f.get("title"), "channel": channel}
            done.append({"id": f["id"], "title": f.get("title")})
        return {"ok": True, "files": done}

    # -- views -------------------------------------------------------------------------------

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        if view_id is None:
            self._view_count += 1
            view_id = f"V{self._view_count:010d}"
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        stored.update(copy.deepcopy(view))
        stored["hash"] = f"{self.next_ts()}.{view_id}"  # changes on every write, for hash_conflict
        self.views[view_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def views_open(self, params: Params) -> Answer:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            return _missing("trigger_id")
        if failure := view_error(params.get("view")):
            return failure
        return self._store_view(params["view"])

    def views_publish(self, params: Params) -> Answer:
        user_id = params.get("user_id")
        if not user_id:
            return _missing("user_id")
        if failure := view_error(params.get("view")):
            return failure
        answer = self._store_view(params["view"], self._home_views.get(user_id))
        self._home_views[user_id] = answer["view"]["id"]
        return answer

    def views_update(self, params: Params) -> Answer:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next(
                (v["id"] for v in self.views.values() if v["external_id"] == params["external_id"]), None
            )
        if not view_id and not params.get("external_id"):
            return _missing("view_id")
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        if params.get("hash") and params["hash"] != self.views[view_id]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        if failure := view_error(params.get("view")):
            return failure
        return self._store_view(params["view"], view_id)
