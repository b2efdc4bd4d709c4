"""Coverage helpers: what a partial answer says it lacks, and when a quote states the asked thing."""

from __future__ import annotations

from types import SimpleNamespace

from tmrag.answer.asked import asked_thing, names_asked, number_owners, owner_phrase, unnamed_kind
from tmrag.answer.composing import coverage_note
from tmrag.answer.coverage import CoverageJudge
from tmrag.answer.missing_note import say_missing, unsaid_parts
from tmrag.answer.stating import states, states_quantity
from tmrag.answer.typed_names import typed_title
from tmrag.tokenize import tokenize


def test_the_missing_thing_names_the_whole_model() -> None:
    assert owner_phrase("How many layers does Llama 3 405B have?", "Llama") == "Llama 3 405B"
    assert asked_thing("How many layers does Llama 3 405B have?", "layers", ["Llama"]) == \
        "the number of layers of Llama 3 405B"
    assert asked_thing("What peak learning rate did GPT-3 175B use?", "peak learning rate", ["GPT-3"]) == \
        "the peak learning rate of GPT-3 175B"
    assert asked_thing("Which port does it use?", "port", []) == "the port"
    # the attribute as the question words it, and never "of" a name the attribute itself is
    assert asked_thing("What weakness of DPO does IPO fix?", "weakness", ["IPO", "DPO"]) == "the weakness of DPO"
    assert asked_thing("What TFLOPS does FlashAttention-3 reach?", "TFLOPS", ["TFLOPS", "FlashAttention-3"]) == \
        "the TFLOPS of FlashAttention-3"
    # the thing the number is asked of, not a name in the premise before it
    assert asked_thing("DiT got FID 2.27 on ImageNet — what FID does MMDiT get?", "FID", ["DiT", "ImageNet", "MMDiT"]) \
        == "the FID of MMDiT"


def test_a_missing_name_is_written_in_full() -> None:
    from tmrag.answer.asked import full_name

    assert full_name("What are Claude Haiku's list prices?", "Haiku") == "Claude Haiku"
    assert full_name("What are Mixtral 8x22B's parameter counts?", "Mixtral") == "Mixtral 8x22B"
    assert full_name("Does Mixtral use top-2 routing?", "Mixtral") == "Mixtral"  # "Does" opens the question


def test_the_note_lists_everything_missing() -> None:
    # a name alone: the asked thing is not stated for it (the notes may well name it elsewhere)
    assert coverage_note(["Claude Haiku"]) == "The notes don't state this for Claude Haiku; the nearest they come:"
    assert coverage_note(["the price of A", "B", "C"]) == \
        "The notes don't state the price of A, B and C; the nearest they come:"


def _states(focus: str, numeric: bool, sentences: list[str], question: str, names: tuple[str, ...] = ()) -> bool:
    ranking = SimpleNamespace(query=SimpleNamespace(text=question, names=list(names)), intent=SimpleNamespace(focus=focus))
    return states(tokenize(focus), numeric, sentences, [set(tokenize(s)) for s in sentences], ranking)


def test_a_number_must_come_with_the_attribute_and_not_from_the_name() -> None:
    q = "How many layers does Llama 3 405B have?"
    assert not _states("layers", True, ["Llama 3 405B was trained on 15.6T tokens."], q)
    assert not _states("layers", True, ["Each layer of Llama 3 405B is wide."], q)  # 3 and 405 are the question's
    assert _states("layers", True, ["Llama 3 405B has 126 layers."], q)
    assert _states("group size", False, ["The group size sets how many samples share a baseline."], "")
    assert not _states("group size", False, ["A group of responses is sampled."], "")


def test_a_number_of_another_version_of_the_named_model_does_not_state_it() -> None:
    q = "How many rounds of DPO did Llama 3's post-training run?"
    assert not _states("rounds", True, ["Llama 2's chat recipe ran 5 rounds of RLHF."], q, ("Llama",))
    assert _states("rounds", True, ["Llama 3 ran 6 rounds of DPO."], q, ("Llama",))
    assert _states("rounds", True, ["Post-training ran 6 rounds of DPO."], q, ("Llama",))  # named in context


def test_a_quantity_in_its_unit_counts_as_stated() -> None:
    ranking = SimpleNamespace(query=SimpleNamespace(text="How much memory does a 70B model need?"))
    assert states_quantity(["memory"], True, ["It needs 140 GB in fp16."], ranking)
    assert not states_quantity(["memory"], True, ["It has 70B parameters."], ranking)
    assert not states_quantity(["layers"], True, ["It needs 140 GB in fp16."], ranking)


def test_a_bare_size_is_stated_by_a_parameter_count_and_a_block_size_is_not() -> None:
    ranking = SimpleNamespace(query=SimpleNamespace(text="What size LLaMA base model did LIMA fine-tune on 1,000 examples?"))
    assert states_quantity(["size"], True, ["LIMA fine-tuned a 65B LLaMA base model on 1,000 pairs."], ranking)
    assert not states_quantity(["size"], True, ["LIMA fine-tuned LLaMA on 1,000 pairs."], ranking)  # the question's own
    ranking = SimpleNamespace(query=SimpleNamespace(text="What block size did DeepSeek-V3 use for fp8 scaling?"))
    assert not states_quantity(["block", "size"], True, ["DeepSeek-V3 trained a 671B-parameter model in fp8."], ranking)


def test_a_share_is_stated_by_a_percentage_the_question_did_not_give() -> None:
    question = "How big was SWE-bench, and what share of it did the best model resolve?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=question))
    assert states_quantity(["share"], True, ["The best model, Claude 2, resolved only 1.96% of tasks."], ranking)
    assert not states_quantity(["share"], True, ["It holds 2,294 tasks from 12 repositories."], ranking)
    ranking = SimpleNamespace(query=SimpleNamespace(text="What share of the 12% did it keep?"))
    assert not states_quantity(["share"], True, ["It kept 12% of them."], ranking)  # the question's own figure


def test_the_owner_of_an_asked_number_is_the_thing_it_is_asked_of() -> None:
    assert number_owners("How many KV-cache bytes per token does Mistral 7B need in fp16?",
                         ["KV-cache", "Mistral", "fp16"]) == ["Mistral"]
    assert number_owners("How many answer choices does each MMLU-Pro question have?", ["MMLU-Pro"]) == ["MMLU-Pro"]
    # names of the set-up, not of the asked thing
    assert number_owners("Serving Llama-2-7B on a single A100, how many sequences fit in the KV cache?",
                         ["Llama-2-7B", "A100"]) == []
    assert number_owners("How many tokens does a 1024x1024 screenshot cost when sent to GPT-4V?", ["GPT-4V"]) == []
    assert number_owners("how big is GPT-4's tokenizer vocabulary?", ["GPT-4"]) == ["GPT-4"]  # the measured thing's


def test_a_focus_written_as_one_token_or_a_count_written_as_a_word_is_stated() -> None:
    assert _states("pass@1", False, ["With test feedback it reached 91% pass@1 on HumanEval."], "What pass@1 did it reach?")
    assert _states("rounds", True, ["Llama 2 ran five iterative rounds of RLHF."], "How many rounds of RLHF did Llama 2 run?")
    assert not _states("rounds", True, ["Llama 2 ran iterative rounds of RLHF."], "How many rounds of RLHF did Llama 2 run?")


