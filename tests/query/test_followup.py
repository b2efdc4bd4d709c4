"""Follow-up resolution: what leans on the conversation, and how it is made to stand alone."""

from __future__ import annotations

import pytest

from tmrag.query.analysis import MAX_QUESTION_CHARS
from tmrag.query.followup import Resolution, Turn, depends_on_history, resolve, substitute
from tmrag.query.ordinals import list_item

KV = Turn("What is the KV cache size per token of Llama-2-7B in fp16?",
          "Per token: 2 × 32 × 32 × 128 × 2 = 524,288 bytes = 0.5 MiB. [1]")


@pytest.mark.parametrize(("question", "depends"), [
    ("And for the 70B model?", True),
    ("What if I used GQA instead?", True),
    ("Why does it grow with context length?", True),
    ("Why?", True),
    ("Explain the second one", True),
    ("How does speculative decoding work?", False),  # a glossary term: a subject of its own
    ("How does FlashAttention keep the softmax exact?", False),  # a name: a new topic
    ("Why does it grow with context length?", True),  # "it" is the subject, whatever else is named
    ("How do people usually implement it in PyTorch?", True),  # "it" is what is asked about
    ("Why merge BM25 and dense results with RRF instead of adding their scores?", False),  # compares within
    ("how much memory does it save vs PPO-RLHF for 7B models?", True),  # "it" is the subject after "how much X"
    ("How much memory does PagedAttention save for long prompts?", False),
])
def test_what_depends_on_the_conversation(question: str, depends: bool) -> None:
    glossary_hits = 1 if "speculative decoding" in question or "context length" in question else 0
    assert depends_on_history(question, glossary_hits) is depends


def test_a_changed_size_or_format_is_swapped_into_the_previous_question() -> None:
    assert resolve("And for the 70B model?", [KV]).question == "What is the KV cache size per token of Llama-2-70B in fp16?"
    assert resolve("Numbers for bf16?", [KV]).question == "What is the KV cache size per token of Llama-2-7B in bf16?"
    assert substitute("How big is it on an A100?", "And on an H100?") == "How big is it on an H100?"


def test_a_pointing_follow_up_carries_the_previous_subject() -> None:
    r = resolve("Why does it grow with context length?", [KV])
    assert r.depends and "KV cache" in r.question and r.question.startswith("Why does it grow")


def test_a_new_topic_is_left_alone() -> None:
    r = resolve("How does FlashAttention keep the softmax exact?", [KV])
    assert r.question == "How does FlashAttention keep the softmax exact?" and not r.depends
    assert resolve("And for 70B?", []).question == "And for 70B?"  # no history, nothing to lean on


def test_an_ordinal_picks_the_item_of_the_previous_answer() -> None:
    answer = "QLoRA introduced three pieces: (1) NF4 quantization [1] (2) double quantization [1] (3) paged optimizers [1]"
    assert list_item(answer, 2) == "double quantization"
    assert list_item(answer, -1) == "paged optimizers"
    r = resolve("Explain the second one", [Turn("What did QLoRA introduce?", answer)])
    assert r.question == "Explain the second one: double quantization (context: What did QLoRA introduce?)"


