"""Quoting: which model names count as the same model when a quote is checked against the question, and
how far a quoted sentence runs."""

from types import SimpleNamespace

import pytest

from tmrag.answer.owner_scoring import same_model
from tmrag.answer.quoted import quoted_phrases
from tmrag.answer.quoting import QuoteSelector
from tmrag.config import Settings


def test_a_shorter_family_name_is_the_same_model_only_at_the_same_size() -> None:
    assert same_model(("llama", "7B"), ("llama2", "7B")) and not same_model(("llama", "70B"), ("llama2", "7B"))
    assert not same_model(("llama3", "8B"), ("llama2", "8B"))


def _selector(text: str) -> QuoteSelector:
    sentences, start = [], 0
    for piece in ("The half-width is", "about ±0.5 points.", "The baseline is 25% on four options."):
        a = text.index(piece, start)
        sentences.append((a, a + len(piece)))
        start = a + len(piece)
    chunk = SimpleNamespace(text=text, sentences=sentences, kind="module", doc_id="m", start=None)
    return QuoteSelector(Settings(), None, SimpleNamespace(chunks=[chunk]), None)


def test_a_lead_in_runs_through_its_display_formula_and_the_words_that_finish_it() -> None:
    text = "The half-width is\n\n$$\n1.96\\sqrt{0.09/14{,}042} \\approx 0.0050,\n$$\n\nabout ±0.5 points. " \
           "The baseline is 25% on four options."
    quoter = _selector(text)
    assert quoter.sentence(0, 0).endswith("about ±0.5 points.") and "0.0050" in quoter.sentence(0, 0)
    assert quoter.after_formula(0, 1) and not quoter.after_formula(0, 2)  # "about…" is quoted only with its lead-in
    assert quoter.sentence(0, 2) == "The baseline is 25% on four options."


def test_a_lead_in_before_an_aligned_block_is_not_extended() -> None:
    text = "The half-width is\n\n$$\na = 1 \\\\\nb = 2\n$$\n\nabout ±0.5 points. The baseline is 25% on four options."
    assert _selector(text).sentence(0, 0) == "The half-width is"


def _section_selector(question: str = "What is P at s = 0.8?",
                      kinds: tuple[str, ...] = ("module", "module", "module")) -> tuple[QuoteSelector, SimpleNamespace]:
    import numpy as np

    texts = ["The setup uses fourteen bands of eight rows each.", "At s = 0.8 the pair is flagged with P = 0.9235.",
             "Deduplication removes near copies before training begins."]
    where = [("dedup", "worked-numbers"), ("dedup", "worked-numbers"), ("dedup", "overview")]
    chunks = [SimpleNamespace(text=t, sentences=[(0, len(t))], kind=k, doc_id=m, module_id=m, anchor=a, start=None)
              for t, (m, a), k in zip(texts, where, kinds, strict=True)]
    vectors = {0: np.array([[1.0, 0.0]]), 1: np.array([[0.6, 0.8]]), 2: np.array([[0.0, 1.0]])}
    index = SimpleNamespace(chunks=chunks, sentence_vectors_of=lambda row: vectors[row])
    ranking = SimpleNamespace(results=[SimpleNamespace(row=0), SimpleNamespace(row=2)], qvec=np.array([1.0, 0.0]),
                              query=SimpleNamespace(text=question))
    return QuoteSelector(Settings(), None, index, None), ranking


def test_a_numeric_question_also_reads_the_rest_of_a_top_passages_section() -> None:
    quoter, ranking = _section_selector()
    assert {s.row for s in quoter.candidates(ranking)} == {0, 2}
    widened = {s.row: s for s in quoter.candidates(ranking, whole_sections=True)}
    assert set(widened) == {0, 1, 2} and widened[1].rank == 0  # the sibling ranks with the passage that brought it


