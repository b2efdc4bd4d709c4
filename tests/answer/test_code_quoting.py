from __future__ import annotations

from types import SimpleNamespace

from tmrag.answer.code_quoting import Signatures, signature_span, states_defaults
from tmrag.answer.quotes import Quote
from tmrag.query.intent import QuestionIntent

SKETCH = ("A minimal loop:\n\n```python\ndef react_loop(llm, tools, task,\n               max_steps=10):\n"
          "    for _ in range(max_steps):\n        pass\n```\n")
PROSE = "Agents repeat the same failing action. Step budgets prevent runaway spend."


def ranking(question: str) -> SimpleNamespace:
    return SimpleNamespace(query=SimpleNamespace(text=question), intent=QuestionIntent("other"))


def index() -> SimpleNamespace:
    return SimpleNamespace(chunks=[SimpleNamespace(text=PROSE), SimpleNamespace(text=SKETCH)])


def test_a_signature_is_found_over_several_lines() -> None:
    a, b = signature_span(SKETCH, "react_loop")
    assert SKETCH[a:b] == "def react_loop(llm, tools, task,\n               max_steps=10):"
    assert signature_span(SKETCH, "react") is None


def test_a_default_asked_of_a_named_sketch_is_quoted_from_its_signature_first() -> None:
    signatures = Signatures(index())
    quotes = [Quote(0, [(0, 38), (39, len(PROSE))], reading=[(0, 38), (39, len(PROSE))])]
    led = signatures.lead(ranking("what's the default step budget of the react_loop sketch?"), quotes)
    assert [(q.row, q.marker) for q in led] == [(1, 1), (0, 2)]
    assert states_defaults([SKETCH[slice(*led[0].spans[0])]])


def test_a_signature_is_not_quoted_when_no_default_is_asked() -> None:
    signatures = Signatures(index())
    quotes = [Quote(0, [(0, 38)], reading=[(0, 38)])]
    assert signatures.lead(ranking("what does react_loop return when it stops?"), quotes) == quotes
    assert signatures.lead(ranking("what's the default budget of plan_loop?"), quotes) == quotes  # not in the notes