def test_a_glossary_term_of_the_asked_kind_said_of_the_asked_thing_states_it() -> None:
    gelu = SimpleNamespace(term="GELU", aliases=[], definition="A smooth activation function; GPT-2 and BERT use it.")
    corpus = SimpleNamespace(glossary=[gelu])
    judge = CoverageJudge(SimpleNamespace(coverage_reader=False), None, reader=None, corpus=corpus)
    sentences = ["GELU is smooth; GPT-2, GPT-3 and BERT use it.", "GELU is smooth; GPT-2 uses it."]
    tokens = [set(tokenize(s)) for s in sentences]
    kinds = judge.with_kinds(tokens, tokenize("activation function"), sentences, ["BERT"])
    assert {"activation", "function"} <= kinds[0] and kinds[1] == tokens[1]  # only where BERT is named
    assert judge.with_kinds(tokens, tokenize("learning rate"), sentences, ["BERT"]) == tokens  # GELU is no learning rate


def test_a_glossary_definition_is_quoted_with_its_term() -> None:
    from types import SimpleNamespace

    from tmrag.answer.composing import entry_label

    zero = SimpleNamespace(kind="glossary", title="ZeRO", text="A family of data-parallel memory optimizations that shard…")
    assert entry_label(zero) == "ZeRO: "
    grpo = SimpleNamespace(kind="glossary", title="Group relative policy optimization",
                           text="GRPO, introduced in DeepSeekMath, is an online PPO-style method.")
    assert entry_label(grpo, ("GRPO",)) == ""  # it names its term itself
    assert entry_label(SimpleNamespace(kind="module", title="KV cache", text="A per-sequence store.")) == ""


def test_a_missing_name_that_is_the_asked_attribute_is_said_as_the_attribute() -> None:
    from types import SimpleNamespace

    from tmrag.query.intent import question_focus

    def said(question: str, names: list[str], missing: str) -> str:
        ranking = SimpleNamespace(query=SimpleNamespace(text=question, names=names),
                                  intent=SimpleNamespace(focus=question_focus(question, names)))
        return say_missing(ranking, missing)

    hours = "How many A100 GPU-hours did Llama 2's pretraining take?"
    # the pretraining, not Llama 2, takes the hours: the question's own clause says what is missing
    assert said(hours, ["A100", "GPU-hours", "Llama"], "A100") == "how many A100 GPU-hours did Llama 2's pretraining take"
    assert said("What Elo does Claude 3 Opus reach?", ["Elo", "Claude", "Opus"], "Elo") == "the Elo of Claude 3 Opus"
    assert said("What are Claude Haiku's prices?", ["Claude", "Haiku"], "Haiku") == "what are Claude Haiku's prices"


def test_overlapping_quoted_spans_are_quoted_once() -> None:
    from tmrag.answer.composing import merged

    assert merged([[1940, 2093], [1937, 1973], [2200, 2300]]) == [[1937, 2093], [2200, 2300]]


def test_a_count_must_count_the_asked_noun() -> None:
    from tmrag.answer.stating import COUNT_RE, counts

    q = "How many Transformer layers does DeepSeek-V3 have?"
    assert COUNT_RE.search(q).group("noun") == "layers"
    assert COUNT_RE.search("How many bytes of optimizer state per parameter does SGD need?").group("noun") == "bytes"
    # a number beside another word of the sentence is not the number of layers
    assert not _states("layers", True, ["DeepSeek-V3 has 671B parameters, and each MoE layer routes a token."], q)
    assert _states("layers", True, ["DeepSeek-V3 stacks 61 transformer layers."], q)
    assert counts("Doubling the duration doubles the tokens to 432,000.", "tokens")
    assert counts("n_layers = 32 in the config.", "layers")
    assert counts("CLIP was trained on 400 million image–text pairs.", "pairs")


def test_an_attribute_of_a_described_thing_is_owned_by_it() -> None:
    q = "What is the vocabulary size of GPT-4o's o200k_base tokenizer?"
    assert number_owners(q, ["GPT-4o", "o200k_base"]) == ["GPT-4o", "o200k_base"]
    q = "In MLA, what is the width of the compressed latent that DeepSeek caches per token?"
    assert asked_thing(q, "width", ["MLA", "DeepSeek"]) == "the width of the compressed latent that DeepSeek caches per token"


class _Reader:
    def __init__(self, logit: float) -> None:
        self.logit = logit

    def score(self, question: str, passage: str) -> float:
        return self.logit


def test_an_unnamed_attribute_at_strong_evidence_needs_the_readers_doubt_too() -> None:
    settings = SimpleNamespace(coverage_reader=True, coverage_focus_evidence=0.65, coverage_owned_reader_logit=2.0)
    ranking = SimpleNamespace(query=SimpleNamespace(text="What latent shape does Stable Diffusion use?"),
                              intent=SimpleNamespace(numeric=False), evidence=0.77)
    sentences = ["Its autoencoder maps a 512×512 image to a 64 × 64 × 4 latent."]
    assert CoverageJudge(settings, None, reader=_Reader(2.7)).reads_as_answered(ranking, sentences)
    assert not CoverageJudge(settings, None, reader=_Reader(1.3)).reads_as_answered(ranking, sentences)
    ranking.evidence = 0.6  # weak evidence: the unnamed attribute alone decides
    assert not CoverageJudge(settings, None, reader=_Reader(2.7)).reads_as_answered(ranking, sentences)


def test_quotes_cover_a_part_when_they_hold_a_word_only_that_part_has() -> None:
    from tmrag.answer.quotes import Quote
    from tmrag.answer.sides import SideQuoter

    text = "Per-step success 0.95 over 20 steps is 0.358."
    index = SimpleNamespace(chunks=[SimpleNamespace(text=text)])
    quoter = SideQuoter(SimpleNamespace(index=index, corpus=None))
    quotes = [Quote(0, [(0, len(text))])]
    parts = ["success for a 20-step task at 95%?", "success for a 30-step task at 98%?"]
    assert not quoter.covers_parts(quotes, parts)
    assert quoter.covers_parts(quotes, ["success for a 20-step task at 95%?", "success at 95%?"])


def test_a_side_asked_several_things_takes_the_best_sentence_for_each_first() -> None:
    import numpy as np

    from tmrag.answer.quotes import Scored
    from tmrag.answer.sides import SideQuoter

    # three sentences in one chunk; the side's pool ranks the first two above the third
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    index = SimpleNamespace(sentence_vectors_of=lambda row: vectors)
    quoter = SideQuoter(SimpleNamespace(index=index, corpus=None))
    pool = [Scored(0.9, 0, 0, 0), Scored(0.8, 0, 0, 1), Scored(0.5, 0, 0, 2)]
    asks = [np.array([1.0, 0.0]), np.array([0.0, 1.0])]  # what it is; what it costs
    assert [s.j for s in quoter.by_asks(pool, asks)] == [0, 2, 1]  # the cost sentence before the near-repeat
    assert [s.j for s in quoter.by_asks(pool, [])] == [0, 1, 2]


