"""Coverage helpers: what a partial answer says it lacks, and when a quote states the asked thing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tmrag.answer.composing import coverage_note
from tmrag.answer.coverage import CoverageJudge, about_other, asked_thing, number_owners, owner_phrase, tied_number
from tmrag.tokenize import tokenize


def test_the_missing_thing_names_the_whole_model() -> None:
    assert owner_phrase("How many layers does Llama 3 405B have?", "Llama") == "Llama 3 405B"
    assert asked_thing("How many layers does Llama 3 405B have?", "layers", ["Llama"]) == \
        "the number of layers of Llama 3 405B"
    assert asked_thing("What peak learning rate did GPT-3 175B use?", "peak learning rate", ["GPT-3"]) == \
        "the peak learning rate of GPT-3 175B"
    assert asked_thing("Which port does it use?", "port", []) == "the port"


def test_the_note_lists_everything_missing() -> None:
    assert coverage_note(["Haiku"]) == "The notes don't state Haiku; the nearest they come:"
    assert coverage_note(["A", "B", "C"]) == "The notes don't state A, B and C; the nearest they come:"


def _states(focus: str, numeric: bool, sentences: list[str], question: str, names: tuple[str, ...] = ()) -> bool:
    ranking = SimpleNamespace(query=SimpleNamespace(text=question, names=list(names)),
                              intent=SimpleNamespace(kind="numeric" if numeric else "other"))
    return CoverageJudge.states(tokenize(focus), numeric, sentences, [set(tokenize(s)) for s in sentences], ranking)


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
    assert CoverageJudge.states_quantity(["memory"], True, ["It needs 140 GB in fp16."], ranking)
    assert not CoverageJudge.states_quantity(["memory"], True, ["It has 70B parameters."], ranking)
    assert not CoverageJudge.states_quantity(["layers"], True, ["It needs 140 GB in fp16."], ranking)


def test_the_owner_of_an_asked_number_is_the_thing_it_is_asked_of() -> None:
    assert number_owners("How many KV-cache bytes per token does Mistral 7B need in fp16?",
                         ["KV-cache", "Mistral", "fp16"]) == ["Mistral"]
    assert number_owners("How many answer choices does each MMLU-Pro question have?", ["MMLU-Pro"]) == ["MMLU-Pro"]
    # names of the set-up, not of the asked thing
    assert number_owners("Serving Llama-2-7B on a single A100, how many sequences fit in the KV cache?",
                         ["Llama-2-7B", "A100"]) == []
    assert number_owners("How many tokens does a 1024x1024 screenshot cost when sent to GPT-4V?", ["GPT-4V"]) == []


def test_an_asked_count_needs_a_number_tied_to_its_attribute() -> None:
    assert tied_number("DeepSeek-V3 has 61 Transformer layers.", "layer", set())
    assert tied_number("The peak learning rate was 6e-4.", "rate", set())
    assert not tied_number("Each MoE layer routes a token to a few experts, so 37B of 671B are active.", "layer", set())
    assert not tied_number("It decayed to 10% of the peak learning rate.", "rate", set())
    assert tied_number("vLLM measured up to 23x higher throughput.", "throughput", set())  # "how much more"
    assert not tied_number("Llama 3 405B has layers.", "layer", {"3", "405"})  # the question's own numbers
    assert not tied_number("About 12.9B active parameters per token.", "token", set())  # a denominator


def test_an_asked_number_of_one_model_is_not_stated_by_another_models() -> None:
    q = "What MMLU accuracy did Chinchilla get?"
    assert about_other("GPT-3 175B reached about 44% accuracy on MMLU.", ["Chinchilla"], q)
    assert not about_other("Chinchilla reached 67.5% accuracy on MMLU.", ["Chinchilla"], q)
    assert not about_other("It needs 1.25 GiB of cache.", ["Llama"], "How much cache does Llama need?")  # a unit
    n = "How many Transformer layers does DeepSeek-V3 have?"
    assert not _states("layers", True, ["DeepSeek-V3 has 671B parameters; each MoE layer routes tokens."], n,
                       ("Transformer", "DeepSeek-V3"))
    assert _states("layers", True, ["DeepSeek-V3 stacks 61 layers."], n, ("Transformer", "DeepSeek-V3"))


def test_a_compound_name_the_notes_never_write_is_missing_but_a_known_name_with_a_word_is_not() -> None:
    from tmrag.answer.coverage import CorpusWords, absent_names

    text = "GPT-2 uses a vocabulary. JSON is parsed. MQA and int8. Mixture of experts. Flash decoding splits the cache."
    notes = CorpusWords(text.lower(), frozenset(w for t in text.replace(".", " ").split() for w in (t, t.lower())))
    names = ["MQA+int8", "GPT-2-vocabulary", "JSON-parse", "Mixture-of-Depths", "ZeRO++", "Flash-Decoding",
             "Llama-2-7B", "Flamingo-style"]
    assert absent_names(names, notes) == ["Mixture-of-Depths", "ZeRO++"]  # sizes and descriptions: other checks


@pytest.mark.slow
def test_which_attribute_of_a_named_thing_is_checked_and_a_named_thing_of_that_kind_states_it(real_engine) -> None:  # noqa: ANN001
    for q in ["Which activation does Llama use?", "Which positional encoding does Llama use?"]:
        assert real_engine.ask(q).coverage == "answered", q  # "SwiGLU", "RoPE is used by LLaMA": the glossary says what they are
    a = real_engine.ask("Which eviction policy does SGLang's RadixAttention use when its prefix cache fills up?")
    assert a.coverage == "partial" and a.missing == ["the eviction policy of SGLang"]
    a = real_engine.ask("How does ZeRO++ cut the communication volume of ZeRO-3?")
    assert a.coverage == "partial" and "ZeRO++" in a.missing  # a compound name the notes never write


def test_another_version_of_the_asked_model_leaves_the_asked_one_missing() -> None:
    from tmrag.answer.coverage import CoverageJudge

    def versions(q: str, names: list[str], sentences: list[str], kind: str = "other") -> list[str]:
        ranking = SimpleNamespace(query=SimpleNamespace(text=q, names=names), intent=SimpleNamespace(kind=kind))
        return CoverageJudge.other_versions(ranking, sentences)

    q = "What are Mixtral 8x22B's total and active parameter counts?"
    assert versions(q, ["Mixtral"], ["The name 8x7B is misleading: the total is 46.7B."]) == ["Mixtral 8x22B"]
    assert versions(q, ["Mixtral"], ["Mixtral 8x22B has 141B parameters."]) == []
    assert versions(q, ["Mixtral"], ["Experts are replicated FFNs."]) == []  # no other version quoted
    assert versions("Llama 2 vs Llama 3: what changed?", ["Llama"], ["Llama 2 used 2T tokens."], "comparison") == []


def test_the_asked_version_quoted_alone_names_the_model() -> None:
    from tmrag.answer.coverage import version_quoted

    q = "What are Mixtral 8x7B's real total and active parameter counts?"
    assert version_quoted(q, "Mixtral", ['The name "8x7B" is misleading: the total is about 46.7B.'])
    assert not version_quoted(q, "Mixtral", ["The total is about 46.7B."])
    assert not version_quoted("How many layers does Llama 3 have?", "Llama", ["3 layers"])  # a bare number is no version


def test_a_value_said_of_the_asked_thing_without_the_attributes_word_states_it() -> None:
    from tmrag.answer.coverage import free_value

    assert free_value("Stable Diffusion commonly uses w around 7.5.", ["scale"], set())  # ends its clause
    assert free_value("It appends 0.5 MiB per token.", ["cache"], set())  # the asked quantity's unit
    assert free_value("It ran five rounds of RLHF.", ["round"], set())  # in words
    assert not free_value("A 405B-parameter transformer trained on 15.6T tokens.", ["layer"], {"405"})  # another noun's
    assert not free_value("It activates only 37B of them.", ["layer"], set())
    assert not free_value("Its report gives 38-43%.", ["layer"], set())  # a percentage is no count
    q = "How many rounds of RLHF did Llama 2 go through?"
    assert _states("rounds", True, ["Llama 2 ran five rounds of RLHF."], q, ("Llama",))
