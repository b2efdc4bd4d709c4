import pytest

from tmrag.answer.listing import enclosing_list, list_after, with_detail
from tmrag.answer.text import claim_pieces
from tmrag.evaluation.metrics import support_rate

LABELLED = """An eval plan has three layers, each catching what the others miss.

1. **Golden set.** A fixed, versioned collection of inputs.
2. **LLM judge.** Scores open-ended outputs against a rubric.
   - a nested note that is not an item of its own
3. **Online metrics.** Measure what users experience.

The judge needs its own eval.
"""


def _items(text: str, lead_end: str) -> list[str] | None:
    found = list_after(text, text.index(lead_end) + len(lead_end))
    return [text[a:b] for a, b in found.spans] if found else None


def test_a_lead_in_brings_its_items_labels() -> None:
    assert _items(LABELLED, "miss.") == ["**Golden set.** A fixed, versioned collection of inputs.",
                                         "**LLM judge.** Scores open-ended outputs against a rubric.",
                                         "**Online metrics.** Measure what users experience."]  # with what each says


def test_a_long_list_brings_its_labels_alone() -> None:
    items = "".join(f"{n}. **Step {n}.** Does thing number {n} carefully.\n" for n in range(1, 7))
    assert _items("The loop has six steps:\n" + items, "steps:") == [f"Step {n}." for n in range(1, 7)]


def test_a_line_on_each_asked_for_brings_what_each_item_says() -> None:
    items = "".join(f"{n}. **Step {n}.** Zou et al. do thing number {n} carefully. More.\n" for n in range(1, 7))
    text = "The loop has six steps:\n" + items
    found = list_after(text, text.index("steps:") + len("steps:"))
    assert found is not None
    detailed = [text[a:b] for a, b in with_detail(text, found).spans]
    # "et al." does not end the sentence; the sentence after it does
    assert detailed == [f"**Step {n}.** Zou et al. do thing number {n} carefully." for n in range(1, 7)]


def test_what_is_asked_of_each_item_brings_the_whole_items_when_they_fit() -> None:
    items = "".join(f"- **Mode {n}.** Symptom {n} shows. Detect with signal {n}; roll back change {n}.\n" for n in range(1, 5))
    text = "Failure modes:\n" + items
    found = list_after(text, text.index("modes:") + len("modes:"))
    assert found is not None
    whole = [text[a:b] for a, b in with_detail(text, found, whole=True).spans]
    assert whole == [f"**Mode {n}.** Symptom {n} shows. Detect with signal {n}; roll back change {n}." for n in range(1, 5)]
    # "a line on each" keeps the sentence after the label; whole items past the budget do too
    assert [text[a:b] for a, b in with_detail(text, found).spans][0] == "**Mode 1.** Symptom 1 shows."
    long = "Failure modes:\n" + "".join(f"- **Mode {n}.** Symptom {n} shows. {'Word ' * 60}\n" for n in range(1, 5))
    found = list_after(long, long.index("modes:") + len("modes:"))
    assert found is not None
    assert [long[a:b] for a, b in with_detail(long, found, whole=True).spans][0] == "**Mode 1.** Symptom 1 shows."


def test_plain_items_bring_their_first_sentence() -> None:
    text = "The handshake runs in three steps:\n- The client sends hello. Then waits.\n- The server replies.\n- Both resume.\n"
    assert _items(text, "steps:") == ["The client sends hello.", "The server replies.", "Both resume."]


def test_no_list_after_a_sentence_that_ends_its_paragraph_or_sits_in_an_item() -> None:
    assert _items(LABELLED, "its own eval.") is None
    assert _items(LABELLED, "collection of inputs.") is None  # inside item 1: item 2 is its sibling
    assert _items("One step only:\n- a single item\n", "only:") is None


def test_a_long_list_is_cut_to_the_word_budget_and_says_so() -> None:
    entry = "has a first sentence of about sixteen words in it, which is long for a list entry."
    items = "".join(f"- item {n} {entry}\n" for n in range(8))
    found = list_after("Steps:\n" + items, len("Steps:"))
    assert found is not None and not found.complete and 2 <= len(found.spans) < 8