def test_a_score_asked_of_a_named_model_is_owned_by_it() -> None:
    from tmrag.query.intent import question_focus

    q = "GPT-3 sits at about 44% on MMLU. What did Chinchilla score on MMLU?"
    assert question_focus(q, ["GPT-3", "MMLU", "Chinchilla"]) == "score"
    assert number_owners(q, ["GPT-3", "MMLU", "Chinchilla"]) == ["Chinchilla"]


def test_an_asked_value_is_a_number_near_the_attribute_not_a_share_of_it() -> None:
    q = "What peak learning rate did GPT-3 175B train with?"
    said = "GPT-3 warmed up over the first 375 million tokens, then decayed with a cosine to 10% of the peak learning rate."
    assert not _states("peak learning rate", True, [said], q, ("GPT-3",))
    assert _states("peak learning rate", True, ["GPT-3 175B used a peak learning rate of 6e-4."], q, ("GPT-3",))
    # a quantity said by its unit alone states it
    assert _states("KV cache", True, ["Llama 2 7B appends 0.5 MiB per token."], "How much KV cache does Llama 2 7B need?")


def test_a_count_that_describes_another_noun_is_not_a_count_of_it() -> None:
    from tmrag.answer.stating import counts

    assert not counts("Gemini 1.5 Pro shipped with a 1M-token context window.", "tokens")
    assert counts("The clip becomes 216,000 tokens.", "tokens")
    # what a thing is made of, counted in its adjective, is its count: "how many parameters is phi-1?"
    assert counts("The phi-1 work trained a 1.3B-parameter code model.", "parameters")
    assert counts("Character.ai serves a 48-layer model.", "layers")
    assert not counts("A 4,096-token sequence fills the cache.", "layers")


def test_a_multi_part_questions_number_is_owned_by_its_own_part() -> None:
    from tmrag.answer.asked import asked_clause

    q = ("How do designs bound recursion — what does Claude Code allow sub-agents to do, and how many agents "
         "would a fan-out of 4 reach at depth 3?")
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["Claude", "Code"]),
                              intent=SimpleNamespace(kind="multi_part", focus="agents"))
    assert asked_clause(ranking).startswith("how many agents")
    assert number_owners(asked_clause(ranking), ["Claude", "Code"]) == []


def test_a_count_of_the_asked_noun_states_it_in_a_passage_about_its_kind() -> None:
    q = "How many golden-set items do you need for ±5 points?"
    said = ["At p = 0.5 that is 384.2, so 385 items."]
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=[]), intent=SimpleNamespace(focus="golden-set items"))
    focus = tokenize("golden-set items")
    tokens = [set(tokenize(s)) for s in said]
    assert states(focus, True, said, tokens, ranking, frozenset(tokenize("Golden-set size")))
    # "144 heads" in a passage that never names name-mover heads counts none of them
    assert not states(focus, True, said, tokens, ranking, frozenset(tokenize("Eval sizing")))
    assert not _states("golden-set items", True, ["Agreement measured on 200 labels is 85%."], q)


def test_a_part_answered_in_another_module_gets_its_own_sentences_beside_the_best_evidence(monkeypatch) -> None:  # noqa: ANN001
    from tmrag.answer import part_quoting
    from tmrag.answer.quotes import Quote
    from tmrag.answer.quoting import QuoteSelector
    from tmrag.answer.sides import SideQuoter

    chunks = [SimpleNamespace(doc_id=d, kind="module") for d in ("compaction", "compaction", "prompt-cache", "retries")]
    part_quotes = {2: Quote(2, [(0, 10), (11, 20)])}
    selector = SimpleNamespace(index=SimpleNamespace(chunks=chunks), settings=SimpleNamespace(answer_max_sentences=4),
                               first_sentences=QuoteSelector.first_sentences,
                               select=lambda ranking: [part_quotes[ranking.results[0].row]],
                               refs=lambda q: list(range(len(q.spans))),
                               span_refs=lambda q: [(sp, j) for j, sp in enumerate(q.spans)],
                               repeats=lambda a, b: a == b)
    monkeypatch.setattr(part_quoting, "COMPOSED_SENTENCES", 6)  # a room the best evidence and the part overfill
    best = [Quote(0, [(0, 5), (6, 9)]), Quote(1, [(0, 4), (5, 8), (9, 12)])]
    near = SimpleNamespace(results=[SimpleNamespace(row=3), SimpleNamespace(row=1)])  # quoted module among its first
    far = SimpleNamespace(results=[SimpleNamespace(row=2)])
    quotes = SideQuoter(selector).with_distant(best, [near, far])
    # best cut to fit the six sentences
    assert [(q.row, len(q.spans), q.marker) for q in quotes] == [(0, 2, 1), (1, 2, 2), (2, 2, 3)]
    assert SideQuoter(selector).with_distant(best, [near]) is best


def test_a_further_question_never_crowds_a_side_out_of_a_comparison(monkeypatch) -> None:  # noqa: ANN001
    from tmrag.answer import part_quoting
    from tmrag.answer.quotes import Quote
    from tmrag.answer.quoting import QuoteSelector
    from tmrag.answer.sides import SideQuoter

    sentences = ["Int8 keeps outliers.", "GPTQ uses the Hessian.", "It is slow.", "It is old.", "It is odd.",
                 "AWQ scales salient channels."]
    text = " ".join(sentences)
    spans = [(text.index(t), text.index(t) + len(t)) for t in sentences]
    chunks = [SimpleNamespace(doc_id="quantization", kind="module", text=text)]
    selector = SimpleNamespace(index=SimpleNamespace(chunks=chunks), settings=SimpleNamespace(answer_max_sentences=4),
                               first_sentences=QuoteSelector.first_sentences)
    monkeypatch.setattr(part_quoting, "COMPOSED_SENTENCES", 6)  # room for four of best beside the two extra
    best = [Quote(0, list(spans), 1, list(spans))]
    extra = [Quote(0, [(100, 109), (110, 119)], 2, [(100, 109), (110, 119)])]
    quotes = SideQuoter(selector).with_extra(best, extra, ["gptq", "awq"])
    assert quotes[0].reading == [spans[0], spans[1], spans[2], spans[5]]  # the first 4 would drop AWQ
    assert SideQuoter(selector).with_extra(best, extra)[0].reading == spans[:4]  # no sides: the first ones


def test_adjacent_sentences_read_in_the_order_written() -> None:
    from tmrag.answer.reading import in_runs

    assert in_runs([5, 4, 9, 1]) == [4, 5, 9, 1]  # "… removes that obstacle" after "The obstacle is …"
    assert in_runs([9, 1, 2]) == [9, 1, 2]
    assert in_runs([7, 6, 5, 1]) == [7, 6, 5, 1]  # a longer run keeps its strongest sentence first