def test_a_why_question_ranks_the_sentence_that_gives_a_reason_first() -> None:
    from tmrag.answer.quotes import Scored
    from tmrag.answer.quoting import CAUSAL_BONUS, WHY_MARGIN, WHY_RE

    texts = ["Workers are not given the spawn tool.",
             "With it, a worker could spawn workers, so cost would grow geometrically with depth."]
    text = " ".join(texts)
    chunks = [SimpleNamespace(text=text, kind="module", sentences=[(0, len(texts[0])), (len(texts[0]) + 1, len(text))])]
    quoter = QuoteSelector(Settings(), None, SimpleNamespace(chunks=chunks), None)
    scored = [Scored(0.70, 0, 0, 0), Scored(0.68, 0, 0, 1)]  # the restatement embeds closer to the question
    reasoned = sorted(quoter.reasons_first(scored), key=lambda s: -s.score)
    assert reasoned[0].j == 1 and reasoned[0].score == 0.68 + CAUSAL_BONUS and reasoned[1].score == 0.70
    assert WHY_RE.search("Why shouldn't workers get the spawn tool?") and not WHY_RE.search("What is the spawn tool?")
    assert WHY_MARGIN > 0.12  # a why-answer reaches further down than the default margin


def test_a_top_ranked_annotation_is_quoted_only_when_the_question_asks_for_a_source_or_which_thing() -> None:
    kinds = ("source", "module", "module")  # row 0, ranked first, is a bibliography annotation
    for question, quoted in (("Which paper introduced banded MinHash?", True),
                             ("Which dedup method keeps one signature per document?", True),
                             ("How does banded MinHash flag a pair?", False),
                             ("Who triggers a slash command, and how does MinHash work?", False)):
        quoter, ranking = _section_selector(question, kinds)
        assert (0 in {s.row for s in quoter.candidates(ranking)}) is quoted, question


def test_annotations_left_unquoted_give_their_places_to_the_passages_after_them() -> None:
    from tmrag.answer.quotes import ANSWER_PASSAGES

    quoter, ranking = _section_selector("How does banded MinHash flag a pair?", ("source", "module", "module"))
    ranking.results = [SimpleNamespace(row=0)] * (ANSWER_PASSAGES - 1) + [SimpleNamespace(row=1), SimpleNamespace(row=2)]
    scored = {s.row: s for s in quoter.candidates(ranking)}
    assert set(scored) == {1, 2}  # five results, the first four annotations: both passages are read
    assert scored[1].rank == 0 and scored[2].rank == 1  # ranked among the passages it may quote


def test_the_nearest_sentences_of_a_partial_answer_skip_a_lead_in_whose_list_is_left_out() -> None:
    from tmrag.answer.listing import ListItems
    from tmrag.answer.quotes import Quote

    lead, fact = (0, 40), (41, 90)
    quotes = [Quote(0, [lead, fact], 1, [lead, fact], {lead: ListItems([(100, 120), (121, 140)], True)})]
    kept = QuoteSelector.first_sentences(quotes, 2)
    assert [q.reading for q in kept] == [[fact]]


def test_a_step_of_an_enumeration_brings_the_other_steps_of_its_paragraph() -> None:
    text = ("The jailbreak exploits both gaps. First, it is out of distribution for the refusal training. "
            "The policy only learned patterns. Second, it creates competing objectives with helpfulness.\n\n"
            "Another paragraph starts here. Third, this belongs to a different list of points.")
    pieces = ["The jailbreak exploits both gaps.", "First, it is out of distribution for the refusal training.",
              "The policy only learned patterns.", "Second, it creates competing objectives with helpfulness.",
              "Another paragraph starts here.", "Third, this belongs to a different list of points."]
    sentences = [(text.index(p), text.index(p) + len(p)) for p in pieces]
    chunk = SimpleNamespace(text=text, sentences=sentences, kind="module", doc_id="m", start=None)
    quoter = QuoteSelector(Settings(), None, SimpleNamespace(chunks=[chunk]), None)
    assert quoter.enumeration(0, 1) == [(0, 3)] and quoter.enumeration(0, 3) == [(0, 1)]
    assert quoter.enumeration(0, 2) == []  # not a step itself
    assert quoter.enumeration(0, 5) == []  # the next paragraph's list is another enumeration