def test_a_near_limit_question_is_not_extended_past_the_limit() -> None:
    long_question = "Why " + "does it " * ((MAX_QUESTION_CHARS - 10) // 8)
    assert resolve(long_question, [KV]).question == long_question


def test_a_pronoun_is_replaced_by_the_previous_questions_glossary_subject() -> None:
    first = Turn("What is classifier-free guidance in text-to-image diffusion?", "")
    r = resolve("What scale does Stable Diffusion typically use for it?", [first], names=["classifier-free guidance"])
    assert r.question == "What scale does Stable Diffusion typically use for classifier-free guidance?" and r.kind == "rewrite"
    # "instead" varies the whole previous setting: asked in its context, not rewritten
    assert resolve("What if it used MQA instead?", [first], names=["classifier-free guidance"]).kind == "context"


def test_an_ordinal_points_into_the_parallel_sections_around_a_passage() -> None:
    from tmrag.query.ordinals import nth, sibling_sections

    text = ("## Why order matters\n\nIntro.\n\n## Four ways to inject position\n\n### Sinusoidal\n\nFixed vectors.\n\n"
            "### Learned\n\nTrained.\n\n### RoPE\n\nRotations.\n\n### ALiBi\n\nPenalties.\n\n## Worked numbers\n\nx\n")
    titles = sibling_sections(text, text.index("Rotations"))
    assert titles == ["Sinusoidal", "Learned", "RoPE", "ALiBi"]
    assert nth(titles, -1) == "ALiBi" and nth(titles, 2) == "Learned" and nth(titles, 5) is None
    assert sibling_sections(text, text.index("Intro")) == []  # a module's "##" outline is no list
    assert sibling_sections("no headings at all", 3) == []


def test_an_ordinal_reads_the_list_sentence_only_or_an_inline_list() -> None:
    answer = "Steps: (1) Shingle; (2) MinHash; (3) Banding. [1] Banding then compares signatures. [1]"
    assert list_item(answer, -1) == "Banding"
    inline = "It added three pieces: the NF4 type, for weights; double quantization, of scales; and paged optimizers. [1]"
    assert list_item(inline, 3) == "paged optimizers" and list_item(inline, 1) == "the NF4 type, for weights"


def test_an_ordinal_counts_through_a_comma_series_whose_count_is_stated() -> None:
    answer = ("Three numbers summarise an SAE: L0 (the active features, on average), the unexplained variance, "
              "and the loss recovered. [1]")
    assert list_item(answer, 3) == "the loss recovered" and list_item(answer, 1) == "L0 (the active features, on average)"
    # no count, or a count the commas do not bear out: no list to count through
    assert list_item("Attention mixes queries, keys and values. [1]", 2) is None
    assert list_item("It has two parts: speed, cost, and memory. [1]", 2) is None


def test_an_announced_topic_switch_is_asked_alone_without_the_announcement() -> None:
    history = [Turn("What does temperature do to the logits?", "It divides them.")]
    r = resolve("switching topics - what loss should a fresh LM have at step 0?", history)
    assert r == Resolution("What loss should a fresh LM have at step 0?", False)
    assert resolve("Different question, what's indirect prompt injection?", history).question == \
        "What's indirect prompt injection?"


def test_a_pointing_subject_keeps_the_previous_name_and_a_number_after_the_same_word_is_swapped() -> None:
    chin = [Turn("what did Chinchilla find about splitting compute?", "x")]
    assert resolve("why did it get a different answer than Kaplan?", chin, 0, ["Chinchilla"]).question == \
        "why did Chinchilla get a different answer than Kaplan?"
    lr = [Turn("with warmup (2,000 steps), what's the LR at step 1,000?", "x")]
    assert resolve("and at step 51,000?", lr).question == "with warmup (2,000 steps), what's the LR at step 51,000?"


def test_the_phrase_used_instead_replaces_the_previous_questions_one_name() -> None:
    slerp = [Turn("what does SLERP at t=0.5 give for two unit vectors?", "x")]
    assert resolve("what if I used plain linear interpolation instead?", slerp).question == \
        "what does plain linear interpolation at t=0.5 give for two unit vectors?"


def test_a_bare_unit_asks_about_the_previous_topic() -> None:
    r = resolve("FLOPs?", [Turn("how does FlashAttention make attention faster?", "x")], 0, ["FlashAttention"])
    assert r.depends and "FlashAttention" in r.question and r.question.startswith("FLOPs?")


LOSS = Turn("What loss should a randomly initialized language model show at step 0?", "About ln(V). [1]")


@pytest.mark.parametrize(("question", "depends"), [
    ("with activation checkpointing?", True),  # a fragment: it only adds to the question before it
    ("savings for gpt-2 small?", True),  # a name in a fragment is the changed case, not a new topic
    ("why the FFN and not attention though?", True),  # "though" answers back
    ("ok and for the 70B?", True),
    ("What RoPE base does Llama 3 use?", False),  # a whole question with a name of its own
])
def test_fragments_and_answering_back_depend_on_the_conversation(question: str, depends: bool) -> None:
    glossary_hits = 1 if "checkpointing" in question else 0
    assert depends_on_history(question, glossary_hits) is depends


def test_a_prepositional_fragment_qualifies_the_previous_question() -> None:
    r = resolve("for gpt-2's vocab?", [LOSS])
    assert r.question == "What loss should a randomly initialized language model show at step 0, for gpt-2's vocab?"
    assert r.kind == "context"  # the fragment's own words help pick the quotes ("with activation checkpointing?")
    noun = resolve("std at d=4096?", [LOSS])  # a noun phrase asks its own thing of the previous subject
    assert noun.kind == "context" and noun.question.startswith("std at d=4096?")


def test_a_why_follow_up_keeps_the_previous_subject_instead_of_swapping_names() -> None:
    facts = Turn('Where in a transformer are facts like "Paris is in France" mostly stored?', "In the FFN. [1]")
    r = resolve("why the FFN and not attention though?", [facts])
    assert "Paris" in r.question and r.question.startswith("why the FFN")


def test_an_image_size_and_an_announced_switch() -> None:
    image = Turn("How many tokens does GPT-4V charge for a 1,024×1,024 image in high-detail mode?", "765 tokens. [1]")
    assert resolve("and a 2048x4096 one?", [image]).question == (
        "How many tokens does GPT-4V charge for a 2048x4096 image in high-detail mode?")
    switched = resolve("unrelated, but what's the max representable value in fp8 E4M3?", [image])
    assert switched.question == "What's the max representable value in fp8 E4M3?" and not switched.depends


def test_an_ordinal_may_name_kinds_and_types() -> None:
    answer = "Two kinds: (1) role-play jailbreaks [1] (2) adversarial suffixes [1]"
    r = resolve("how did they come up with the second kind?", [Turn("What kinds of jailbreaks exist?", answer)])
    # the item by its label, with the previous question as context: a label alone ("Positional
    # bias") retrieves whatever else bears that name
    assert r.question == ("how did they come up with the second kind: adversarial suffixes "
                          "(context: What kinds of jailbreaks exist?)")


@pytest.mark.parametrize("question", [
    "A 1M-token prompt is 100x longer than a 10K one, so why is its prefill nearly 1,000x more expensive?",
    "During pretraining, how do we get predictions for every position of a sequence in one forward pass instead of"
    " generating token by token?",
    "What loss should a freshly initialized language model show at step 0?",
])
def test_a_long_question_with_its_own_subject_is_not_a_follow_up(question: str) -> None:
    assert not depends_on_history(question, 0)
    assert resolve(question, [KV]).question == question


def test_an_ordinal_item_with_a_label_is_asked_by_its_label() -> None:
    from tmrag.query.followup import item_label

    assert item_label("Reward modelling. Sample several responses per prompt and rank them") == "Reward modelling"
    assert item_label("double quantization") == "double quantization"
    assert item_label("The reward model is trained on rankings. Then PPO runs.") == (
        "The reward model is trained on rankings. Then PPO runs.")  # a sentence, not a label


def test_a_pronoun_after_a_question_about_part_of_a_named_thing_stands_for_the_part() -> None:
    from tmrag.query.followup import subject_of

    first = Turn("What does bias correction in Adam do?", "It rescales the moment estimates. [1]")
    r = resolve("why would the first step overshoot without it?", [first], names=["Adam"])
    assert r.question == "why would the first step overshoot without bias correction in Adam?"
    assert subject_of("What is the role of the KV cache in decoding?", ["KV cache"]) == "KV cache"


def test_a_term_inside_a_longer_name_is_not_the_subject() -> None:
    from tmrag.query.followup import subject_of

    # "Bridge" (the glossary's agent bridge) names part of "Golden Gate Bridge", which it is not
    first = "What did Anthropic find about a Golden Gate Bridge feature in Claude 3 Sonnet?"
    assert subject_of(first, ["Bridge"]) is None
    r = resolve("How did they show it was causal?", [Turn(first, "A feature. [1]")], names=["Bridge"])
    assert "Bridge show" not in r.question and r.kind == "context"
    assert subject_of("How does Llama 3 use GQA?", ["GQA"]) == "GQA"


def test_a_pronoun_in_a_second_clause_points_to_the_first_clauses_subject() -> None:
    question = "What is weight tying in a language model, and why might a big model skip it?"
    assert not depends_on_history(question, 1) and resolve(question, [KV], 1).question == question
    assert depends_on_history("Why does it grow, and how does GQA help?", 1)  # the first clause points back


def test_a_new_model_name_replaces_the_previous_model_not_a_context_length_or_an_acronym() -> None:
    first = Turn("How much KV cache does a single 128,000-token sequence need on Llama-3-70B in fp16?", "40 GiB. [1]")
    assert resolve("ok and for GPT-4 at 128K?", [first]).question == (
        "How much KV cache does a single 128,000-token sequence need on GPT-4 in fp16?")


def test_a_counted_value_brings_the_word_that_ends_the_new_name() -> None:
    first = Turn("what did claude 2 score on swe-bench in the original paper?", "1.96%. [1]")
    assert resolve("and claude 3.5 sonnet?", [first]).question == (
        "what did claude 3.5 sonnet score on swe-bench in the original paper?")
    step = Turn("whats the LR at step 1,000?", "3e-4. [1]")
    assert resolve("and at step 51,000 then?", [step]).question == "whats the LR at step 51,000?"


def test_the_whole_phrase_used_instead_replaces_a_name_and_a_quantity_replaces_none() -> None:
    adam = [Turn("how much memory does AdamW need per parameter, e.g. for a 7B model", "x")]
    assert resolve("what if i used momentum SGD instead?", adam).question == \
        "how much memory does momentum SGD need per parameter, e.g. for a 7B model"
    job = [Turn("how many GPU-seconds does one 50 step job cost?", "x")]
    assert resolve("what if i used 25 steps instead", job).kind == "context"  # asked in context, no name swapped


def test_a_definition_that_goes_on_after_a_semicolon_is_no_list_of_two() -> None:
    answer = "Pipeline parallelism: assigning layers to GPUs; combining it with TP is called 3D parallelism. [1]"
    assert list_item(answer, 2) is None
    assert list_item("Two options: shard the weights; or replicate them. [1]", 2) == "replicate them"


def test_a_new_duration_swaps_the_number_and_keeps_the_previous_unit() -> None:
    sora = [Turn("how many tokens does a 10 second 720p clip turn into?", "x")]
    assert resolve("and a 20 sec clip?", sora).question == "how many tokens does a 20 second 720p clip turn into?"
    assert resolve("And for the 70B model?", [Turn("KV cache of Llama-2-7B in fp16?", "x")]).question == \
        "KV cache of Llama-2-70B in fp16?"


def test_a_trailing_too_or_like_that_compares_with_the_last_turn() -> None:
    grep = [Turn("whats the speedup from running 5 grep calls in parallel vs serially", "x")]
    r = resolve("why cant Bash calls run in paralel like that too?", grep)
    assert r.depends and "(context: " in r.question