def test_quotes_that_work_the_asked_case_are_an_answer() -> None:
    from tmrag.answer.stating import works_the_case

    q = "In the tiny ReLU net with x=2, w1=0.5, w2=-3, target 1, what's the loss?"
    assert works_the_case(q, ["- $L = \\tfrac12(-3 - 1)^2 = \\tfrac12 \\times 16 = 8.0$."])
    assert not works_the_case(q, ["Take input $x = 2$ and weights $w_1 = 0.5$."])  # the set-up derives nothing
    assert not works_the_case("What's the loss of the tiny ReLU net?", ["$L = 8.0$ when $x = 2$."])  # no case asked


def test_a_name_the_quotes_never_mention_is_missing_when_the_reader_also_doubts_them() -> None:
    settings = SimpleNamespace(coverage_unmentioned_reader_logit=0.0)
    ranking = SimpleNamespace(query=SimpleNamespace(text="kv cache per token for Mistral 7B in fp16?"))
    sentences = ["Memory left for the KV cache (Llama-3-70B, 320 KiB per token in fp16)."]
    assert CoverageJudge(settings, None, reader=_Reader(-0.5)).unmentioned_and_unread(ranking, sentences, ["Mistral"]) \
        == ["Mistral"]
    assert CoverageJudge(settings, None, reader=_Reader(0.4)).unmentioned_and_unread(ranking, sentences, ["Mistral"]) == []
    assert CoverageJudge(settings, None, reader=_Reader(-0.5)).unmentioned_and_unread(ranking, [], ["Mistral"]) == []


def test_whats_the_x_of_y_is_asked_of_y() -> None:
    assert number_owners("what's the vocabulary size of the tokenizer GPT-4 uses?", ["GPT-4"]) == ["GPT-4"]



def test_how_big_asks_a_size_in_bytes_whatever_the_thing_is_called() -> None:
    from tmrag.answer.stating import unit_of

    assert unit_of(["checkpoint"], "how big is one latent checkpoint in fp16?").search("= 524,288 bytes")
    assert unit_of(["checkpoint"], "what does a checkpoint hold?") is None
    assert unit_of(["memory"], "how much memory?").search("1.25 GiB")


def test_a_part_the_quotes_say_none_of_the_own_words_of_is_unspoken() -> None:
    from tmrag.answer.quotes import Quote
    from tmrag.answer.sides import SideQuoter

    text = "SGD zig-zags across narrow valleys. Momentum averages the past updates."
    selector = SimpleNamespace(index=SimpleNamespace(chunks=[SimpleNamespace(text=text)]), corpus=None)
    parts = ["how does momentum stop SGD zig-zagging", "with mu = 0.9 how much is a steady gradient amplified?"]
    assert SideQuoter(selector).unspoken([Quote(0, [(0, 35), (36, 71)])], parts) == [False, True]


def test_an_attribute_named_by_a_word_the_notes_never_write_is_missing() -> None:
    judge = CoverageJudge(SimpleNamespace(coverage_reader=False, coverage_name_evidence=0.65, coverage_focus_evidence=0.65),
                          SimpleNamespace(lexical=SimpleNamespace(vocab={"deepnet"}), chunks=[]))
    q = "what BLEU did DeepNet get on its translation benchmark?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["DeepNet", "BLEU"]), typed=q, unknown_names=["BLEU"],
                              intent=SimpleNamespace(kind="numeric", focus="BLEU", focus_tokens=["bleu"], numeric=True,
                                                     sides=[], parts=[]), evidence=0.7)
    assert judge.judge(ranking, [], False, []).missing == ["the BLEU of DeepNet"]


def test_points_counted_are_an_attribute_other_generic_heads_are_not() -> None:
    from tmrag.answer.coverage import generic

    assert not generic(["point"], "By how many points did TIES beat task arithmetic?")
    assert generic(["point"], "What's the point of a KL penalty?")
    assert generic(["benefit"], "What's the benefit of GQA?")
    assert generic(["fix"], "Why does verbosity creep in under DPO, and what fix does it point to?")  # any remedy
    assert generic(["going"], "What's going on at the network chunk boundaries?")  # an idiom, no attribute
    assert generic(["else"], "How big a drop makes it reject, and what else has to hold for it to pass?")
    # a generic head that is counted is the attribute; "how many times" asks a ratio
    assert not generic(["problem"], "How many problems were in that subset?")
    assert generic(["problem"], "What problem does GQA solve?")
    assert generic(["time"], "How many times faster is FlashAttention?")


def test_a_question_after_a_scene_setting_statement_says_what_it_asks_in_its_own_words() -> None:
    from tmrag.answer.asked import asked_here

    q = "Lightman et al. ran the ORM vs PRM comparison on a subset of MATH. How many problems were in that subset?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["ORM", "PRM", "MATH"]),
                              intent=SimpleNamespace(kind="numeric", focus="problems"))
    assert asked_here(ranking) == "how many problems were in that subset"
    q = "Llama 3 405B is a dense model. How many layers does Llama 3 405B have?"  # the question names its owner
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["Llama 3 405B"]),
                              intent=SimpleNamespace(kind="numeric", focus="layers"))
    assert asked_here(ranking) == "the number of layers of Llama 3 405B"


def test_a_symbol_typed_in_ascii_is_no_name_the_notes_must_write() -> None:
    from tmrag.answer.typed_names import unwritten

    ranking = SimpleNamespace(typed="", unknown_names=["A_hat_0", "Flash-Decoding"])
    assert not unwritten("A_hat_0", ranking)  # the notes write it as math, Â_0
    assert unwritten("Flash-Decoding", ranking)


def test_a_greek_letter_speaks_for_its_name_in_a_part() -> None:
    from tmrag.answer.quotes import Quote
    from tmrag.answer.sides import SideQuoter

    text = "With α = 0.8 the optimum is γ = 6 at about 2.47x."
    quoter = SideQuoter(SimpleNamespace(index=SimpleNamespace(chunks=[SimpleNamespace(text=text)]), corpus=None))
    parts = ["how many tokens per pass do you expect", "which gamma is optimal?"]
    assert quoter.unspoken([Quote(0, [(0, len(text))])], parts) == [True, False]


def test_a_missing_name_that_only_modifies_the_asked_thing_is_said_as_the_asked_clause() -> None:

    q = "Which TCP port does Claude Code's VS Code extension listen on for its IDE bridge?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["TCP", "Claude", "Code", "VS", "IDE"]),
                              intent=SimpleNamespace(focus="port", focus_tokens=["port"]))
    assert say_missing(ranking, "TCP") == q[0].lower() + q[1:-1]
    q = "What are Claude Haiku's list prices per million tokens?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["Claude", "Haiku"]),
                              intent=SimpleNamespace(focus="list prices", focus_tokens=["list", "price"]))
    # whose prices: the question's own clause, which names Claude Haiku ("this for Claude Haiku" read as garbled)
    assert say_missing(ranking, "Haiku") == "what are Claude Haiku's list prices per million tokens"


