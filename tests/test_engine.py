"""The answering path on the real corpus and index (slow: loads the real model)."""

from __future__ import annotations

import re

import pytest

from tmrag.errors import InvalidQueryError
from tmrag.evaluation.metrics import answer_sentences

pytestmark = pytest.mark.slow


def test_answer_quotes_are_exact_spans_and_every_sentence_is_cited(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("How many bytes per token does the KV cache need for Llama-2-7B in fp16?").model_dump(mode="json")
    assert not r["abstained"] and r["citations"]
    markers = {c["marker"] for c in r["citations"]}
    sentences = answer_sentences(r["answer"])
    assert 1 <= len(sentences) <= 5 and len(r["answer"].split()) <= 160
    assert all(ms and set(ms) <= markers for _, ms in sentences)  # no marker without a citation
    assert {m for _, ms in sentences for m in ms} == markers  # no citation the answer does not use
    for c in r["citations"]:  # the readable quote is what the answer says, sentence for sentence
        said = [s for s, ms in sentences if c["marker"] in ms]
        assert sorted(c["quote_text"].split(" … ")) == sorted(said) and "[@" not in c["quote_text"]
        assert c["spans"] == sorted(c["spans"])  # the citation keeps document order
    for c in r["citations"]:
        if c["kind"] == "module":
            text = real_engine.corpus.modules[c["module_id"]].text
            assert " … ".join(text[a:b] for a, b in c["spans"]) == c["quote"]
            assert c["url"].startswith(f"https://personal-wiki.pages.dev/module/{c['module_id']}")
    assert any(c["module_id"] in {"kv-cache", "multi-head", "forward-pass"} for c in r["citations"])
    # The 7B figure is quoted, and no sentence about Llama-2-70B is: the 70B worked example
    # matches the question as well, but its label is a bold line above the sentences.
    assert "524,288" in r["answer"]
    assert not any("80 ×" in c["quote"] or "327,680" in c["quote"] for c in r["citations"])
    other = real_engine.ask("How many bytes per token does the KV cache need for Llama-2-70B in fp16?").model_dump(mode="json")
    assert "327,680" in other["answer"] and "524,288" not in other["answer"]


def test_bibliography_question_hits_the_source(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("Which paper introduced rotary position embeddings?").model_dump(mode="json")
    assert "su-2021-rope" in {s["id"] for s in r["sources"]}


def test_definition_questions_lead_with_the_glossary_definition(real_engine) -> None:  # noqa: ANN001
    # A definition question is answered by the definition, not by a sentence that merely mentions
    # the term ("Raising the RoPE base is another common knob.").
    r = real_engine.ask("What is RoPE?").model_dump(mode="json")
    assert r["citations"][0]["kind"] == "glossary" and r["citations"][0]["title"] == "Rotary position embedding"
    assert r["answer"].startswith("Rotary position embedding: A position scheme that rotates")  # the term, then its entry
    assert all("rope" in c["quote"].lower() or "rotary" in c["quote"].lower() for c in r["citations"][1:])
    short = real_engine.ask("What does MoE stand for?").model_dump(mode="json")  # evidence 0.39 alone would abstain
    assert not short["abstained"] and short["citations"][0]["title"] == "Mixture of experts"


def test_off_topic_and_near_topic_questions_abstain(real_engine) -> None:  # noqa: ANN001
    for q in ("How do I change a flat tire on a car?", "How does the Mamba state-space model compare with attention?"):
        r = real_engine.ask(q).model_dump(mode="json")
        assert r["abstained"] and r["citations"] == [] and r["answer"]


def test_answers_name_question_terms_the_cited_passages_never_mention(real_engine) -> None:  # noqa: ANN001
    near = real_engine.ask("How much does Anthropic charge per million input tokens for Claude Haiku?").model_dump(mode="json")
    assert not near["abstained"] and near["unmentioned_terms"] == ["Haiku"]
    grounded = real_engine.ask("How many key/value heads does Llama-2-70B keep for its 64 query heads?").model_dump(mode="json")
    assert not grounded["abstained"] and grounded["unmentioned_terms"] == []


def test_unmentioned_name_rule_abstains_when_switched_on(real_engine, monkeypatch) -> None:  # noqa: ANN001
    question = "How much does Anthropic charge per million input tokens for Claude Haiku?"
    assert real_engine.rank(question).unmentioned_names == ["Haiku"]
    strict = real_engine.settings.model_copy(update={"abstain_threshold_unmentioned": 0.60})
    monkeypatch.setattr(real_engine, "settings", strict)
    r = real_engine.ask(question).model_dump(mode="json")
    assert r["abstained"] and r["suggestions"]


def test_abstention_suggests_three_distinct_sections(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("How do I bake bread?").model_dump(mode="json")  # two of its top chunks share a section
    places = [(s["title"], s["section"]) for s in r["suggestions"]]
    assert r["abstained"] and len(places) == len(set(places)) == 3
    gqa = real_engine.ask("How many key/value heads does Llama-2-70B keep for its 64 query heads?")
    assert not gqa.model_dump(mode="json")["abstained"]


def test_category_filter_restricts_results(real_engine) -> None:  # noqa: ANN001
    found = real_engine.search("how are tools called in parallel", k=8, categories=["AI Engineering"])
    res = found.model_dump(mode="json")["results"]
    assert res and all(real_engine.corpus.modules[r["module_id"]].category == "AI Engineering" for r in res)


def test_search_shape_and_ordering(real_engine) -> None:  # noqa: ANN001
    out = real_engine.search("speculative decoding acceptance rate", k=5).model_dump(mode="json")
    scores = [r["score"] for r in out["results"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert set(out["results"][0]) >= {"kind", "module_id", "source_id", "title", "section", "anchor", "url", "text", "score"}
    assert out["results"][0]["module_id"] == "speculative-decoding"
    assert "total" in out["timings_ms"]


@pytest.mark.parametrize(("question", "cats"), [("", None), ("x" * 2001, None), ("ok", ["Cooking"])])
def test_invalid_questions_are_rejected(real_engine, question: str, cats) -> None:  # noqa: ANN001
    with pytest.raises(InvalidQueryError):
        real_engine.ask(question, categories=cats).model_dump(mode="json")


def test_worked_example_rows_with_other_numbers_are_not_duplicates(real_engine) -> None:  # noqa: ANN001
    # "H100 SXM: … ≈ 295 FLOPs per byte" and "A100: … = 156 FLOPs per byte" embed at cosine
    # > 0.92, yet they state different facts: near-duplicate removal must keep the H100 row.
    r = real_engine.ask("What is the ridge point of an H100 in FLOPs per byte?").model_dump(mode="json")
    assert "295" in r["answer"].split("[1]")[0]  # and it comes first: it names the H100


def test_an_annotation_is_quoted_only_when_its_source_ranks_first(real_engine) -> None:  # noqa: ANN001
    # An annotation ranks 2nd: quoting it would wedge a bibliography note between two module sentences.
    ranking = real_engine.rank("How can step-level correctness labels be produced without paying human annotators?")
    kinds = [real_engine.index.chunks[c.row].kind for c in ranking.results[:4]]
    assert kinds[0] != "source" and "source" in kinds
    assert all(real_engine.index.chunks[q.row].kind != "source" for q in real_engine.quoter.select(ranking))
    r = real_engine.ask("Which paper introduced rotary position embeddings?").model_dump(mode="json")
    assert "su-2021-rope" in {s["id"] for s in r["sources"]}


def test_a_back_referencing_sentence_comes_with_its_antecedent(real_engine) -> None:  # noqa: ANN001
    from tmrag.answer.reading import BACK_REFERENCE

    question = "Once my CLI's live output grows taller than the terminal window, why do I get flicker?"
    r = real_engine.ask(question).model_dump(mode="json")
    c = next(c for c in r["citations"] if any(BACK_REFERENCE.match(p) for p in c["quote"].split(" … ")))
    k = next(k for k, p in enumerate(c["quote"].split(" … ")) if BACK_REFERENCE.match(p))
    # "This split matters because…" is quoted right after the sentence that says what the split is.
    assert k > 0 and c["spans"][k][0] - c["spans"][k - 1][1] <= 3


def test_the_strongest_sentence_of_a_passage_is_read_first(real_engine) -> None:  # noqa: ANN001
    # The passage opens with the weight size; the decode speed asked for is its 2nd sentence.
    r = real_engine.ask("What is the maximum decode speed of a 7B fp16 model on one A100?").model_dump(mode="json")
    first = r["answer"].split("[1]")[0]
    assert "143 tokens/s" in r["answer"].split("[1]", 2)[1] or "143 tokens/s" in first
    assert "66 GB" not in first and "125,885" not in r["answer"].split("[1]", 2)[1]


def test_an_unstated_attribute_of_a_named_model_is_partial(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("How many layers does Llama 3 405B have?")
    assert r.coverage == "partial" and not r.abstained
    assert any("layers" in m and "Llama 3 405B" in m for m in r.missing)
    assert r.answer.startswith("The notes don't state the number of layers of Llama 3 405B")


def test_abstained_exactly_when_not_covered(real_engine) -> None:  # noqa: ANN001
    for q in ("How do I change a flat tire on a car?", "Why does LayerNorm replace BatchNorm in transformers?",
              "How many layers does Llama 3 405B have?"):
        r = real_engine.ask(q)
        assert r.abstained == (r.coverage == "not_covered")
        assert (r.coverage == "partial") == bool(r.missing)


def test_each_side_of_a_comparison_gets_evidence(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("Flamingo vs LLaVA: how do they get images into the language model?")
    quotes = " ".join(c.quote for c in r.citations)
    assert "Flamingo" in quotes and "LLaVA" in quotes and r.coverage == "answered"


def test_a_side_no_quote_names_is_missing_at_any_evidence(real_engine) -> None:  # noqa: ANN001
    # ALiBi's passages match strongly; nothing quoted speaks of T5's bias, so the answer says so.
    r = real_engine.ask("ALiBi vs T5's bucketed relative position bias: how do the two differ in what they add "
                        "to the attention logits?")
    assert r.coverage == "partial" and any("T5" in m for m in r.missing)
    # a symbol in the question's math is no side's name ("QK^T")
    r = real_engine.ask("GPT-3 at its full 2,048-token context: per layer, how do the QKV/O projection FLOPs compare "
                        "with the QK^T plus attention-times-V FLOPs, and per generated token, how much does attention "
                        "over the context add relative to the 2N weight FLOPs?")
    assert not any("QK" in m for m in r.missing)


def test_a_quantity_stated_in_its_unit_is_answered(real_engine) -> None:  # noqa: ANN001
    # "1.25 GiB of cache" states "how much memory" without the word memory.
    r = real_engine.ask("How much KV-cache memory does GQA save on a 70B model?")
    assert r.coverage == "answered" and not r.missing


def test_a_follow_up_in_context_is_judged_by_what_it_asks(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.followup import Turn

    first = "How many H100s did Llama 3 405B's pre-training run on?"
    r = real_engine.ask("Parallelism layout?", history=[Turn(first, real_engine.ask(first).answer)])
    assert "(context: " in r.resolved_question
    # the previous question's names and its "how many" are not this question's: nothing to flag as unstated
    assert r.coverage == "answered" and not r.missing and "16" in r.answer


def test_names_typed_in_lower_case_are_checked_like_names(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.followup import Turn

    first = "what did claude 2 score on swe-bench in the original paper?"
    answered = real_engine.ask(first)
    assert answered.resolved_question == first and "1.96%" in answered.answer  # reported as typed
    r = real_engine.ask("and claude 3.5 sonnet?", history=[Turn(first, answered.answer)])
    # the notes give Claude 2's score only: the follow-up is not answered as if they gave the new one
    assert "Claude 3.5 Sonnet" in r.resolved_question and r.coverage != "answered" and r.missing


def test_a_name_made_of_a_stopword_is_not_unknown(real_engine) -> None:  # noqa: ANN001
    # "He" (initialisation) and "IT" tokenize to nothing: nothing to look up, so nothing unknown
    r = real_engine.ask("What is He (Kaiming) initialization and where does the factor 2 come from?")
    assert not r.abstained and "2/n_in" in r.answer.replace(" ", "")


def test_an_antecedent_in_the_chunk_before_comes_first(real_engine) -> None:  # noqa: ANN001
    # "The result is that 3–4-bit GPTQ models lose far less accuracy…" opens its chunk; what GPTQ
    # does is the last sentence of the chunk before.
    ranking = real_engine.rank("GPTQ vs AWQ: how does each one deal with the rounding error at 4 bits?")
    quotes = real_engine.quotes(ranking)
    texts = [real_engine.index.chunks[q.row].text[a:b] for q in quotes for a, b in q.reading]
    k = next(k for k, t in enumerate(texts) if t.startswith("The result is that"))
    assert k > 0 and "column by column" in texts[k - 1]


def test_a_comparisons_further_question_gets_its_own_evidence(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("Prefill vs decode: which is compute-bound, which is memory-bound, and which latency metric "
                        "does each drive?")
    assert "TTFT" in r.answer and "TPOT" in r.answer  # the further question, beside the two sides
    # a further question whose first sentence the sides already quote gets its next ones
    r = real_engine.ask("tensor parallel vs pipeline parallel — what does each split, and why is TP kept inside one node?")
    assert "NVLink" in r.answer
    # a further question about other things does not pull a side's retrieval away from it
    r = real_engine.ask("typical sampling vs min-p — what rule does each one use to decide which tokens stay in the "
                        "candidate set? and if i stack top-k and top-p on the same request, which of the two decides?")
    assert "Typical sampling keeps" in r.answer and "Min-p sampling keeps" in r.answer
    # and is chosen by its own words as well as the sides it is asked of
    r = real_engine.ask("AutoGen vs MetaGPT: how does each one organize its LLM agents? and what's the older "
                        "concurrency model where independent agents share no state and only exchange messages?")
    assert "actor model" in r.answer
    # a side's passages are counted past the annotations ranked first for it (two, for reward hacking)
    r = real_engine.ask("reward hacking vs alignment faking — what actually goes wrong in each, and why does "
                        "alignment faking undermine evals run during training?")
    assert "overrates" in r.answer and "training from deployment" in r.answer


def test_the_steps_of_an_enumeration_are_quoted_together(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("why does wrapping a harmful request in a grandma bedtime story roleplay slip past RLHF "
                        "refusal training?")
    assert "First, it is out of distribution" in r.answer and "Second, it creates competing objectives" in r.answer


def test_no_quote_opens_with_the_words_that_finish_a_formula(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("RoPE rotates q and k by their absolute positions, so how come the attention score depends "
                        "only on the relative distance?")
    assert not any(c.quote[:1].islower() for c in r.citations)
    assert "offset m - n" in r.answer and "orthogonal" in r.answer  # the continuation comes with its lead-in
    # "RoPE therefore gives …" is a consequence: it comes with the sentence that says why
    r = real_engine.ask("how does RoPE end up making attention scores depend only on relative position?")
    assert r.answer.index("orthogonal") < r.answer.index("RoPE therefore")


def test_a_worked_case_asked_in_two_parts_is_answered_from_its_worked_example(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("In the toy trophy/suitcase attention example (q=(2,1,0,0), d_k=4), what weight does 'it' put "
                        "on trophy after scaling, and what's the output vector?")
    assert "0.736" in r.answer and "0.818" in r.answer


def test_a_list_question_that_names_a_count_gets_a_list_of_that_many(real_engine) -> None:  # noqa: ANN001
    from tmrag.answer.list_quoting import asked_count

    assert asked_count("what are the three reasons a model can't attend?") == 3 and asked_count("what is RoPE?") is None
    r = real_engine.ask("what are the three reasons a 200K-context model can't 'just attend' to a fact buried in the "
                        "middle?")
    assert all(w in r.answer for w in ("Softmax dilution", "Positional bias", "Training distribution"))
    assert "Dumping everything in" not in r.answer  # the module's five pitfalls are another list


def test_a_question_for_the_real_figure_is_not_answered_by_an_assumed_one(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("How many queries per day does Perplexity actually handle, by the company's own figures?")
    # what is missing says it is the real figure: "the real …" or the question's "… actually handle"
    assert r.coverage == "partial" and any(re.search(r"\b(?:real|actually)\b", m) for m in r.missing)
    r = real_engine.ask("How many queries per day does the Perplexity design review assume?")
    assert r.coverage == "answered"  # the assumption itself is what this one asks for


def test_a_follow_up_in_context_searches_by_its_own_and_the_previous_questions_vectors(real_engine) -> None:  # noqa: ANN001
    import numpy as np

    first, follow = "How does GRPO differ from PPO?", "how does it compute the advantage then?"
    resolved = f"{follow} (context: {first})"
    vec = real_engine.context_vector(follow, resolved)
    want = real_engine.embed_query(follow) + real_engine.embed_query(first)
    assert np.allclose(vec, want / np.linalg.norm(want), atol=1e-6)  # the previous turn's vector, reused
    assert real_engine.context_vector(follow, follow) is None  # no context, nothing to mix


def test_a_phrase_the_question_quotes_is_looked_for_where_the_notes_write_it(real_engine) -> None:  # noqa: ANN001
    # the quoted phrase sits in a pitfalls list the comparison's further question does not retrieve
    r = real_engine.ask("async generators vs WHATWG Streams in an LLM streaming pipeline: how does each one give you "
                        "backpressure, and why does collecting events into an array 'for convenience' wreck it?")
    assert '"for convenience" removes backpressure' in r.answer


def test_a_sides_sentence_in_the_next_chunk_of_a_retrieved_section_is_found(real_engine) -> None:  # noqa: ANN001
    # Reflexion's sentence ends the chunk before the one that ranks, in the same paragraph
    r = real_engine.ask("reflexion vs generative agents — what idea does each one contribute to a file-based agent "
                        "memory like a MEMORY.md index?")
    assert "Reflexion idea" in r.answer and "Generative Agents" in r.answer


def test_each_part_of_a_two_part_question_may_take_a_third_sentence(real_engine) -> None:  # noqa: ANN001
    # "what goes wrong if you leave it out?" is answered by the third sentence of its part
    r = real_engine.ask("In a Pre-LN transformer, why do you need one extra norm right before the unembedding? "
                        "What goes wrong if you leave it out?")
    assert "grows with depth" in r.answer


def test_a_question_that_asks_several_things_gets_a_sentence_for_the_words_not_yet_said(real_engine) -> None:  # noqa: ANN001
    # the first picks say why the levers are adopted before pretraining; "which part of the formula
    # does each one cut" is said by a sentence about the window and the sharing factor
    r = real_engine.ask("character.ai KV levers: sliding-window local attention vs sharing KV across adjacent layers "
                        "— which part of the KV-bytes formula does each one cut? and why are levers like these "
                        "cheapest to adopt before pretraining rather than retrofitted?")
    assert "sharing factor" in r.answer and "before pretraining" in r.answer


def test_a_partial_answers_nearest_evidence_is_not_chosen_for_the_missing_words(real_engine, monkeypatch) -> None:  # noqa: ANN001
    # the asked words a partial answer lacks are no reason to prefer a context sentence
    from tmrag.answer.quoting import QuoteSelector

    seen: list[frozenset[str]] = []
    greedy = QuoteSelector.greedy

    def spy(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(args[6] if len(args) > 6 else kwargs.get("asked", frozenset()))
        return greedy(self, *args, **kwargs)

    monkeypatch.setattr(QuoteSelector, "greedy", spy)
    ranking = real_engine.rank("character.ai KV levers: sliding-window local attention vs sharing KV across adjacent "
                               "layers — which part of the KV-bytes formula does each one cut?")
    real_engine.quoter.select(ranking)
    real_engine.quoter.select(ranking, numbers_first=False)
    assert seen[0] and not seen[-1]


def test_a_question_in_acronyms_the_notes_define_is_not_abstained(real_engine) -> None:  # noqa: ANN001
    # "MQA" and "GQA" embed as word pieces: the question alone scores under the abstention threshold
    r = real_engine.ask("What is the difference between MQA and GQA?")
    assert not r.abstained and r.coverage == "answered" and "GQA" in r.answer
    assert {c.module_id for c in r.citations} & {"multi-head", "kv-cache"}


def test_a_pronoun_whose_antecedent_also_points_back_comes_with_both(real_engine) -> None:  # noqa: ANN001
    # "The KL penalty has two jobs. It keeps … It also limits reward hacking …": the chunk opens at "It also"
    answer = real_engine.ask("What is reward hacking?").answer
    assert "It also limits reward hacking" in answer
    assert answer.index("The KL penalty has two jobs.") < answer.index("It keeps generations fluent")


def test_a_comparison_side_the_notes_never_write_is_missing(real_engine) -> None:  # noqa: ANN001
    # "Lion" opens the question, so it is not read as a name; the notes never write the word
    r = real_engine.ask("Lion vs AdamW optimizer?")
    assert r.coverage == "partial" and r.missing == ["Lion"]
    assert real_engine.ask("RoPE vs ALiBi?").coverage == "answered"


def test_a_bare_comparison_opens_each_side_with_its_glossary_entry(real_engine) -> None:  # noqa: ANN001
    # the side query "RoPE ?" embeds nearest to "Raising the RoPE base is another common knob."
    answer = real_engine.ask("RoPE vs ALiBi?").answer
    assert answer.startswith("Rotary position embedding: A position scheme")
    assert "ALiBi: A position method" in answer and "Raising the RoPE base" not in answer


def test_a_side_is_evidenced_by_its_glossary_entry_whatever_is_asked_of_it(real_engine) -> None:  # noqa: ANN001
    # the entry's text never writes "top-k sampling": its term names the side
    q = ("top-k routing in an MoE layer vs top-k sampling at decode time: both keep the k largest logits, so what "
         "happens differently to the k survivors afterwards?")
    answer = real_engine.ask(q).answer
    assert "Top-k sampling: A decoding method" in answer
    assert "Sparse expert routing is not new." not in answer  # a side named in a sentence this short is only introduced


def test_a_question_that_announces_its_parts_is_answered_part_by_part(real_engine) -> None:  # noqa: ANN001
    # the first part's focus ("the cheap low-detail image mode") is not read against the other parts'
    # quotes, so no false "The notes don't state how do i test …" opens the answer; every part is quoted
    q = ("building a VLM pipeline for scanned invoices. a) can i get away with the cheap low-detail image mode? "
         "b) how do i test whether it's describing stuff that isn't actually in the image? c) is there a security "
         "risk that's specific to image inputs?")
    r = real_engine.ask(q)
    assert r.coverage == "answered" and not r.answer.startswith("The notes don't state")
    assert "cannot read small text" in r.answer and "negative questions" in r.answer
    assert "visual prompt injection" in r.answer


def test_marked_items_of_a_numeric_question_are_each_quoted_from_their_own_retrieval(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.wording import MARKED_ITEMS

    assert MARKED_ITEMS.search("two things: (a) what cost …? (b) what happens …") and MARKED_ITEMS.search("1) x? 2) y?")
    assert not MARKED_ITEMS.search("SLERP between (1, 0) and (0, 1) at t = 0.25")
    assert not MARKED_ITEMS.search("score with the query at 5 and key at 3, and if flipped (query at 3, key at 5)?")
    # the ceiling is a number, so the question is numeric; the PDF part is answered in another module
    r = real_engine.ask("Answer-engine design reviews, two things: (a) what per-query cost ceiling does the "
                        "Perplexity-style design set, and does its own worked estimate come in under it? (b) in the "
                        "NotebookLM-style design, what happens to an uploaded PDF before it can be searched, and what "
                        "does each chunk keep track of?")
    assert "$0.02" in r.answer and "character span" in r.answer


def test_a_partial_answer_to_a_three_part_question_keeps_the_answered_parts(real_engine) -> None:  # noqa: ANN001
    # the notes never write "Quokka", so the third part is missing; the first two are still answered
    # from their own quotes instead of being replaced by the whole question's closest passages
    q = ("three quick ones: (1) why does PagedAttention store the KV cache in fixed-size blocks? (2) what MFU does "
         "Llama 3 405B report in bf16? (3) what vocabulary size does the Quokka tokenizer use?")
    r = real_engine.ask(q)
    assert r.coverage == "partial" and any("Quokka" in m for m in r.missing)
    assert "fixed-size blocks" in r.answer and "38–43%" in r.answer


def test_a_default_of_a_code_sketch_is_quoted_from_its_signature(real_engine) -> None:  # noqa: ANN001
    # the cutoff is written only in the sketch's code (threshold=0.5), which no prose sentence repeats
    r = real_engine.ask("In the safety notes' guarded_generate sketch, what classifier score cutoff triggers a "
                        "refusal by default?")
    assert r.answer.startswith("def guarded_generate(") and "threshold=0.5" in r.answer
    assert r.coverage == "answered"


def test_what_a_code_sketch_does_is_quoted_from_its_lines(real_engine) -> None:  # noqa: ANN001
    # the 4,000-character cut and the give-up string are in the body; no prose says either
    r = real_engine.ask("the minimal react_loop in the agents notes: what's its default step budget, how many "
                        "characters of each tool observation does it keep, and what does it return if the budget runs out?")
    assert "max_steps=10" in r.answer and "str(obs)[:4000]" in r.answer and "step budget exhausted" in r.answer
    assert r.coverage == "answered" and r.citations[0].quote_text.startswith("def react_loop(")


def test_a_question_in_parts_is_judged_by_its_parts_evidence(real_engine) -> None:  # noqa: ANN001
    # the whole embeds at 0.56, so the reader would be asked and read it as unanswered; each part finds
    # its module at 0.63
    q = ("Two 'what's the catch' questions from different notes: (1) tying the input embedding and the output "
         "projection saves a V×d matrix, but what does the model give up by making one matrix do both jobs? (2) does "
         "training only LoRA adapters protect the base model from catastrophic forgetting?")
    r = real_engine.ask(q)
    assert r.coverage == "answered" and "geometry" in r.answer and "reduced, not eliminated" in r.answer


def test_a_name_its_quoted_modules_id_holds_is_mentioned(real_engine) -> None:  # noqa: ANN001
    # "the verifier/PRM notes" names the notes the pass@N sentence is quoted from (verifier-prm)
    q = ("pass@k in the agent-eval notes vs pass@N in the verifier/PRM notes — both are 'at least one of them "
         "succeeds', so how is each one computed and what is each one used for?")
    assert "PRM" not in real_engine.ask(q).missing


def test_what_a_named_thing_is_is_answered_by_a_sentence_saying_what_it_is(real_engine) -> None:  # noqa: ANN001
    # "After embedding, ViT is a standard pre-norm Transformer encoder": the reader alone reads it as unanswered
    r = real_engine.ask("What is a ViT?")
    assert r.coverage == "answered" and "ViT is a" in r.answer


def test_a_models_size_in_its_name_states_its_parameter_count(real_engine) -> None:  # noqa: ANN001
    # "GPT-3 175B has 96 layers, …": the count is the name's; the same name asked with its size is not answered by it
    r = real_engine.ask("how many parameters in GPT-3?")
    assert r.coverage == "answered" and "GPT-3 175B" in r.answer


def test_a_first_word_nobody_knows_is_a_name_the_notes_lack(real_engine) -> None:  # noqa: ANN001
    # "muon" opens the question, so its capital says nothing; neither the notes nor the vocabulary know it
    r = real_engine.ask("muon optimizer, what's the idea?")
    assert r.abstained and "Muon" in r.unknown_terms
    # a one-letter slip of a word the notes use is that word, not a name
    assert "Waht" not in real_engine.ask("Waht is RoPE?").unknown_terms
    # a first word that opens a clause ("Partway through …") is an ordinary word, not a name
    assert real_engine.ranker.unknown_first("Partway through a long agent run, why does the model repeat a mistake?") == []
    assert real_engine.ranker.unknown_first("Muon: what is it?") == ["Muon"]


def test_what_a_code_name_is_is_answered_where_the_top_passage_writes_it(real_engine) -> None:  # noqa: ANN001
    # "isConcurrencySafe" embeds as word pieces: evidence 0.33, under the off-topic floor
    r = real_engine.ask("what is isConcurrencySafe?")
    assert not r.abstained and "isConcurrencySafe" in r.answer
    assert real_engine.ask("What is Gemma?").abstained  # a plain name is read by the embedder as before


def test_a_number_asked_of_a_named_thing_comes_from_a_passage_that_names_it(real_engine) -> None:  # noqa: ANN001
    # "Alpaca: 52,000 machine-generated examples" sits in another module's passage: no count of LLaVA's
    r = real_engine.ask("How many examples were in LLaVA's visual instruction tuning dataset?")
    assert r.coverage == "partial" and any("LLaVA" in m for m in r.missing)
    # a passage that works the asked case answers it without naming the model
    r = real_engine.ask("How many tokens does a ViT-L/16 turn a 224×224 image into?")
    assert r.coverage == "answered" and "196" in r.answer


def test_a_number_asked_of_a_described_thing_is_not_stated_by_passages_about_another(real_engine) -> None:  # noqa: ANN001
    # "Typical choices are 256–1,024 tokens" sizes RAG chunks; the chunked-prefill passage gives no size
    r = real_engine.ask("what chunk size does chunked prefill typically use?")
    assert r.coverage == "partial" and r.missing == ["the chunk size"]


def test_a_sentence_that_announces_the_answer_is_quoted_from_the_answer(real_engine) -> None:  # noqa: ANN001
    # "The answer to the hook, in one sentence: GPT-3 runs all 96 layers …": the module's opening question is not the reader's
    r = real_engine.ask("Why does GPT-3 push every token through all 96 blocks — couldn't it bail out early on easy tokens "
                        "whose answer the early layers already 'have'?")
    assert "GPT-3 runs all 96 layers per token" in r.answer and "the hook" not in r.answer
    assert any(c.quote.startswith("GPT-3 runs all 96 layers") for c in r.citations)


def test_a_parts_sentences_may_come_from_the_passages_the_whole_question_found(real_engine) -> None:  # noqa: ANN001
    # the part "which operations hand back no useful gradient" retrieves PyTorch passages on its
    # own; the backprop passage that says it ranks for the whole question
    r = real_engine.ask("my logged global gradient norm is exactly 0.0 every step. per the pytorch debugging notes "
                        "what does that usually mean, and per the backprop notes which operations hand back no "
                        "useful gradient and what do frameworks do at those points?")
    assert "argmax" in r.answer


def test_a_why_parts_pick_brings_the_short_sentence_that_draws_its_consequence(real_engine) -> None:  # noqa: ANN001
    # "Kaplan also concluded … most of a larger budget should go into parameters" is followed by
    # the short sentence that says what it meant in practice
    r = real_engine.ask("Under Kaplan's power laws, why does each fixed improvement in loss cost a multiplicative jump "
                        "in resources? e.g. what does making the model 10x bigger do to the model-size-limited loss?")
    assert "N_opt" in r.answer and "reflects that advice" in r.answer


def test_a_parts_sentences_come_first_from_the_modules_the_whole_question_is_about(real_engine) -> None:  # noqa: ANN001
    # "why does one slow GPU become everyone's problem" alone also finds a streaming pipeline's
    # backpressure ("a slow consumer pauses upstream stages"); the question is about training
    q = ("why does a lopsided pipeline split (say the embedding and output layers stuck on one stage) slow down the "
         "whole training run, and more generally why does one slow or dying GPU become everyone's problem in "
         "synchronous training?")
    r = real_engine.ask(q)
    assert "pull-based" not in r.answer and "slowest stage set the pace" in r.answer


def test_items_numbered_in_a_question_are_parts_not_a_worked_case(real_engine) -> None:  # noqa: ANN001
    # "(1)" and "(2)" count the parts: each is quoted from its own retrieval, not as one worked example
    r = real_engine.ask("Two design-review questions: (1) in the Sora-style pipeline, what happens to a short user "
                        "prompt before generation starts, and why? (2) in the ChatGPT design, how is a bad model push "
                        "detected and rolled back, and what must be true of the previous weights while the new model ramps?")
    assert "captions" in r.answer and "alias" in r.answer


def test_a_table_row_is_quoted_read_with_its_header(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("character.ai-style backend: an int8 kernel starts producing numerically wrong outputs. "
                        "how is that detected and what is the rollback?")
    assert "Int8 kernel numerical bug — Detect: perplexity canary" in r.answer
    cited = next(c for c in r.citations if "perplexity canary" in c.quote)
    assert cited.quote.startswith("| Int8 kernel numerical bug |")  # the citation keeps the file's text


def test_a_default_asked_is_answered_by_the_sentence_that_says_the_default(real_engine) -> None:  # noqa: ANN001
    r = real_engine.ask("If one of my Claude Code hook scripts hangs, how long does the harness wait on it by default "
                        "before timing out?")
    assert r.coverage == "answered" and "60 seconds" in r.answer
    r = real_engine.ask("pytorch DDP groups grads into buckets before the all-reduce — what's the default bucket size "
                        "(bucket_cap_mb) if you don't set it?")
    assert r.coverage == "partial"


def test_a_question_in_parts_is_answered_when_each_part_has_evidence(real_engine) -> None:  # noqa: ANN001
    # The whole question embeds far from every passage (evidence 0.41, under the abstention
    # threshold); each part, retrieved on its own, is answered in a module of its own.
    question = ("two evaluation/accounting gotchas: (a) why isn't a good FID enough to say a text-to-image model "
                "is good, and what else should the eval include? (b) when someone quotes a '4-bit' model, what "
                "besides the 4-bit weights pushes the real bits per weight above 4?")
    ranking = real_engine.rank(question)
    assert ranking.intent.kind == "multi_part" and real_engine.should_abstain(ranking, parts=False)
    r = real_engine.ask(question).model_dump(mode="json")
    assert not r["abstained"] and {"diffusion", "quantization"} <= {c["module_id"] for c in r["citations"]}
    off = real_engine.ask("How do I change a flat tire, and what oil should my car's engine use?").model_dump(mode="json")
    assert off["abstained"]


def test_a_side_named_only_in_passing_gets_evidence_of_its_own(real_engine) -> None:  # noqa: ANN001
    # The best evidence names GPT-3 only as what InstructGPT's SFT stage trained, which says nothing
    # of what GPT-3 showed: the side is quoted from its own retrieval.
    r = real_engine.ask("gpt-2 vs gpt-3: what did each one show about getting a plain left-to-right language model "
                        "to do tasks without task-specific fine-tuning?").model_dump(mode="json")
    assert "zero-shot" in r["answer"] and "few in-context examples" in r["answer"]


def test_sides_the_notes_name_as_list_items_are_quoted_as_those_items(real_engine) -> None:  # noqa: ANN001
    from tmrag.answer.item_quoting import LABEL_TAIL, label_key

    assert label_key("The Index staleness.") == "index staleness"
    assert label_key(LABEL_TAIL.sub("", "Search-API outage or slowdown")) == "search-api outage"
    # "Index staleness" is labelled at the end of one chunk and described at the start of the next
    r = real_engine.ask("For-You feed ops question: feedback loop collapse vs index staleness. How does each one show "
                        "up, how do you detect it, and what's the fix?")
    assert r.answer.startswith("Feedback loop collapse. [1] The feed narrows")
    assert "Index staleness." in r.answer and "time from upload to first impression" in r.answer
    assert r.answer.index("Index staleness.") < r.answer.index("time from upload")
    # a case asked of the items ("at z = -1") is not what a list item states
    gelu = real_engine.ask("GELU vs ReLU: how do they behave on negative inputs, e.g. at z = -1?")
    assert "0.159" in gelu.answer


def test_a_side_no_sentence_names_is_quoted_where_its_paragraph_named_it(real_engine) -> None:  # noqa: ANN001
    # "**Context caching.** A user who asks ten questions … should pay for its prefill once.": the
    # paragraph's bold title names the side, the sentence that says what it saves does not
    q = ("Prompt caching in the agent-harness notes vs the context caching in the Gemini design review: what gets "
         "reused in each case, and which cost problem is each one going after?")
    assert "pay for its prefill once" in real_engine.ask(q).answer


def test_sides_named_with_asides_before_both_get_a_side_each(real_engine) -> None:  # noqa: ANN001
    q = ("Sparse autoencoders and mixture-of-experts layers both have far more units than any single input uses. "
         "Compare the two: what exactly is sparse in each, what enforces that sparsity, and what is it buying?")
    r = real_engine.ask(q)
    assert "sparse autoencoder" in r.answer.lower() and "experts" in r.answer


def test_just_the_list_is_answered_with_the_list_alone(real_engine) -> None:  # noqa: ANN001
    # "cost" is a number word, but the question asks for a list in so many words
    r = real_engine.ask("What pitfalls do the cost-tracking notes warn about for an agent's spend tracker? Just list them.")
    assert "(5) Gating on averages" in r.answer and r.answer.count("[1]") == 1 and "[2]" not in r.answer


def test_just_the_items_is_answered_with_the_named_sections_list(real_engine) -> None:  # noqa: ANN001
    # "just the items with a line each" asks for the list, not a second question
    r = real_engine.ask("what pitfalls do the long-context / context-engineering notes list? just the items with a line each")
    assert "(5) Trusting needle tests." in r.answer and "Cache-busting prefixes" in r.answer and "[2]" not in r.answer
    # named by its module's title and its section's, the list is there however far the question embeds
    r = real_engine.ask("What pitfalls and trade-offs do the MLP & matmul notes list? Just the items, a line each.")
    assert not r.abstained and "(1) Dead ReLUs." in r.answer
    # "the embeddings notes" is the Embeddings module, not the embeddings-platform design review
    r = real_engine.ask("what pitfalls and trade-offs do the embeddings notes list? just the items, a line each")
    assert "Anisotropy." in r.answer and "Dual serving" not in r.answer
    # "traps" names the "More traps worth knowing" list, asked after a set-up sentence
    r = real_engine.ask("My PyTorch loop already passes the bug-gallery checks. What further traps do the debugging "
                        "notes list beyond the gallery? Give each with the one-line fix or symptom.")
    assert "sampler.set_epoch(epoch)" in r.answer and "Label order" in r.answer
    # the item sentence that stands for its list is kept, or the list (and here the whole answer) is lost
    r = real_engine.ask("What trade-offs and common pitfalls do the quantization notes list? Just the list, one line each.")
    assert r.answer.startswith("Trade-offs and common pitfalls: (1) Outliers are the central difficulty.")
    # "the tool-use notes" is "Tool Use & Protocols" (not "Tool System"), "the streaming/API notes"
    # "Streaming & API Layer", retrieved or not
    r = real_engine.ask("What pitfalls do the tool-use notes flag for running tools in production? Just the list, a line each.")
    assert r.answer.startswith("Pitfalls in production: (1) Descriptions are prompts.")
    r = real_engine.ask("What pitfalls do the streaming/API notes warn about? just the list, a line each")
    assert r.answer.startswith("Pitfalls: (1) Parsing tool JSON too early.")
    # the module called on holds the list, under a heading that names no list: not another module's pitfalls
    r = real_engine.ask("What pitfalls do the pre-training notes list about reading the training loss? Just the list.")
    assert "Test-set contamination" in r.answer and "Interpretability illusions" not in r.answer
    # "one line each is fine" asks for the list alone, each item with its line
    r = real_engine.ask("What pitfalls do the commands & skills notes list? One line each is fine.")
    assert "(4) Name collisions. Built-in, project, user and plugin commands" in r.answer and "[2]" not in r.answer


def test_every_part_the_quotes_do_not_state_is_named_missing(real_engine) -> None:  # noqa: ANN001
    # the quotes say "one hidden layer" and "patch size" in two sentences: no hidden size is stated
    r = real_engine.ask("how many transformer blocks deep is DiT-XL/2, and what hidden size does it use?")
    assert r.coverage == "partial" and "the hidden size" in r.missing


def test_each_worked_example_a_question_sets_up_finds_its_own_passage(real_engine) -> None:  # noqa: ANN001
    # the harness example (15K + 4K per turn) ranks below four passages on the other example
    r = real_engine.ask("My notes work two 30-turn prompt-caching examples, a Claude Code session starting at 20K "
                        "tokens and adding 2K per turn, and a harness with a 15K-token prefix adding 4K per turn: "
                        "how many tokens are written to the cache in each?")
    assert "131,000 tokens written to cache" in r.answer and "78,000 tokens" in r.answer


def test_a_follow_up_about_a_labelled_list_item_quotes_that_item(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.followup import Turn

    first = "Walk me through the stages of a decoder-only forward pass, from raw text to the next token."
    listed = real_engine.ask(first)
    assert "(5) Final normalization and unembedding" in listed.answer
    r = real_engine.ask("What exactly happens at the fifth stage?", history=[Turn(first, listed.answer)])
    # the item's own sentence, not the list the reader already has
    assert "one logit per vocabulary entry" in r.answer and "(5) Final normalization" not in r.answer


def test_a_follow_up_that_sets_a_new_case_reads_that_case_first(real_engine) -> None:  # noqa: ANN001
    from tmrag.query.followup import Turn

    first = ("With γ = 5 drafted tokens and an acceptance rate of 0.8, how many tokens does each target pass "
             "emit on average in speculative decoding?")
    r = real_engine.ask("And if acceptance drops to 0.6?", history=[Turn(first, real_engine.ask(first).answer)])
    # the 0.6 case's passage before the one working the 0.8 and 0.9 cases the previous turn gave
    assert "2.383" in r.answer and r.answer.index("2.383") < r.answer.index("4.686")