def test_an_enumerated_line_is_supported_piece_by_piece() -> None:
    line = "An eval plan has three layers: (1) Golden set; (2) LLM judge; (3) Online metrics."
    assert claim_pieces(line) == ["An eval plan has three layers", "Golden set", "LLM judge", "Online metrics"]
    quote = "An eval plan has three layers.\nGolden set.\nLLM judge.\nOnline metrics."
    assert support_rate(line + " [1]", {1: quote}, lambda t: t) == 1.0
    assert support_rate(line.replace("LLM judge", "Human judge") + " [1]", {1: quote}, lambda t: t) == 0.0


def test_a_counted_lead_in_brings_the_ordinal_sentences_of_its_paragraph() -> None:
    text = ("Ask three questions in order. First, did something change? If yes, roll back. Second, is it load? "
            "If yes, shed it. Third, is it drift? If yes, tighten the guardrail. A runbook encodes them.\n")
    assert _items(text, "in order.") == ["First, did something change? If yes, roll back.",
                                         "Second, is it load? If yes, shed it.",
                                         "Third, is it drift? If yes, tighten the guardrail."]
    assert _items(text.replace("three questions", "carefully"), "in order.") is None  # no count announced


@pytest.mark.slow
def test_an_answer_quotes_a_list_once_with_its_items_cited(real_engine) -> None:  # noqa: ANN001
    a = real_engine.ask("How many parameters and how much fp32 memory does a single-layer sparse autoencoder "
                        "with 16x expansion on a 4,096-wide residual stream need?")
    assert "(1) " in a.answer and a.answer.count("536,870,912 ≈ 537M") == 1  # the list holds it; not quoted twice
    assert [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
    for c in a.citations:  # every span, the list's items included, is the module's exact text
        text = real_engine.corpus.modules[c.module_id].text
        assert " … ".join(text[s:e] for s, e in c.spans) == c.quote


def test_a_partial_answers_context_is_its_first_sentences_renumbered() -> None:
    from tmrag.answer.quotes import Quote
    from tmrag.answer.quoting import QuoteSelector

    quotes = [Quote(7, [(0, 10), (20, 30)], 1, [(20, 30), (0, 10)]), Quote(9, [(5, 8)], 2, [(5, 8)])]
    kept = QuoteSelector.first_sentences(quotes, 2)
    assert [(q.row, q.reading, q.marker) for q in kept] == [(7, [(20, 30), (0, 10)], 1)]
    kept = QuoteSelector.first_sentences(quotes[1:] + quotes[:1], 2)
    assert [(q.row, q.spans, q.marker) for q in kept] == [(9, [(5, 8)], 1), (7, [(20, 30)], 2)]


def test_a_list_that_opens_its_section_reads_with_the_heading_as_its_lead_in() -> None:
    text = ("## The three-stage pipeline\n\n1. **SFT.** Fine-tune on demonstrations.\n"
            "2. **Reward modelling.** Rank samples\n   and fit a scorer.\n3. **RL.** Optimize with PPO.\n\nAfter it.\n")
    found = enclosing_list(text, text.index("and fit"))
    assert found is not None and found.lead is not None
    assert text[slice(*found.lead)] == "The three-stage pipeline"
    assert [text[a:b] for a, b in found.spans] == ["**SFT.** Fine-tune on demonstrations.",
                                                   "Reward modelling.",  # its sentence runs on past the line
                                                   "**RL.** Optimize with PPO."]
    assert enclosing_list(text, text.index("After it")) is None  # a paragraph is in no list


def test_a_list_after_a_colon_takes_that_sentence_as_its_lead_in_and_a_running_paragraph_none() -> None:
    text = "## Loop\n\nIt starts cold. The loop has two steps:\n\n- Read the state.\n- Write the plan.\n"
    found = enclosing_list(text, text.index("Write"))
    assert found is not None and text[slice(*found.lead)] == "The loop has two steps:"
    running = "## Loop\n\nIt starts cold and then\n\n- Read the state.\n- Write the plan.\n"
    assert enclosing_list(running, running.index("Write")) is None
    # a section the question named: its heading leads the list, a colon's sentence still first
    titled = enclosing_list(running, running.index("Write"), titled=True)
    assert titled is not None and running[slice(*titled.lead)] == "Loop"
    colon = enclosing_list(text, text.index("Write"), titled=True)
    assert colon is not None and text[slice(*colon.lead)] == "The loop has two steps:"


@pytest.mark.slow
def test_a_list_question_is_answered_with_the_list_its_passages_hold(real_engine) -> None:  # noqa: ANN001
    cases = [("What are the three stages of the InstructGPT-style RLHF pipeline?",
              "The three-stage pipeline: (1) Supervised fine-tuning", "(3) RL optimization."),
             ("what are the main LLM quantization methods?", "The main methods: (1) ", "KV-cache quantization.")]
    for question, first, last in cases:
        a = real_engine.ask(question)
        assert a.answer.startswith(first) and last in a.answer.split(" [1]")[0]
        assert a.answer.count(" [1]") == 1 and [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
        text = real_engine.corpus.modules[a.citations[0].module_id].text
        assert " … ".join(text[s:e] for s, e in a.citations[0].spans) == a.citations[0].quote  # the heading included


@pytest.mark.slow
def test_a_list_question_is_answered_by_the_list_of_its_top_passages_section(real_engine) -> None:  # noqa: ANN001
    # the section's first passage after its list ranks first: "The key monitoring metric is …"
    answer = real_engine.ask("What are the ways a coding agent can silently wreck its prompt-cache hit rate? List them.")
    assert answer.answer.startswith("Pitfalls that silently destroy hit rate: (1) Volatile bytes")


@pytest.mark.slow
def test_a_list_question_whose_noun_names_a_section_is_answered_with_that_sections_list(real_engine) -> None:  # noqa: ANN001
    # the top passages hold another list (the trade-offs) or none; the asked list sits in the section
    # the question's noun names ("components" of a design: its architecture; "pitfalls")
    cases = [("List the components of the embeddings platform architecture in the Pinterest-style design case.",
              "Architecture: (1) Encoder service;", "(6) Alias layer."),
             ("what are the main limits and pitfalls of model merging? list them",
              "Limits and pitfalls: (1) Shared ancestry is required;", "(5) No new knowledge.")]
    for question, first, last in cases:
        answer = real_engine.ask(question)
        assert answer.answer.startswith(first) and last in answer.answer.split(" [1]")[0]
    # a name that only ends the asked range ("… landing on the CDN") is not what the list is asked of
    staged = real_engine.ask("Walk me through the architecture of the Midjourney-style image service stage by stage, "
                             "from a request arriving to the finished images landing on the CDN.")
    assert staged.coverage == "answered" and staged.answer.startswith("Architecture: (1) Admission;")
    # a counted list the quotes already lead with is the answer; no section a list noun names replaces it
    ties = real_engine.ask("List the three steps TIES-merging takes.")
    assert ties.coverage == "answered" and ties.answer.startswith("TIES-merging reduces interference in three steps:")
    # a design review called on by name, whose "Failure modes" section is a table: its rows are the items
    table = real_engine.ask("What failure modes does the Sora review list?")
    assert table.answer.startswith("Queue blow-up at launch — Detect: queue depth and wait p95 rise;")
    assert {c.module_id for c in table.citations} == {"dr-case-sora"}
    # asked for with what each item needs, in a phrase that holds the whole title and more ("coding-agent",
    # "TikTok-style"): still the review's list
    # "with how each one is detected": whole items, which say it
    for question, module, first, detected in [
            ("List the failure modes the Claude Code / Cursor coding-agent design review plans for, with how each "
             "one is detected and what gets escalated or rolled back.", "dr-case-coding-agent", "(1) Context bloat.",
             "Detect with per-tool token histograms"),
            ("List the failure modes the TikTok-style For-You design review plans for, with how each one is "
             "detected and what the response is.", "dr-case-feed-ranking", "(1) Train/serve skew.",
             "Detect with diversity and catalogue-coverage SLIs"),
            # asked for a list after the question ("… plan for? list each one with …")
            ("what failure modes does the 'design ChatGPT' review plan for? list each one with how it's detected",
             "dr-case-chatgpt", "(1) Router regression.", "Detect with a per-route thumbs-down rate")]:
        listed = real_engine.ask(question)
        assert listed.answer.startswith(f"Failure modes: detect, escalate, roll back: {first}")
        assert detected in listed.answer and listed.citations[0].module_id == module
    # no listed noun names a section: the answer is not forced into one ("hops" names none)
    hops = real_engine.ask("In the 'design ChatGPT' case, list the hops a user message goes through, in order.")
    assert not hops.answer.startswith("Failure modes")


@pytest.mark.slow
def test_an_ordinal_follow_up_names_the_item_of_the_list_it_points_into(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.followup import Turn

    first = "what are the main LLM quantization methods?"
    turn = Turn(first, real_engine.ask(first).answer)
    assert real_engine.ask("how does the third one work?", history=[turn]).resolved_question.startswith(
        "how does the third one work: GPTQ (context: ")
    qlora = "what three things did QLoRA introduce?"
    answer = real_engine.ask(qlora)
    assert not answer.abstained and "paged optimizers" in answer.answer  # a named term's own entry ranks first
    last = real_engine.ask("what's the last one?", history=[Turn(qlora, answer.answer)]).resolved_question
    assert "paged optimizers" in last


def test_an_ordinal_may_point_into_a_list_its_paragraph_only_counts() -> None:
    from tmrag.answer.listing import items_at

    text = ("Attention cannot just attend for three reasons.\n\n1. **Softmax dilution.** Weights sum to one.\n"
            "2. **Positional bias.** Both ends are privileged.\n3. **Training distribution.** Documents are short.\n")
    labels = [text[a:b] for a, b in items_at(text, text.index("Weights"))]
    assert [label.split(".")[0].strip("*") for label in labels] == [
        "Softmax dilution", "Positional bias", "Training distribution"]
    worked = "Worked numbers.\n\n1. 4,096 × 4,096 = 16.8M\n2. 16.8M × 32 = 537M\n"
    assert items_at(worked, worked.index("4,096")) == []  # lines nothing announces are no list to point into


def test_an_items_first_sentence_runs_past_i_e_and_e_g() -> None:
    from tmrag.answer.listing import FIRST_SENTENCE

    assert FIRST_SENTENCE.match("The ratio is 5.8×10^10, i.e. N/3. Next.").group(0) == "The ratio is 5.8×10^10, i.e. N/3."
    assert FIRST_SENTENCE.match("Uses e.g. bf16 weights. Then.").group(0) == "Uses e.g. bf16 weights."
    assert FIRST_SENTENCE.match("Ends with 3.5 GB. Next").group(0) == "Ends with 3.5 GB."


def test_a_sentence_that_lists_its_counted_items_itself_is_the_list() -> None:
    from tmrag.answer.list_quoting import enumerates

    s = "Three numbers summarise an SAE: L0 (active features per token), the variance left unexplained, and the loss recovered."
    assert enumerates(s, 3)
    assert not enumerates(s, 4)
    assert not enumerates("Three numbers summarise an SAE.", 3)  # announced, not listed
    # items with commas of their own, set off by semicolons
    s = ("QLoRA introduced three pieces: the NF4 data type, whose 16 levels are normal quantiles; double "
         "quantization, which quantizes the scaling constants; and paged optimizers, which page optimizer state.")
    assert enumerates(s, 3)
    assert not enumerates(s, 5)


def test_the_notes_a_question_calls_on_by_name_at_its_start_or_after_the() -> None:
    from tmrag.answer.list_quoting import called_phrases
    assert called_phrases("character.ai design review: what trade-offs and pitfalls does it list?") == ["character.ai design"]
    assert called_phrases("What pitfalls do the Character.ai design notes list?") == ["Character.ai design"]
    # an opening that is a set-up, not a title, names no notes
    assert called_phrases("Two unrelated ones from my notes: what is RoPE?") == []
    assert called_phrases("In the ChatGPT design review, what fails first?") == ["ChatGPT design"]


@pytest.mark.slow
def test_a_list_asked_of_a_design_review_named_at_the_start_is_quoted_not_abstained(real_engine) -> None:  # noqa: ANN001
    answer = real_engine.ask("character.ai design review: what trade-offs and pitfalls does it list? one line each is fine")
    assert answer.coverage == "answered"
    assert "MQA quality" in answer.answer and "Cache affinity versus load balance" in answer.answer