def test_a_side_named_by_an_everyday_word_is_named_by_its_whole_phrase() -> None:
    from tmrag.answer.sides import SideQuoter, names_side

    notes = "Teacher forcing feeds the true previous tokens. A teacher model gives logits. Flamingo-style cross-attention."
    corpus = SimpleNamespace(modules={"m": SimpleNamespace(text=notes)})
    quoter = SideQuoter(SimpleNamespace(index=None, corpus=corpus))
    assert quoter.namers(["teacher forcing", "kv-cached decoding"])[0] == "teacher forcing"
    assert quoter.namers(["Flamingo-style cross-attention", "LLaVA"])[0] == "flamingo"  # a name names its side
    sentence = "A teacher model gives logits."
    assert not names_side("teacher forcing", sentence, set())
    assert names_side("slash command", "Slash commands run locally.", set())  # the plural too


def test_a_described_side_is_named_by_its_rarest_word() -> None:
    from tmrag.answer.sides import SideQuoter

    df = {"old": 40, "school": 3, "imperative": 2, "terminal": 30, "ui": 25, "library": 20, "ink": 9, "react": 12}
    lexical = SimpleNamespace(document_frequency=lambda t: df.get(t, 0))
    quoter = SideQuoter(SimpleNamespace(index=SimpleNamespace(lexical=lexical), corpus=None))
    assert quoter.rarest("an old-school imperative terminal UI library", ["Ink's React approach"]) == "imperative"


def test_a_name_the_attribute_is_asked_for_is_said_in_the_questions_clause() -> None:

    q = "How much does Anthropic charge per million input tokens for Claude Haiku?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["Anthropic", "Claude", "Haiku"]),
                              intent=SimpleNamespace(focus="million input tokens", focus_tokens=["million", "input", "token"]))
    assert say_missing(ranking, "Haiku") == \
        "how much does Anthropic charge per million input tokens for Claude Haiku"
    q = "What does QLoRA's NF4 do, and how many levels does it have?"  # a clause that points back: the name
    ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=["QLoRA", "NF4"]),
                              intent=SimpleNamespace(focus="levels", focus_tokens=["level"]))
    assert say_missing(ranking, "QLoRA") == "QLoRA"


def test_a_name_that_only_sets_the_scene_of_a_how_question_is_not_missing() -> None:
    def ranking(kind: str, names: list[str], sides: list[str] | None = None, unknown: list[str] | None = None,
                text: str = "in an ink-based CLI, how do nested Box components lay out?"):
        return SimpleNamespace(intent=SimpleNamespace(kind=kind, sides=sides or []),
                               query=SimpleNamespace(names=names, text=text), unknown_names=unknown or [])

    scene = CoverageJudge.setting_name
    # "in an ink-based CLI, how do nested <Box> components …": the quotes speak of Box, not of the CLI
    assert scene("CLI", ranking("multi_part", ["CLI", "Box"]), ["CLI"])
    assert not scene("CLI", ranking("multi_part", ["CLI", "Box"]), ["CLI", "Box"])  # nothing named is quoted
    assert not scene("CLI", ranking("numeric", ["CLI", "Box"]), ["CLI"])  # an attribute may be asked of it
    assert not scene("T5", ranking("comparison", ["ALiBi", "T5"], sides=["ALiBi", "T5's bucketed bias"]), ["T5"])
    # a side holds a name only as a whole word: "LM" is no side of "Self-RAG vs in-context RALM"
    rag = ranking("comparison", ["Self-RAG", "RALM", "LM"], sides=["Self-RAG", "in-context RALM"],
                  text="Self-RAG vs in-context RALM: which one leaves the LM's weights untouched?")
    assert scene("LM", rag, ["LM"])
    assert not scene("Mamba", ranking("mechanism", ["Mamba", "SSM"], unknown=["Mamba"]), ["Mamba"])  # never written
    # a name written with its version or with another name is the asked thing's own, not the scene's
    simpo = "What gamma did SimPO use, and how much did it beat DPO by on AlpacaEval 2?"
    assert not scene("AlpacaEval", ranking("multi_part", ["SimPO", "DPO", "AlpacaEval"], text=simpo), ["AlpacaEval"])
    assert scene("DPO", ranking("multi_part", ["SimPO", "DPO", "AlpacaEval"], text=simpo), ["DPO"])


def test_a_verb_after_what_names_no_attribute_to_check() -> None:
    from tmrag.answer.coverage import generic

    assert generic(["break"], "what breaks on a padded row where every entry is masked?")
    assert generic(["rule", "wins"], "which rule wins, and why?")
    assert not generic(["message", "format"], "what message format does MCP use?")


def test_the_counted_noun_ends_before_punctuation() -> None:
    from tmrag.answer.stating import COUNT_RE

    assert COUNT_RE.search("how many attention heads, in how many classes?").group("noun") == "heads"
    assert COUNT_RE.search("How many layers does Llama 3 405B have?").group("noun") == "layers"


def test_a_share_is_stated_by_a_percentage_without_the_word() -> None:
    q = "What share of SWE-bench did SWE-agent resolve with GPT-4 Turbo?"
    assert _states("share", True, ["SWE-agent lifted GPT-4 Turbo to about 12.5% resolved."], q)
    assert not _states("share", True, ["SWE-agent lifted GPT-4 Turbo with better tools."], q)
    q = "In what share of comparisons was LIMA judged as good as GPT-4?"
    assert _states("share comparisons", True, ["LIMA was judged as good as GPT-4 in 43% of comparisons."], q)
    assert not _states("share comparisons", True, ["LIMA was judged as good as GPT-4 in 43% of prompts."], q)


def test_a_named_things_attribute_is_stated_by_its_head_noun_in_the_possessive() -> None:
    q = "What grounding policy does NotebookLM use?"
    assert _states("grounding policy", False, ["NotebookLM's strict policy turns a miss into 'not found'."], q,
                   ("NotebookLM",))
    assert not _states("grounding policy", False, ["ChatGPT's blended policy answers anyway."], q, ("NotebookLM",))


def test_a_side_is_named_by_whole_words_only() -> None:
    from tmrag.answer.asked import names_word

    assert names_word("in-context RALM", "RALM") and not names_word("in-context RALM", "LM")
    assert names_word("Self-RAG vs RALM", "Self-RAG") and not names_word("Self-RAG", "RAG")


def test_an_assumed_figure_is_the_answer_when_the_question_sets_up_that_case() -> None:
    chunk = SimpleNamespace(text="Illustrative assumption: 50 engineers each edit twice a month.")
    judge = CoverageJudge(SimpleNamespace(coverage_reader=False), SimpleNamespace(chunks=[chunk]), reader=None)
    quotes = [SimpleNamespace(row=0)]
    real = "How many blocking errors does a real team of 50 engineers see?"
    assert judge.only_assumed(real, quotes, ["A team has 50 engineers."])
    case = "50 engineers edit a file twice a month and 1 edit in 100 fails: is that the real argument?"
    assert not judge.only_assumed(case, quotes, ["That is 50 × 2 = 100 edits and 1 blocking error per month."])


