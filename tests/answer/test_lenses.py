from types import SimpleNamespace

from tmrag.answer.lenses import asked_lenses, party_words
from tmrag.answer.quotes import Quote

LENSES = ("A Google or DeepMind interviewer will likely probe index freshness. "
          "An OpenAI interviewer will likely probe cost per query. "
          "A Meta interviewer will likely probe the ranking funnel.")


def _quotes() -> tuple[list[Quote], SimpleNamespace]:
    index = SimpleNamespace(chunks=[SimpleNamespace(text=LENSES)])
    starts = [0, LENSES.index("An OpenAI"), LENSES.index("A Meta")]
    spans = [(a, b - 1) for a, b in zip(starts, [*starts[1:], len(LENSES) + 1], strict=True)]
    return [Quote(0, list(spans), 1, list(spans))], index


def test_a_lens_line_names_its_company() -> None:
    assert party_words("A Google or DeepMind interviewer will likely probe TPUs.") == {"google", "deepmind"}
    assert party_words("An interviewer will likely probe it.") is None
    assert party_words("Anthropic interviewers tend to probe evals.") is None  # not a lens line's shape


def test_only_the_lenses_of_the_companies_asked_are_kept() -> None:
    quotes, index = _quotes()
    kept = asked_lenses("what would a google/deepmind interviewer push on vs an OpenAI one?", quotes, index)
    assert [LENSES[a:b].split()[1] for q in kept for a, b in q.spans] == ["Google", "OpenAI"]
    assert kept[0].reading == kept[0].spans


def test_lenses_stay_when_no_company_or_the_company_itself_is_asked() -> None:
    for question in ("what do interviewers probe in the answer-engine design?",
                     "whose interviewer would push on cost per query, OpenAI's or Meta's?"):
        quotes, index = _quotes()
        assert len(asked_lenses(question, quotes, index)[0].spans) == 3
