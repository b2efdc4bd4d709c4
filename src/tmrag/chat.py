"""``tmrag chat``: an interactive session in which follow-up questions are answered in the
context of the conversation, like the chat page. Line editing and history come from
prompt_toolkit on a terminal; piped input is read line by line, and ``--json`` prints one JSON
object per answer for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TextIO

from .answer.types import Answer
from .config import Settings
from .engine import Engine
from .errors import InvalidQueryError, StorageError
from .insights.log import QuestionLog
from .insights.records import Feedback, citation_location
from .insights.store import InsightsStore
from .query.followup import MAX_TURNS, Turn
from .terminal import format_answer

HELP = ("Ask a question about the notes. Follow-ups use the conversation. /up or /down [comment] rates the last "
        "answer, /new starts over, /quit leaves.")


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
    def __init__(self, engine: Engine, as_json: bool, out: TextIO, store: InsightsStore | None = None,
                 log: QuestionLog | None = None) -> None:
        self.engine, self.as_json, self.out = engine, as_json, out
        self.store, self.log = store, log
        self.history: list[Turn] = []
        self.last: tuple[str, Answer] | None = None

    def rate(self, rating: str, comment: str) -> None:
        """``/up`` or ``/down`` [comment]: feedback on the last answer, into the same store as the page's."""
        if self.last is None or self.store is None:
            self.say(json.dumps({"error": {"code": "nothing_to_rate", "message": "no answer to rate yet"}})
                     if self.as_json else "tmrag: no answer to rate yet")
            return
        question, answer = self.last
        try:
            self.store.add_feedback(Feedback(question=question, resolved_question=answer.resolved_question,
                                             answer=answer.answer, citations=[citation_location(c) for c in answer.citations],
                                             rating=rating, comment=comment, build_id=answer.index.build_id))
        except StorageError as exc:  # the conversation goes on; the rating is reported lost
            self.say(json.dumps({"error": {"code": exc.code, "message": str(exc)}}) if self.as_json else f"tmrag: {exc}")
            return
        self.say(json.dumps({"event": "feedback", "rating": rating}) if self.as_json else f"(rated {rating}, thank you)")

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
        command, _, rest = line.partition(" ")
        if command in ("/up", "/down"):
            self.rate(command[1:], rest.strip())
            return True
        try:
            result = self.engine.ask(line, history=self.history[-MAX_TURNS:])
        except InvalidQueryError as exc:
            self.say(json.dumps({"error": {"code": exc.code, "message": str(exc)}}) if self.as_json else f"tmrag: {exc}")
            return True
        self.history.append(Turn(line, result.answer))
        self.last = (line, result)
        if self.log is not None:
            self.log.submit(line, result, self.engine.embed_query)
        if self.as_json:
            self.say(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        else:
            searched = f"Searched: {result.resolved_question}\n\n" if result.resolved_question != line else ""
            self.say(f"\n{searched}{format_answer(result)}\n")
        return True


def run_chat(engine: Engine, as_json: bool, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
             settings: Settings | None = None) -> int:
    """With ``settings``, ratings are stored and (when TMRAG_LOG_QUESTIONS is on) questions logged."""
    interactive = stdin.isatty() and not as_json
    store = InsightsStore(settings.data_dir, settings.log_retention_days) if settings else None
    log = QuestionLog(store, settings.log_queue_size) if store and settings and settings.log_questions else None
    session = ChatSession(engine, as_json, out, store, log)
    if interactive:
        session.say(HELP)
    try:
        for line in _lines(interactive, stdin):
            if not session.handle(line):
                break
    finally:
        if log is not None:
            log.close()  # everything asked in the session is written before the command returns
    return 0