def test_a_multi_part_focus_is_checked_only_when_its_part_names_a_thing() -> None:
    from tmrag.query.intent import QuestionIntent

    def ranking(text: str, focus: str, names: list[str]) -> SimpleNamespace:
        return SimpleNamespace(query=SimpleNamespace(text=text, names=names),
                               intent=QuestionIntent("multi_part", parts=text.split("; "), focus=focus))

    levers = "what optimizer-side levers do the notes suggest; which PyTorch switch finds the first NaN?"
    assert not names_asked(ranking(levers, "optimizer-side levers", ["PyTorch", "NaN"]))
    layers = "how many layers does DeepSeek-V3 have; how many keep a dense FFN?"
    assert names_asked(ranking(layers, "layers", ["DeepSeek-V3", "FFN"]))


def test_a_percentage_stands_for_the_share_only_beside_the_asked_noun() -> None:
    q = "roughly what percentage of MMLU's questions are actually wrong?"
    sentence = "MMLU has four-option questions spanning 57 subjects, scored by accuracy with a 25% baseline."
    assert not _states("percentage questions", True, [sentence], q)
    assert _states("percentage questions", True, ["About 6% of MMLU's questions are wrong."], q)


def test_which_kind_asked_of_a_named_thing_needs_a_name_in_a_quote_about_that_thing() -> None:
    from tmrag.query.intent import QuestionIntent

    question = "Which embedding model does Phind use for first-stage retrieval?"
    ranking = SimpleNamespace(query=SimpleNamespace(text=question, names=["Phind"]),
                              intent=QuestionIntent("other", focus="embedding model"))
    other = ["Phind describes a code-specialised pipeline.", "Late-interaction models such as ColBERT keep per-token vectors."]
    assert unnamed_kind(ranking, other) == "which embedding model"  # ColBERT is said of no Phind
    assert unnamed_kind(ranking, ["Phind embeds code with Voyage-Code before re-ranking."]) is None


def test_a_quantity_is_stated_under_its_other_names() -> None:
    from tmrag.answer.stating import with_synonyms

    assert {"chance", "likelihood"} <= with_synonyms({"probability", "pair"}, ["chance"])
    assert with_synonyms({"pair", "flagged"}, ["chance"]) == {"pair", "flagged"}
    # "13-gram" gives the asked n-gram's size; "GPT-4" gives no size of anything
    assert {"n-gram", "size"} <= with_synonyms({"13-gram", "overlap"}, ["n-gram", "size"])
    assert with_synonyms({"gpt-4", "tokenizer"}, ["vocab", "size"]) == {"gpt-4", "tokenizer"}
    # an asked compound written as two words
    assert "per-token" in with_synonyms({"per", "token"}, ["per-token", "reward"], "applied per token as a reward")
    assert "per-token" not in with_synonyms({"per", "token"}, ["per-token"], "per step, each token")


def test_a_category_asked_by_its_modifier_is_stated_by_a_name_given_for_it() -> None:
    from tmrag.answer.stating import names_kind

    q = "What message format does MCP use?"
    assert names_kind(["message", "format"], ["messag"], {"mcp", "messages", "json-rpc", "2.0"},
                                       "MCP messages are JSON-RPC 2.0 requests.", q)
    assert not names_kind(["message", "format"], ["messag"], {"mcp", "messages", "small"},
                                           "MCP messages are small.", q)  # no name of its own
    assert not names_kind(["context", "window"], ["context"], {"mcp", "context", "claude"},
                                           "MCP context goes to Claude.", q)  # not a category


def test_an_owner_is_found_however_a_passage_spaces_it() -> None:
    import re

    from tmrag.answer.owner_checks import owner_pattern

    assert re.search(owner_pattern("Llama-3-70B-shaped"), "a Llama 3 70B model", re.I)
    assert re.search(owner_pattern("rank-16"), "rank 16 gives about 40M", re.I)
    assert not re.search(owner_pattern("LLaVA"), "LLaVA-1.5 uses an MLP", re.I)


def test_a_phrase_is_written_only_as_whole_words() -> None:
    from tmrag.answer.quoted import PhrasePassages

    chunks = [SimpleNamespace(kind="module", text="Prompt caching cuts the session to $0.935."),
              SimpleNamespace(kind="module", text="Chunked prefill splits long prompts.")]
    phrases = PhrasePassages(chunks)
    assert phrases.writes("chunked prefill") and phrases.writes("Prompt Caching")
    assert not phrases.writes("prompt caching cut")


def test_a_missing_share_is_said_of_the_thing_it_counts() -> None:
    q = "in the 34M-feature SAE on Claude 3 Sonnet, what fraction of the features ended up dead?"
    assert asked_thing(q, "fraction", ["SAE", "Claude", "Sonnet"]) == "the fraction of the features"
    assert asked_thing("what share of it is wasted?", "share", []) == "the share"  # a pronoun says nothing


def test_a_measured_things_owner_follows_on() -> None:
    assert number_owners("How big is the L2 cache on an A100 80GB?", ["L2", "A100"]) == ["A100"]
    assert number_owners("How big is Llama-70B's KV cache?", ["Llama-70B"]) == ["Llama-70B"]
    # a setting after "on" that names nothing leaves the owner as it was
    assert number_owners("How big is the L2 cache on every chip?", ["L2"]) == ["L2"]


def test_a_quantity_the_quotes_name_without_a_value_is_not_stated() -> None:
    from tmrag.answer.stating import named_unvalued

    focus = tokenize("fraction golden set")
    said = ["Traffic drifts; resample a fraction of the golden set from recent traffic every month."]
    assert named_unvalued(focus, said, [set(tokenize(s)) for s in said])
    valued = ["Resample a fraction (about 10%) of the golden set every month."]
    assert not named_unvalued(focus, valued, [set(tokenize(s)) for s in valued])
    # "of API" names no owner: the kind of thing is not whose the count is
    assert asked_thing("which tools was it given, and how many API calls?", "tools", ["API"]) == "the number of tools"


def test_how_big_a_thing_is_asks_a_size() -> None:
    q = "How big was InstructGPT's reward model?"
    sentences = ["The reward-model stage used about 33,000 prompts with ranked responses."]
    assert not _states("reward model", True, sentences, q, ("InstructGPT",))
    assert _states("reward model", True, ["InstructGPT's reward model has 6B parameters."], q, ("InstructGPT",))
    assert asked_thing(q, "reward model", ["InstructGPT"]) == "the size of the reward model of InstructGPT"


def test_a_partial_multi_part_note_lists_each_part_no_quote_names() -> None:
    part2 = "how long should the cool-down last before the half-open probe?"
    ranking = SimpleNamespace(
        query=SimpleNamespace(names=[]),
        intent=SimpleNamespace(focus="failures",
                               parts=["how many failures in a row should open it", "what share of requests got retried"]))
    said = [set(tokenize("A circuit breaker counts consecutive failures and fails fast."))]
    assert unsaid_parts(ranking, said) == ["the share of requests"]
    ranking.intent.parts[1] = part2  # no attribute to name: nothing added
    assert unsaid_parts(ranking, said) == []
    ranking.intent.parts[1] = "what other ways of detecting contamination do the notes list?"  # listed in other words
    assert unsaid_parts(ranking, said) == []


def _abstain_ranking(names: list[str], lexical_rank: int | None, unknown: list[str] | None = None) -> SimpleNamespace:
    top = SimpleNamespace(lexical_rank=lexical_rank, dense_rank=19)
    return SimpleNamespace(query=SimpleNamespace(names=names, text="q"), results=[top], unknown_names=unknown or [],
                           unmentioned_names=[], evidence=0.36)


