"""``tmrag chat``: an interactive session in which follow-up questions are answered in the
context of the conversation, like the chat page. Line editing and history come from
prompt_toolkit on a terminal; piped input is read line by line, and ``--json`` prints one JSON
object per answer for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TextIO

from .engine import Engine
from .errors import InvalidQueryError
from .query.followup import MAX_TURNS, Turn
from .terminal import format_answer

HELP = "Ask a question about the notes. Follow-ups use the conversation. /new starts over, /quit leaves."


def _lines(interactive: bool, stdin: TextIO) -> Iterator[str]:
    if interactive:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        session: PromptSession[str] = PromptSession(history=InMemoryHistory())
        while True:
            try:
                yield session.prompt("you> ")
            except KeyboardInterrupt:  # Ctrl-C clears the line, as in a shell
                continue
            except EOFError:
                return
    else:
        yield from (line.rstrip("\n") for line in stdin)


class ChatSession:
    def __init__(self, engine: Engine, as_json: bool, out: TextIO) -> None:
        self.engine, self.as_json, self.out = engine, as_json, out
        self.history: list[Turn] = []

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """One input line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line == "/new":
            self.history.clear()
            self.say(json.dumps({"event": "new_conversation"}) if self.as_json else "(new conversation)")
            return True
        try:
            result = self.engine.ask(line, history=self.history[-MAX_TURNS:])
        except InvalidQueryError as exc:
            self.say(json.dumps({"error": {"code": exc.code, "message": str(exc)}}) if self.as_json else f"tmrag: {exc}")
            return True
        self.history.append(Turn(line, result.answer))
        if self.as_json:
            self.say(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        else:
            searched = f"Searched: {result.resolved_question}\n\n" if result.resolved_question != line else ""
            self.say(f"\n{searched}{format_answer(result)}\n")
        return True


def run_chat(engine: Engine, as_json: bool, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    interactive = stdin.isatty() and not as_json
    session = ChatSession(engine, as_json, out)
    if interactive:
        session.say(HELP)
    for line in _lines(interactive, stdin):
        if not session.handle(line):
            break
    return 0