def test_a_sentence_another_quoted_one_restates_in_full_is_dropped() -> None:
    from tmrag.answer.reading import within

    short = "LLM-as-judge uses a strong model to grade or compare responses against a rubric."
    long = ("LLM-as-judge uses a strong language model to grade or compare responses against a rubric, scaling "
            "evaluation beyond human labelling.")
    assert within(short, long) and not within(long, short)  # the longer one says more
    assert not within("Per-step success 0.99 over 20 steps gives 0.818 end to end.",
                      "Per-step success 0.95 over 20 steps gives 0.358 end to end, and 0.99 gives more.")  # numbers differ
    assert not within("Decoder weights: the same.", "Decoder weights: the same as the encoder's.")  # too short to say


def test_the_method_as_a_subject_points_back_but_the_method_of_names_one() -> None:
    from tmrag.answer.reading import BACK_REFERENCE

    assert BACK_REFERENCE.match("The method needs no backpropagation and generalizes well.")
    assert not BACK_REFERENCE.match("The method of choice for long prompts is chunked prefill.")


def test_a_sentence_that_takes_up_what_came_before_points_back() -> None:
    from tmrag.answer.reading import points_back

    assert points_back("AWQ then scales those channels up before quantization.")  # which channels?
    assert points_back("Training then runs those steps again.")
    assert not points_back("AWQ identifies salient weight channels by their activations.")
    assert not points_back("It helps those who wait.".replace("It", "Patience"))  # "those who" names its own
    assert not points_back("A cache write costs 1.25x, and those reads cost 0.1x of the base price later on.")  # too far in


def test_a_why_answer_brings_the_reason_after_a_short_claim() -> None:
    from types import SimpleNamespace

    from tmrag.answer.quoting import QuoteSelector

    text = "Temperature 0 is not deterministic in practice. Non-associative sums can flip a near tie."
    chunk = SimpleNamespace(text=text, sentences=[(0, 47), (48, 89)], doc_id="sampling", kind="module", start=0)
    selector = QuoteSelector.__new__(QuoteSelector)
    selector.index = SimpleNamespace(chunks=[chunk])
    assert selector.sequel(0, 0, why=True) == [(0, 1)]
    assert selector.sequel(0, 0, why=False) == []
    assert selector.sequel(0, 1, why=True) == []  # the last sentence of its paragraph


def test_a_numeric_answer_brings_the_step_that_carries_its_result_on() -> None:
    from types import SimpleNamespace

    from tmrag.answer.quoting import QuoteSelector

    text = ("Redraws add up to 4,800 + 720 = 5,520 bytes per frame. At 30 fps that is 30 × 5,520 = 165,600 bytes "
            "per second. Terminals absorb 60 fps.")
    a, b = text.index("At 30"), text.index("Terminals")
    chunk = SimpleNamespace(text=text, sentences=[(0, a - 1), (a, b - 1), (b, len(text))], doc_id="ui", kind="module",
                            start=0)
    selector = QuoteSelector.__new__(QuoteSelector)
    selector.index = SimpleNamespace(chunks=[chunk])
    assert selector.derivation(0, 0, numeric=True) == [(0, 1)]
    assert selector.derivation(0, 0, numeric=False) == []
    assert selector.derivation(0, 1, numeric=True) == []  # 165,600 is not carried on


def test_a_sentence_that_opens_on_the_one_before_points_back() -> None:
    from tmrag.answer.reading import points_back

    assert points_back("Only if both hold is the prediction used.")
    assert points_back("However, the cache still grows with context.")
    assert points_back("RoPE therefore gives relative positions to each score.")
    assert not points_back("Speculative execution runs the predicted prompt in an overlay.")