def test_a_question_of_names_is_not_abstained_on_when_one_top_sentence_names_them_all() -> None:
    from tmrag.answer.abstention import names_together, should_abstain
    from tmrag.config import Settings
    top = ["Tools matter.", "Reflexion retries after a failed episode, reaching 91% pass@1 on HumanEval versus 80% "
           "for the GPT-4 baseline it built on.", "Other agents plan first."]
    text = " ".join(top)
    names = ["HumanEval", "Reflexion", "GPT-4"]
    assert names_together(_abstain_ranking(names, 1), top)
    assert not should_abstain(_abstain_ranking(names, 1), Settings(), None, None, text, top)
    assert should_abstain(_abstain_ranking(names, 9), Settings(), None, None, text, top)  # the lexical leg ranks it low
    assert should_abstain(_abstain_ranking([*names, "MBPP"], 1), Settings(), None, None, text, top)  # a name it lacks
    assert should_abstain(_abstain_ranking(["Reflexion"], 1), Settings(), None, None, text, top)  # one name is a topic
    split = ["Reflexion retries after a failure.", "HumanEval and GPT-4 are measured elsewhere."]
    assert not names_together(_abstain_ranking(names, 1), split)  # named, but not in one sentence


def test_a_quantity_written_as_its_symbol_is_stated() -> None:
    from tmrag.answer.stating import with_synonyms
    assert {"standard", "deviation"} <= with_synonyms(set(), [], r"He init: $\sigma = \sqrt{2/4{,}096} \approx 0.0221$.")
    assert {"standard", "deviation"} <= with_synonyms(set(), [], "He init: σ = √(2/4,096) ≈ 0.0221.")
    assert "variance" in with_synonyms(set(), [], r"Standard normal weights ($\mathrm{Var}(w) = 1$)")
    assert "deviation" not in with_synonyms(set(), [], "σ² = 2/n")  # a squared sigma is a variance
    assert not with_synonyms(set(), [], "the weights are sampled once") - set()


def test_a_missing_thing_another_already_says_is_said_once() -> None:
    from tmrag.answer.coverage import distinct_missing
    said = ["which layer of the defence stack does each sit", "the layer of the defence stack"]
    assert distinct_missing(said) == said[:1]
    assert distinct_missing(["the price of Haiku", "Haiku"]) == ["the price of Haiku"]
    assert distinct_missing(["the base LLM of MemGPT", "the accuracy"]) == ["the base LLM of MemGPT", "the accuracy"]


def test_a_size_is_stated_in_bytes_or_in_tokens() -> None:
    from tmrag.answer.stating import QUANTITY_UNITS

    assert QUANTITY_UNITS["size"].search("Typical choices are 256–1,024 tokens with 10–20% overlap.")
    assert QUANTITY_UNITS["size"].search("A 4,096-token sequence needs 1.25 GiB of cache.")
    assert not QUANTITY_UNITS["size"].search("Documents are split into chunks small enough to embed.")


def test_a_multi_part_question_that_announces_its_parts_is_not_judged_by_its_first_parts_focus() -> None:
    from tmrag.answer.coverage import announces_parts
    from tmrag.query.intent import QuestionIntent

    def ranking(text: str, kind: str = "multi_part") -> SimpleNamespace:
        return SimpleNamespace(query=SimpleNamespace(text=text), intent=QuestionIntent(kind))

    assert announces_parts(ranking("Two infra lookups. (1) How are TPU chips wired? (2) What MFU range did Llama 3 get?"))
    assert announces_parts(ranking("tooling check, two quick ones: what does strict mode guarantee, and what is tiktoken?"))
    assert announces_parts(ranking("three things: a) the SLO, b) the p99, c) the fleet size?"))
    assert announces_parts(ranking("Where does each design place the check, and what's the reasoning in each case?"))
    assert announces_parts(ranking("Two things. First, what does it cost? Second, how fast is it?"))
    # two questions asked without announcing them keep every check: "how many …, and how many …"
    assert not announces_parts(ranking("how many layers does DeepSeek-V3 have, and how many keep a dense FFN?"))
    # an ordinal inside a clause numbers nothing
    assert not announces_parts(ranking("what accuracy did it reach when the document was first, and what in the middle?"))
    assert not announces_parts(ranking("Two infra lookups: TPU wiring vs GPU wiring?", kind="comparison"))


def test_a_subscript_typed_as_one_digit_is_notation_not_a_name() -> None:
    from tmrag.answer.coverage import NOTATION

    assert all(NOTATION.fullmatch(n) for n in ("W1", "W2", "x1", "d_k", "A_hat_0"))
    assert not any(NOTATION.fullmatch(n) for n in ("T5", "L2", "H100", "GPT-4", "O3"))  # names the notes write


def test_a_capitalised_word_is_a_name_only_when_the_writer_typed_capitals() -> None:
    assert typed_title("Quokka", "what vocabulary size does the Quokka tokenizer use in Llama 3 terms?")
    assert typed_title("Treebank", "how many perplexity points did Press and Wolf save on Penn Treebank?")
    # a question typed in lower case gets its unknown words capitalised as names: the typed text has none
    assert not typed_title("Sidestep", "how does flashattention sidestep the hbm bottleneck?")
    assert not typed_title("Quokka", "what is the Quokka tokenizer? I need it.")  # "I" is capitalised anyway
    assert not typed_title("QKV", "what is the QKV projection in GPT-2?")  # an acronym may be spelled out
    assert not typed_title("Pro", "what context did Gemini 1.5 Pro launch with?")  # too short to be sure
    assert not typed_title("Redoing", "Redoing the roofline math for an H200: what ridge point does it land at?")


def test_how_accurate_a_named_thing_is_asks_it_of_that_thing() -> None:
    q = "How accurate was InstructGPT's reward model at predicting which response labellers preferred?"
    assert number_owners(q, ["InstructGPT"]) == ["InstructGPT"]


def test_the_missing_thing_names_what_the_owner_owns() -> None:
    q = "How accurate was InstructGPT's reward model at predicting which response labellers preferred?"
    assert asked_thing(q, "accuracy", ["InstructGPT"]) == "the accuracy of InstructGPT's reward model"
    q = "What hidden width do Mixtral's individual expert FFNs have?"
    assert asked_thing(q, "hidden width", ["Mixtral"]) == "the hidden width of Mixtral's individual expert FFNs"
    # the owned thing is the asked attribute itself: said once
    assert asked_thing("how big is GPT-4's tokenizer vocabulary?", "tokenizer vocabulary", ["GPT-4"]) == \
        "the size of the tokenizer vocabulary of GPT-4"
    # a set-up that names the owner first does not lend the asked clause its possession
    q = ("The Golden Gate Bridge SAE was run on Claude 3 Sonnet's middle-layer residual stream. How many parameters "
         "does Claude 3 Sonnet itself have?")
    assert asked_thing(q, "parameters", ["Claude"]) == "the number of parameters of Claude 3 Sonnet"


