"""``tmrag quiz``: study mode in the terminal. Shows a card, reads the answer (prompt_toolkit on a
terminal, one line per answer when piped), prints the grade with what was covered and what was
missed (each with the module section it is quoted from), and goes on to the next card. The
learner is a profile name; state lives in the same SQLite file as the chat page's."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from .engine import Engine
from .errors import InvalidQueryError, NotFoundError
from .study.service import Study
from .study.types import GradedAnswer, ProgressReport

HELP = "Answer in your own words and press Enter. /skip shows the next card, /progress your progress, /quit leaves."
COMMANDS = ("/skip", "/progress", "/quit", "/exit")


def _lines(interactive: bool, stdin: TextIO) -> Iterator[str]:
    if interactive:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        session: PromptSession[str] = PromptSession(history=InMemoryHistory())
        while True:
            try:
                yield session.prompt("answer> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
    else:
        yield from (line.rstrip("\n") for line in stdin)


def format_grade(result: GradedAnswer) -> str:
    cites = {c.marker: c for c in result.reference.citations}

    def where(marker: int) -> str:
        c = cites[marker]
        return f"{c.title} § {c.section}" if c.section else c.title

    lines = [f"Score {round(result.score * 100)}% ({result.rating}); next due {result.next_due[:16].replace('T', ' ')} UTC"]
    if result.flags:
        lines.append("Scored low because: " + ", ".join(f.replace("_", " ") for f in result.flags))
    lines += [f"  ✓ {p.text}  [{where(p.marker)}]" for p in result.covered]
    lines += [f"  ✗ {p.text}  [{where(p.marker)}]" for p in result.missed]
    return "\n".join(lines)


def format_progress(report: ProgressReport) -> str:
    lines = ["Progress (cards seen / cards, mean of latest scores, due now):"]
    for row in report.categories:
        mean = "–" if row.mean_score is None else f"{round(row.mean_score * 100)}%"
        lines.append(f"  {row.name:<20} {row.seen:>4}/{row.cards:<4} {mean:>5}  {row.due_now} due")
    return "\n".join(lines)


class QuizSession:
    def __init__(self, study: Study, learner: str, categories: list[str] | None, modules: list[str] | None,
                 out: TextIO) -> None:
        self.study, self.learner, self.categories, self.modules, self.out = study, learner, categories, modules, out
        self.card_id: str | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def ask_next(self) -> None:
        nxt = self.study.next(self.learner, self.categories, self.modules)
        self.card_id = nxt.card.id
        c = nxt.card
        self.say(f"\n[{c.category} · {c.module_id} · {c.kind}]  due {nxt.due_count}, new {nxt.new_count}\n{c.prompt}")

    def handle(self, line: str) -> bool:
        """One input line; False when the session should end."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        if line == "/progress":
            self.say(format_progress(self.study.progress(self.learner)))
            return True
        if line != "/skip" and self.card_id:
            self.say(format_grade(self.study.answer(self.learner, self.card_id, line)))
        self.ask_next()
        return True


def run_quiz(engine: Engine, learner: str, categories: list[str] | None, modules: list[str] | None,
             stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    study = Study(engine, engine.settings.data_dir)
    session = QuizSession(study, learner, categories, modules, out)
    interactive = stdin.isatty()
    if interactive:
        session.say(HELP)
    session.ask_next()
    for line in _lines(interactive, stdin):
        try:
            if not session.handle(line):
                break
        except (InvalidQueryError, NotFoundError) as exc:
            session.say(f"tmrag: {exc}")
    return 0
