from __future__ import annotations

from types import SimpleNamespace

from tmrag.answer.code_quoting import DEFAULT_VALUE, Signatures, body_lines, signature_span
from tmrag.answer.quotes import Quote
from tmrag.query.intent import QuestionIntent

SKETCH = ("A minimal loop:\n\n```python\ndef react_loop(llm, tools, task,\n               max_steps=10):\n"
          '    """Think, act, observe until the step budget runs out."""\n'
          "    for _ in range(max_steps):\n"
          '        messages.append({"role": "tool", "content": str(obs)[:4000]})\n'
          '    return "Stopped: step budget exhausted."\n```\nAfter the block.\n')
PROSE = "Agents repeat the same failing action. Step budgets prevent runaway spend."


def ranking(question: str) -> SimpleNamespace:
    return SimpleNamespace(query=SimpleNamespace(text=question), intent=QuestionIntent("other"), categories=None,
                           results=[])


def index(*texts: str) -> SimpleNamespace:
    return SimpleNamespace(chunks=[SimpleNamespace(text=t) for t in texts or (PROSE, SKETCH)], mask=lambda _: None)


def test_a_signature_is_found_over_several_lines() -> None:
    a, b = signature_span(SKETCH, "react_loop")
    assert SKETCH[a:b] == "def react_loop(llm, tools, task,\n               max_steps=10):"
    assert signature_span(SKETCH, "react") is None


def test_a_default_asked_of_a_named_sketch_is_quoted_from_its_signature_first() -> None:
    signatures = Signatures(index())
    quotes = [Quote(0, [(0, 38), (39, len(PROSE))], reading=[(0, 38), (39, len(PROSE))])]
    led = signatures.lead(ranking("what's the default step budget of the react_loop sketch?"), quotes)
    assert [(q.row, q.marker, q.code) for q in led] == [(1, 1, "react_loop"), (0, 2, "")]
    assert DEFAULT_VALUE.search(SKETCH[slice(*led[0].spans[0])])


def test_the_body_lines_that_hold_what_is_asked_are_quoted_without_the_docstring() -> None:
    lines = [SKETCH[a:b] for a, b in body_lines(SKETCH, signature_span(SKETCH, "react_loop"))]
    assert lines[0] == "for _ in range(max_steps):" and lines[-1] == 'return "Stopped: step budget exhausted."'
    quotes = [Quote(0, [(0, 38)], reading=[(0, 38)])]
    q = "how many characters of each tool observation does react_loop keep, and what does it return at the end?"
    led = Signatures(index()).lead(ranking(q), quotes)
    said = [SKETCH[a:b] for a, b in led[0].spans]
    assert said == ['messages.append({"role": "tool", "content": str(obs)[:4000]})',
                    'return "Stopped: step budget exhausted."']


def test_no_sketch_line_is_quoted_when_none_holds_what_is_asked() -> None:
    signatures = Signatures(index())
    quotes = [Quote(0, [(0, 38)], reading=[(0, 38)])]
    assert signatures.lead(ranking("why is react_loop a loop at all?"), quotes) == quotes
    assert signatures.lead(ranking("what's the default budget of plan_loop?"), quotes) == quotes  # not in the notes


def test_a_constant_the_function_reads_is_one_of_its_lines() -> None:
    text = ("```python\nimport time\n\nRETRYABLE = {429, 500, 529}\nUNUSED = 3\n\ndef call(req, send):\n"
            "    if req.status not in RETRYABLE:\n        raise\n```\n")
    sketch = Signatures(index(text)).by_name["call"][0]
    assert [text[a:b] for a, b in sketch.lines][:2] == ["RETRYABLE = {429, 500, 529}", "if req.status not in RETRYABLE:"]


def test_a_name_two_modules_define_is_read_from_the_better_ranked_one() -> None:
    first = "```python\ndef rrf(lists, k=60):\n    return k\n```\n"
    second = "```python\ndef rrf(lists, k=20):\n    return k\n```\n"
    signatures = Signatures(index(first, second))
    question = ranking("what k does rrf use by default?")
    question.results = [SimpleNamespace(row=1), SimpleNamespace(row=0)]
    assert signatures.sketch("rrf", question).row == 1


def test_a_docstring_over_several_lines_is_no_code_line() -> None:
    text = ('```python\ndef f(x):\n    """Scores position i - 1 against\n    the 2 tokens before."""\n'
            "    return x[:2]\n```\n")
    assert [text[a:b] for a, b in body_lines(text, signature_span(text, "f"))] == ["return x[:2]"]


def test_a_plain_word_called_names_its_sketch_and_camel_case_too() -> None:
    from tmrag.answer.code_quoting import IDENTIFIER

    assert IDENTIFIER.findall("in the slerp() helper, at what dot product does it fall back?") == ["slerp"]
    assert IDENTIFIER.findall("what does getSnapshot return, and does react_loop retry?") == ["getSnapshot", "react_loop"]
    assert IDENTIFIER.findall("the slerp helper; a sample of runs") == []  # a word not called is prose
    sketch = SKETCH.replace("react_loop", "loop")
    q = "in loop(), how many characters of each tool observation does it keep?"
    led = Signatures(index(PROSE, sketch)).lead(ranking(q), [Quote(0, [(0, 38)], reading=[(0, 38)])])
    assert led[0].code == "loop" and "4000" in sketch[slice(*led[0].spans[0])]
