"""A scripted LangChain chat model for agent tests: LangChain's fake model, able to take tools.

Each reply is an AIMessage or a function of the messages the model was given (to "obey" what it read).
The instance keeps its place across resumes, like a real conversation would; `seen` records every prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

Reply = AIMessage | Callable[[list[BaseMessage]], AIMessage]


def call(name: str, call_id: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def turn(text: str = "", *calls: dict[str, Any], tokens: int = 0) -> AIMessage:
    usage = (
        {"input_tokens": tokens - tokens // 4, "output_tokens": tokens // 4, "total_tokens": tokens}
        if tokens
        else None
    )
    return AIMessage(content=text, tool_calls=list(calls), usage_metadata=usage)


class ScriptedChatModel(FakeMessagesListChatModel):
    script: list[Any] = []
    seen: list[list[BaseMessage]] = []
    bound: list[list[str]] = []

    def __init__(self, script: Sequence[Reply]) -> None:
        super().__init__(responses=[AIMessage(content="")], script=list(script), seen=[], bound=[])

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> ScriptedChatModel:
        self.bound.append([getattr(t, "name", str(t)) for t in tools])
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.seen.append(list(messages))
        if self.i >= len(self.script):
            raise AssertionError(f"the script has {len(self.script)} replies; the agent asked for more")
        reply = self.script[self.i]
        self.i += 1
        message = reply(list(messages)) if callable(reply) else reply
        return ChatResult(generations=[ChatGeneration(message=message.model_copy())])

    @property
    def _llm_type(self) -> str:
        return "scripted"