def test_asking_what_is_happening_after_a_symptom_asks_for_its_cause() -> None:
    from tmrag.answer.quoting import WHY_RE

    assert WHY_RE.search("pred is [N, 1] and y is [N]. what's actually happening?")
    assert WHY_RE.search("What goes wrong if I clip first?")
    assert not WHY_RE.search("What happens in the third stage?")  # a step, not a cause


def test_a_sentence_about_the_asked_thing_comes_first_without_widening_the_margin() -> None:
    from types import SimpleNamespace

    from tmrag.answer.owner_scoring import OWNER_BONUS
    from tmrag.answer.quotes import Scored
    from tmrag.answer.quoting import SENTENCE_MARGIN, QuoteSelector
    from tmrag.query.analysis import AnalyzedQuery
    from tmrag.query.intent import QuestionIntent

    text = "Switch routes each token to one expert. Mixtral 8x7B has 8 experts per layer."
    a = text.index("Mixtral")
    first = SimpleNamespace(text=text, sentences=[(0, a - 1), (a, len(text))], doc_id="moe", kind="module",
                            start=None, breadcrumb="Mixture of experts")
    other = SimpleNamespace(text="Experts are feed-forward blocks.", sentences=[(0, 32)], doc_id="moe", kind="module",
                            start=None, breadcrumb="Mixture of experts › Experts")
    selector = QuoteSelector.__new__(QuoteSelector)
    selector.index = SimpleNamespace(chunks=[first, other])
    question = "How many experts per layer does Mixtral 8x7B have?"
    ranking = SimpleNamespace(query=AnalyzedQuery(question, [], names=["Mixtral", "8x7B"]),
                              intent=QuestionIntent("numeric", focus="experts per layer", numeric=True))
    scored = [Scored(0.70, 0, 0, 0), Scored(0.66, 0, 0, 1), Scored(0.70 - SENTENCE_MARGIN - 0.01, 1, 1, 0)]
    lifted = selector.about_owner(ranking, scored)
    assert [s.lift for s in lifted] == [0.0, OWNER_BONUS, 0.0]  # only the sentence that names Mixtral
    selector.settings = SimpleNamespace(answer_max_sentences=4, answer_max_words=120)
    selector.repeats = lambda x, y: False  # noqa: ARG005 - three distinct sentences
    picked = [ref for group in selector.greedy(lifted, []) for ref in group.refs]
    assert picked[0] == (0, 1) and (1, 0) not in picked  # first, and the margin is the plain scores'


def test_a_comparison_or_multi_part_answer_may_use_the_contracts_five_sentences() -> None:
    from types import SimpleNamespace

    from tmrag.answer.quotes import Scored
    from tmrag.answer.quoting import QuoteSelector

    text = " ".join(f"Sentence number {n} says one more thing." for n in range(6))
    spans, at = [], 0
    for _ in range(6):
        end = text.index(".", at) + 1
        spans.append((at, end))
        at = end + 1
    chunk = SimpleNamespace(text=text, sentences=spans, doc_id="m", kind="module", start=None, breadcrumb="M")
    selector = QuoteSelector.__new__(QuoteSelector)
    selector.index = SimpleNamespace(chunks=[chunk])
    selector.settings = SimpleNamespace(answer_max_sentences=4, answer_max_words=400)
    selector.repeats = lambda x, y: False  # noqa: ARG005 - six distinct sentences
    scored = [Scored(0.70 - 0.001 * n, 0, 0, n) for n in range(6)]
    assert len(selector.greedy(scored, [])) == 4  # the configured budget
    assert len(selector.greedy(scored, [], budget=5)) == 5  # a comparison's or multi-part question's


