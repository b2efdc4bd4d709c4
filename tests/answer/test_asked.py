"""How a partial answer words what the notes don't state: a noun phrase when the question's focus is
one, else the question's own clause, never a garbled mix of the two."""

from __future__ import annotations

import pytest

from tmrag.answer.asked import as_written, asked_thing, asked_words, noun_phrase
from tmrag.answer.composing import coverage_note


@pytest.mark.parametrize(("focus", "question"), [
    ("exact trailer text writes", "What's the exact trailer text it writes?"),
    ("tokens go into one block", "How many tokens go into one KV block?"),
    ("old transcripts kept", "how long are old transcripts kept?"),
    ("fraction one pass over", "what fraction of one pass over its crawl did GPT-3 see?"),
    ("lower", "how much lower is p99 if you pool replicas?"),
])
def test_a_focus_that_runs_into_a_clause_is_not_a_noun_phrase(focus: str, question: str) -> None:
    assert not noun_phrase(focus, question)


@pytest.mark.parametrize(("focus", "question"), [
    ("transformer layers", "How many transformer layers does Llama 3 405B have?"),
    ("prefix-cache hit rate", "what prefix-cache hit rate does OpenAI see?"),
    ("compressed latent", "what is the width of the compressed latent?"),
    ("lower", "which is lower?"),
])
def test_an_attribute_is_a_noun_phrase(focus: str, question: str) -> None:
    assert noun_phrase(focus, question)


def test_a_clause_is_said_from_its_question_word_up_to_the_next_part() -> None:
    q = "Claude Code adds a co-author line. What's the exact trailer text it writes, and what's the settings key?"
    assert asked_words(q, "exact trailer text writes") == "the exact trailer text it writes"
    q = "How many tokens go into one KV block in vLLM by default?"
    assert asked_thing(q, "tokens go into one block", ["KV"]) == "how many tokens go into one KV block in vLLM by default"
    assert asked_words("no question word here", "focus") == ""
    # the focus mentioned before any question word is not where it is asked
    q = "a 14.4x burn over 1 hour pages. what burn rate and window should open a ticket?"
    assert asked_words(q, "burn rate") == "what burn rate and window should open a ticket"


def test_the_focus_keeps_the_small_words_the_question_writes_inside_it() -> None:
    assert as_written("What fraction of the weight channels does AWQ keep?", "fraction weight channels") \
        == "fraction of the weight channels"
    assert as_written("What weight channels does AWQ keep?", "fraction channels") == "fraction channels"
    assert asked_thing("In what share of comparisons was LIMA as good?", "share comparisons", ["LIMA"]) \
        == "the share of comparisons of LIMA"


def test_a_clause_missing_opens_the_note_as_what_is_not_stated() -> None:
    assert coverage_note(["how much lower is p99"]) == "The notes don't state how much lower is p99; the nearest they come:"
    assert coverage_note(["Claude Haiku"]).startswith("The notes don't state this for Claude Haiku")


def test_a_question_with_no_asked_attribute_is_said_as_its_first_clause() -> None:
    from tmrag.answer.asked import asked_question

    assert asked_question("what env var or flag turns on coordinator mode in claude code?") \
        == "what env var or flag turns on coordinator mode in claude code"
    assert asked_question("if I leave it out of settings.json, what's the default retention?") == "the default retention"
    assert asked_question("what is the max resolution Sora can generate — is it 1080p?") == "the max resolution Sora can generate"
    yes_no = "Does EAGLE draft at the feature level, and how does that differ?"
    assert asked_question(yes_no) == "a direct answer to this question"


def test_an_attribute_is_said_of_a_name_only_when_the_name_holds_it() -> None:
    from tmrag.answer.asked import asked_thing

    # the name has it: "does X use / reach", "X's", "of X"
    assert asked_thing("Which eviction policy does SGLang use?", "eviction policy", ["SGLang"]) == \
        "the eviction policy of SGLang"
    assert asked_thing("What TFLOPS does FlashAttention-3 reach in FP8?", "TFLOPS", ["FlashAttention-3"]) == \
        "the TFLOPS of FlashAttention-3"
    # the name acts: the question's own clause, not "the percentage of Meta" or "the money of Stanford"
    assert asked_thing("What percentage did Meta pin on faulty GPUs?", "percentage", ["Meta"]) == \
        "what percentage did Meta pin on faulty GPUs"
    assert asked_thing("How much money did Stanford spend generating the set?", "money", ["Stanford"]) == \
        "how much money did Stanford spend generating the set"
    # a clause that points back says less than the attribute of the name
    assert asked_thing("QLoRA's NF4 type: how many levels does it have?", "levels", ["QLoRA"]) == "the number of levels of QLoRA"


def test_a_pronoun_past_the_clauses_subject_does_not_stop_it_being_said() -> None:
    from tmrag.answer.asked import asked_thing

    q = "What interval does Claude Code's ink UI use to batch tokens before it re-renders?"
    assert asked_thing(q, "interval", ["UI"]) == q[0].lower() + q[1:-1]
    assert asked_thing("The PPO paper: what target KL did it aim for?", "target", ["PPO"]) == "the target KL of PPO"


def test_a_name_that_ends_the_asked_noun_phrase_is_written_with_it() -> None:
    from tmrag.answer.asked import as_written

    assert as_written("What target KL did it aim for, and by what factor?", "target") == "target KL"
    assert as_written("What FID does DiT-XL get?", "FID") == "FID"  # the name after it is the owner
    assert as_written("what percentage of heads can be pruned?", "percentage heads") == "percentage of heads"


def test_a_name_given_only_as_an_example_is_not_what_is_asked() -> None:
    from tmrag.answer.missing_note import exemplified

    assert exemplified("how many tokens does Gemini bill for a big image — does it tile like GPT-4V?", "GPT-4V")
    assert exemplified("Which LLM does Perplexity run — an in-house fine-tune, GPT-4, Claude?", "GPT-4")
    assert exemplified("which roles does it define (product manager, engineer, QA...?)", "QA")
    assert not exemplified("Which LLM does Perplexity run — an in-house fine-tune, GPT-4, Claude?", "Perplexity")
    assert not exemplified("Does A2A run on JSON-RPC over HTTP like MCP does?", "JSON-RPC")
    # a guess offered before the open question: what is asked is the open question's
    q = "Does Google's A2A run on JSON-RPC over HTTP like MCP does, or what wire format do A2A messages use?"
    assert exemplified(q, "JSON-RPC")
    assert not exemplified(q, "A2A")  # the open question asks it of A2A too
    assert not exemplified("Does A2A run on JSON-RPC, and what port does it use?", "JSON-RPC")  # no alternative offered


def test_is_there_asks_for_the_thing_it_names() -> None:
    from tmrag.answer.asked import asked_question

    assert asked_question("is there a per-source size limit in notebooklm, like max words?") == "a per-source size limit"
    assert asked_question("Are there any downsides?") == "downsides"
    assert asked_question("Does EAGLE draft at the feature level?") == "a direct answer to this question"
    # a question typed as a bare noun phrase asks for that phrase
    assert asked_question("PagedAttention default block size in tokens?") == "the PagedAttention default block size in tokens"
    assert asked_question("recommended ef_search value for HNSW?") == "the recommended ef_search value for HNSW"
    assert asked_question("a typical LoRA rank?") == "the typical LoRA rank"  # one article, the note's
    assert asked_question("Walk through the stages of a feed funnel.") == "a direct answer to this question"  # an instruction
    assert asked_question("DoRA vs LoRA?") == "a direct answer to this question"  # a comparison: its sides are named