def test_the_prose_checks_stand_aside_only_for_a_question_about_the_sketch() -> None:
    from tmrag.answer.coverage import asks_of_sketch

    def ranking(text: str, parts: list[str]) -> SimpleNamespace:
        return SimpleNamespace(query=SimpleNamespace(text=text), intent=SimpleNamespace(parts=parts))

    about = ["what's the default step budget of react_loop", "what does it return when it runs out?"]
    assert asks_of_sketch(ranking(" and ".join(about), about), "react_loop")
    other = ["what's the default step budget of react_loop", "how much did the notes say a GPT-4 call costs?"]
    assert not asks_of_sketch(ranking(" and ".join(other), other), "react_loop")
    assert not asks_of_sketch(ranking("what does react_loop return?", []), "")  # no sketch quoted


def test_the_readers_strongest_doubt_makes_an_answer_partial_unless_turned_off_or_the_shape_is_guarded() -> None:
    settings = SimpleNamespace(coverage_reader_any_logit=-1.5)
    ranking = SimpleNamespace(query=SimpleNamespace(text="Which TPU generation trained Chinchilla?", names=["Chinchilla"]),
                              intent=SimpleNamespace(numeric=False))
    sentences = ["Chinchilla was trained on 1.4T tokens with 70B parameters."]
    assert CoverageJudge(settings, None, reader=_Reader(-2.0)).doubts(ranking, sentences)
    assert not CoverageJudge(settings, None, reader=_Reader(-1.0)).doubts(ranking, sentences)
    assert not CoverageJudge(settings, None, reader=_Reader(-2.0)).doubts(ranking, [])
    assert not CoverageJudge(SimpleNamespace(coverage_reader_any_logit=None), None, reader=_Reader(-9.0)).doubts(
        ranking, sentences)
    # a default asked for and stated with its figure is answered, whatever the reader says
    ranking.query.text = "How long does the harness wait on a hook by default?"
    stated = ["Hooks take optional timeouts; the documented default timeout is 60 seconds."]
    assert not CoverageJudge(settings, None, reader=_Reader(-9.0)).doubts(ranking, stated)


def test_the_strongest_doubt_is_turned_off_by_name_and_other_settings_keep_their_none(monkeypatch) -> None:  # noqa: ANN001
    from tmrag.config import Settings

    assert Settings().coverage_reader_any_logit == -1.5
    for off in ("none", "OFF", ""):
        monkeypatch.setenv("TMRAG_COVERAGE_READER_ANY_LOGIT", off)
        assert Settings().coverage_reader_any_logit is None
    monkeypatch.setenv("TMRAG_COVERAGE_READER_ANY_LOGIT", "-1")
    monkeypatch.setenv("TMRAG_RERANKER", "none")  # a reranker's name, not "unset"
    assert Settings().coverage_reader_any_logit == -1.0 and Settings().reranker == "none"


def test_a_parts_lead_in_brings_its_list_unless_the_answer_has_one_or_says_its_items_and_alone_it_keeps_it() -> None:
    from tmrag.answer.listing import ListItems
    from tmrag.answer.quotes import Quote
    from tmrag.answer.quoting import QuoteSelector
    from tmrag.answer.sides import SideQuoter

    chunks = [SimpleNamespace(module_id="pretraining", start=100), SimpleNamespace(module_id="rlhf", start=0)]
    selector = SimpleNamespace(index=SimpleNamespace(chunks=chunks), first_sentences=QuoteSelector.first_sentences)
    items = ListItems(lead=None, spans=[(160, 190), (192, 210)], complete=True)

    def part() -> list[Quote]:  # "With GPT-2's vocabulary of V = 50,257 tokens:" and the sentence after its list
        return [Quote(0, [(0, 50), (120, 160)], 0, [(0, 50), (120, 160)], {(0, 50): items})]

    said = [Quote(1, [(0, 40)])]
    kept = SideQuoter(selector).part_sentences(part(), said, 2)
    assert kept[0].reading == [(0, 50), (120, 160)] and kept[0].lists == {(0, 50): items}
    # the answer already shows a list: the lead-in is left out, and no other sentence takes its place
    listed = [Quote(1, [(0, 40)], 0, [(0, 40)], {(0, 40): items})]
    assert SideQuoter(selector).part_sentences(part(), listed, 2)[0].reading == [(120, 160)]
    # the answer quotes one of the list's items (module offsets 160-190 are chunk 0's 60-90)
    said_item = [Quote(0, [(65, 80)])]
    assert SideQuoter(selector).part_sentences(part(), said_item, 2)[0].spans == [(120, 160)]
    # the lead-in is all the part has: it keeps its list, a second one, or the part would say nothing
    alone = [Quote(0, [(0, 50)], 0, [(0, 50)], {(0, 50): items})]
    assert SideQuoter(selector).part_sentences(alone, listed, 2)[0].lists == {(0, 50): items}
    # but not the items the answer already quotes
    assert SideQuoter(selector).part_sentences(alone, said_item, 2) == []


def test_a_side_is_named_by_another_form_of_its_word() -> None:
    from tmrag.answer.sides import names_stem

    assert names_stem("continue", set(tokenize("Continuation is efficient for plain text.")))
    assert names_stem("tensor parallel", set(tokenize("Tensor parallelism splits weight matrices across GPUs.")))
    assert not names_stem("tensor parallel", set(tokenize("Pipeline parallelism splits layers into stages.")))
    assert not names_stem("kv", set(tokenize("The KVs are cached.")))  # too short a stem to name one thing


def test_a_possessed_side_is_also_named_by_its_own_specific_word() -> None:
    from tmrag.answer.sides import SideQuoter

    frequency = {"kappa": 5, "test": 100, "paged": 10, "optimizers": 40}
    lexical = SimpleNamespace(document_frequency=lambda w: frequency.get(w, 0))
    quoter = SideQuoter(SimpleNamespace(index=SimpleNamespace(lexical=lexical), corpus=None))
    sides = ["Cohen's kappa", "McNemar's test"]
    assert quoter.alias(sides[0], sides) == "kappa"
    assert quoter.alias(sides[1], sides) is None  # "test" is in too many passages to name it
    assert quoter.alias("QLoRA's paged optimizers", ["QLoRA's paged optimizers", "activation checkpointing"]) == "paged"
    assert quoter.alias("activation checkpointing", ["QLoRA's paged optimizers", "activation checkpointing"]) is None


def test_a_passage_headed_by_one_side_speaks_of_it() -> None:
    from tmrag.answer.sides import SideQuoter

    chunks = [SimpleNamespace(breadcrumb="Agent harness › Recovery › Reactive compaction"),
              SimpleNamespace(breadcrumb="Agent harness › Proactive and reactive compaction"),
              SimpleNamespace(breadcrumb="Agent harness › Streaming")]
    quoter = SideQuoter(SimpleNamespace(index=SimpleNamespace(chunks=chunks), corpus=None))
    words = ["proactive", "reactive"]
    assert quoter.headed(0, "reactive", words)
    assert not quoter.headed(1, "reactive", words)  # a heading over both sides speaks of neither alone
    assert not quoter.headed(2, "reactive", words)