def test_a_count_of_the_asked_noun_for_its_owner_gains_a_results_bonus() -> None:
    from tmrag.answer.owner_scoring import COUNT_BONUS
    from tmrag.answer.quotes import Scored
    from tmrag.query.analysis import AnalyzedQuery
    from tmrag.query.intent import QuestionIntent

    texts = ["All experts: 176,160,768 × 8 × 32 = 45,097,156,608.", "Mixtral 8x7B has 8 experts per layer.",
             "DeepSeek-V3 has 256 routed experts per layer."]
    chunk = SimpleNamespace(text=" ".join(texts), kind="module", doc_id="moe", start=None, breadcrumb="MoE")
    chunk.sentences = [(chunk.text.index(t), chunk.text.index(t) + len(t)) for t in texts]
    selector = QuoteSelector.__new__(QuoteSelector)
    selector.index = SimpleNamespace(chunks=[chunk])
    question = "How many experts per layer does Mixtral 8x7B have?"
    ranking = SimpleNamespace(query=AnalyzedQuery(question, [], names=["Mixtral"]),
                              intent=QuestionIntent("numeric", focus="experts", numeric=True))
    scored = selector.counts_first(ranking, [Scored(0.5, 0, 0, j) for j in range(3)])
    # the owner's count gains; a derived line and another model's count of the same noun do not
    assert [round(s.score - 0.5, 3) for s in scored] == [0.0, COUNT_BONUS, 0.0]


def test_phrases_of_two_or_more_words_in_quotation_marks_are_quoted_phrases() -> None:
    q = "why does collecting events into an array 'for convenience' wreck it, and what's a \u201cprompt too long\u201d error?"
    assert quoted_phrases(q) == ["for convenience", "prompt too long"]
    assert quoted_phrases("what's the model's 'temperature'? it's Bob's") == []  # one word; apostrophes


def test_an_answer_quotes_a_sentence_once_though_two_sides_chose_it_from_overlapping_chunks() -> None:
    import numpy as np

    from tmrag.answer.quotes import Quote

    one, two = "Prefill is compute-bound.", "Decode reads every weight per token."
    first = SimpleNamespace(text=f"{one} {two}", sentences=[(0, len(one)), (len(one) + 1, len(one) + 1 + len(two))],
                            kind="module", doc_id="m", start=0)
    overlap = SimpleNamespace(text=two, sentences=[(0, len(two))], kind="module", doc_id="m", start=len(one) + 1)
    vectors = {0: np.array([[1.0, 0.0], [0.0, 1.0]]), 1: np.array([[0.0, 1.0]])}
    index = SimpleNamespace(chunks=[first, overlap], sentence_vectors_of=lambda row: vectors[row])
    quoter = QuoteSelector(Settings(), None, index, None)
    side_a = Quote(0, list(first.sentences), 1, list(first.sentences))
    side_b = Quote(1, [(0, len(two))], 2, [(0, len(two))])
    kept = quoter.without_repeats([side_a, side_b])
    assert [(q.row, q.spans, q.marker) for q in kept] == [(0, first.sentences, 1)]
    # the other order keeps the overlapping chunk's sentence and the first chunk's other one
    kept = quoter.without_repeats([side_b, Quote(0, list(first.sentences), 2, list(first.sentences))])
    assert [(q.row, q.spans, q.reading, q.marker) for q in kept] == [(1, [(0, len(two))], [(0, len(two))], 1),
                                                                   (0, [first.sentences[0]], [first.sentences[0]], 2)]


@pytest.mark.slow
def test_a_sentence_pointing_back_reads_right_after_its_antecedent_quoted_from_the_passage_before(real_engine) -> None:  # noqa: ANN001
    answer = real_engine.ask("Why does Llama-3-70B hold less KV cache per token than Llama 2 7B even though it's ten "
                             "times bigger? Give the fp16 bytes per token for each.")
    gqa = answer.answer.index("320 KiB per token.")
    same = answer.answer.index("The same 70B shape with full MHA")
    between = answer.answer[gqa:same]
    assert between.count(". ") <= 1  # only the marker between them ("320 KiB per token. [2] The same …")
