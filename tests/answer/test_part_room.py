"""How a question of three or more parts shares the answer's room between them."""

from __future__ import annotations

import pytest

from tmrag.answer import side_room
from tmrag.answer.quotes import Pick, Scored
from tmrag.answer.side_room import SidePlan, SideRoom

ROOM = 6  # the rule at a room of six sentences, where it has to choose


@pytest.fixture(autouse=True)
def _room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(side_room, "COMPOSED_SENTENCES", ROOM)


class _Quoter(SideRoom):
    """The room-sharing rule alone: every sentence quotes as one sentence, none repeats."""

    def take(self, n: int, s: Scored, chosen: list[Pick], strength: dict[tuple[int, int], float], why: bool) -> bool:
        if len(chosen) >= ROOM:
            return False
        chosen.append(Pick(n, s.row, s.j))
        return True


def _plan(part: int, *scores: float) -> SidePlan:
    pool = [Scored(score, 0, part, j) for j, score in enumerate(scores)]
    return SidePlan(pool, scores[0], 2)


def _taken(plans: list[SidePlan]) -> list[tuple[int, int]]:
    chosen: list[Pick] = []
    found = _Quoter().shared(plans, chosen, {}, [False] * len(plans))
    assert found == sum(1 for p in plans if p.pool)
    return sorted((p.row, p.j) for p in chosen)


def test_a_part_whose_next_sentences_are_as_strong_as_its_first_gets_the_room_of_a_weak_second() -> None:
    # part 1's second falls 0.13 below its first; part 2's second and third are as strong as its first
    plans = [_plan(0, 0.71, 0.67, 0.62), _plan(1, 0.67, 0.54), _plan(2, 0.50, 0.49, 0.49)]
    assert _taken(plans) == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)]


def test_every_part_gets_its_best_sentence_first_and_a_third_only_within_the_margin() -> None:
    plans = [_plan(0, 0.9, 0.5, 0.49), _plan(1, 0.6), _plan(2, 0.7)]
    # part 0 takes a second however weak (no other part has one), but not a third 0.41 below its first
    assert _taken(plans) == [(0, 0), (0, 1), (1, 0), (2, 0)]


def test_a_part_with_no_sentences_takes_no_room() -> None:
    plans = [_plan(0, 0.8, 0.79, 0.78, 0.77), SidePlan([], 0.0, 2), _plan(2, 0.6, 0.59)]
    assert _taken(plans) == [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1)]


@pytest.mark.slow
def test_a_third_part_asking_which_flags_gets_them_rather_than_the_second_part_a_stray_cost(real_engine) -> None:  # noqa: ANN001
    answer = real_engine.ask("Three things my notes say are publicly documented about Claude Code: (1) what is its "
                             "terminal interface built with? (2) how does it surface session cost, both to the user and "
                             "to monitoring? (3) which two command-line flags bring an earlier conversation back, and "
                             "how do they differ?")
    assert "Ink" in answer.answer and "/cost" in answer.answer
    assert "--continue" in answer.answer  # the flags' sentence, as strong for part 3 as its first
    assert "sandbox" not in answer.answer  # part 2's weak second: a sandbox's cost, not the session's

