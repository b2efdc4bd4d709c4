"""The form an answer is asked in: a multiplier, a share, a name, one of the options offered, a size."""

from __future__ import annotations

from types import SimpleNamespace

from tmrag.answer.answer_shape import (
    ASKS_DEFAULT,
    ASKS_RATIO,
    ASKS_SHARE,
    DOLLARS,
    FIGURE,
    MULTIPLIER_RE,
    NAMED_KIND,
    RATIO_RE,
    gives_share,
    names_any,
    offered_guesses,
    offers_values,
    unchosen,
    unguessed,
    unshaped,
    unwritten_variants,
    without_guesses,
)
from tmrag.answer.composing import coverage_note


def test_a_sized_model_the_notes_never_write_is_missing_however_it_is_cased() -> None:
    vocabulary = {"8x7b", "70b", "405b"}
    assert unwritten_variants("mixtral 8x22B - total vs active params?", vocabulary) == ["mixtral 8x22B"]
    assert unwritten_variants("What positional scheme did BLOOM-176B use?", vocabulary) == ["BLOOM-176B"]
    assert unwritten_variants("How many layers does Llama 3 405B have?", vocabulary) == []  # a size the notes write
    assert unwritten_variants("KV cache of a 13B model at 4K context?", vocabulary) == []  # "a 13B model" names none
    assert unwritten_variants("FineWeb's roughly 15T tokens: how many snapshots?", vocabulary) == []  # an adverb


def test_a_which_question_that_offers_its_answers_needs_a_quote_naming_one() -> None:
    q = "Which TPU generation serves Gemini — v4, v5e or v5p?"
    assert unchosen(q, ["Gemini models are trained and served on TPUs."]) == "which of v4, v5e or v5p"
    assert unchosen(q, ["Gemini is served on TPU v5e pods."]) is None
    assert unchosen("Is bf16 or fp16 safer for training?", []) is None  # no which-question with figures to pick from
    assert coverage_note(["which of v4, v5e or v5p"]) == "The notes don't state which of v4, v5e or v5p; the nearest they come:"


def test_the_guesses_a_question_offers_are_read_in_each_form_writers_use() -> None:
    assert offered_guesses("how big is that model exactly (1B? 8B?) and which model is it?") == ["1B", "8B"]
    assert offered_guesses("how often is the item index rebuilt? hourly? nightly?") == ["hourly", "nightly"]
    assert offered_guesses("Which model is that: Vicuna, Llama 2, something else?") == ["Vicuna", "Llama 2"]
    assert offered_guesses("What do they typically come out at — 0.5? 0.9?") == ["0.5", "0.9"]
    tools = ["calculator", "calendar", "search"]
    assert offered_guesses("which tools was it given (calculator, calendar, search, ...?)") == tools
    assert offered_guesses("what rate do people run DPO at? is it something tiny like 5e-7?") == ["5e-7"]
    assert offered_guesses("mounted at which path (is it /mcp?), and on which port?") == ["/mcp"]
    assert offered_guesses("what window should open a ticket — something like 6x over 6 hours?") == ["6x over 6 hours"]
    # questions of their own, not guesses at a value
    assert offered_guesses("What's the McNemar statistic, and is it significant at 0.05?") == []
    assert offered_guesses("How many days is that on 16,384 H100s at 40% MFU? And what does it cost?") == []
    assert offered_guesses("Why does it help? And when does it hurt?") == []


def test_a_quote_with_none_of_the_guessed_values_does_not_state_the_value() -> None:
    q = "Past roughly what expert count do the gains flatten out — 64? 256? 512?"
    assert unguessed(q, ["Adding experts keeps improving loss, with diminishing returns."])
    assert not unguessed(q, ["Gains flatten out past about 256 experts."])
    assert unguessed(q, ["The 2560-expert run was no better than the 64-expert one."]) is False  # 64 is said
    assert unguessed(q, ["The 2560-expert run was no better."])  # 256 inside 2560 is not the guess
    assert not unguessed("How many experts does DeepSeek-V3 route to?", [])  # no guess offered
    assert without_guesses("How big should the split be (20%? 30%?) and how often rotated?") == (
        "How big should the split be and how often rotated?")


def test_offered_values_are_guesses_at_the_quantity_not_a_choice_of_names() -> None:
    q = "what repetition penalty value do the notes recommend, 1.1 or 1.2 or something else?"
    choice = unchosen(q, ["Repetition penalties discourage loops."])
    assert choice == "which of 1.1 or 1.2" and offers_values(choice)
    assert offers_values("which of 5%, 10% or 20%") and offers_values("which of 4x or 8x")
    assert not offers_values("which of v4, v5e or v5p")


def test_a_multiplier_asked_for_is_stated_only_by_a_multiplier() -> None:
    assert ASKS_RATIO.search("roughly how many x more tokens did it burn?")
    assert not ASKS_RATIO.search("how many times did the job stop?")  # a count, not a ratio
    assert MULTIPLIER_RE.search("16,384 values, 48 times fewer") and MULTIPLIER_RE.search("a 2.3× speedup")
    assert not MULTIPLIER_RE.search("it used far more tokens than single-agent chat")
    assert not RATIO_RE.search("on one 8×H100 node: 450 × 10^9 / 327,680")  # hardware counts and products
    assert RATIO_RE.search("3.5x the throughput") and RATIO_RE.search("40% higher")


def test_a_which_question_asking_for_a_named_thing_needs_a_name_in_the_quotes() -> None:
    m = NAMED_KIND.search("Which text-to-speech model gives voice to the hosts in NotebookLM's Audio Overviews?")
    assert m and m.group("kind") == "text-to-speech model"
    assert NAMED_KIND.search("Where did Meta land the checkpoints, i.e. which storage system?")
    assert not NAMED_KIND.search("What size of model fits on one GPU?")
    ranking = SimpleNamespace(query=SimpleNamespace(text="Which system introduced PagedAttention?"))
    assert names_any(ranking.query.text, ["PagedAttention was introduced with vLLM, which serves models."])
    assert not names_any(ranking.query.text, ["PagedAttention pages the cache like virtual memory."])


def test_a_share_asked_for_is_stated_only_by_a_share_the_question_did_not_give() -> None:
    q = "What fraction of the captions get replaced with the empty prompt?"
    assert ASKS_SHARE.search(q) and not ASKS_SHARE.search("How are captions dropped?")
    assert gives_share(q, ["About 10% of captions are dropped."])
    assert gives_share(q, ["One in 10 captions is dropped."])
    assert not gives_share(q, ["Captions are sometimes dropped so the model learns both modes."])
    assert not gives_share("At 80% utilisation, what share goes to decode?", ["At 80% the queue grows."])
    # a share named by what it measures ("what loss-recovered percentage") is asked all the same
    assert ASKS_SHARE.search("what loss-recovered percentage should an SAE hit?")
    assert not ASKS_SHARE.search("what does the share of decode GPUs depend on?")
    assert ASKS_SHARE.search("what % of the crawl's documents did the blocklist knock out?")  # the sign, as typed


def test_how_many_of_a_unit_is_stated_only_by_a_number_in_that_unit() -> None:
    from tmrag.answer.answer_shape import unshaped

    q = "how many microseconds of launch overhead does one decode step pay?"
    assert unshaped(q, q, ["Decode is dominated by kernel-launch overhead."]) == "the number of microseconds"
    assert unshaped(q, q, ["Each launch costs about 5 µs, so a step pays 720 µs."]) is None
    q = "at 99.9% over 30 days, how many minutes of outage is that?"
    assert unshaped(q, q, ["The budget is 30 days of 0.1%."]) == "the number of minutes"  # 30 days is given
    assert unshaped(q, q, ["That is 43.2 minutes a month."]) is None


def test_a_figure_asked_outright_is_stated_only_by_a_number_the_question_did_not_give() -> None:
    from tmrag.answer.answer_shape import FIGURE, unshaped

    q = "how often does the streaming API send ping events during a 30 s thinking phase?"
    quiet = ["Long thinking phases may produce only ping events, so the read timeout must outlast them."]
    assert unshaped(q, q, quiet, numeric=True) == FIGURE
    assert unshaped(q, q, ["A ping is sent every 15 seconds."], numeric=True) is None
    assert unshaped(q, q, ["The phase lasts 30 s."], numeric=True) == FIGURE  # the question's own 30
    assert unshaped(q, q, quiet) is None  # not read as asking for a number
    assert unshaped("how does the stream stay open?", "", quiet, numeric=True) is None  # no figure asked


def test_a_cutoff_asked_is_not_stated_by_a_model_size() -> None:
    from tmrag.answer.answer_shape import FIGURE, unshaped
    from tmrag.query.intent import classify

    q = "LLM.int8() keeps outliers in fp16. What activation-magnitude cutoff decides that a dimension is an outlier?"
    assert classify(q, ["LLM.int8", "fp16"], False).numeric
    sized = ["It is near-lossless for models of 175B parameters and above."]
    assert unshaped(q, q, sized, numeric=True) == FIGURE
    assert unshaped(q, q, ["A dimension whose magnitude exceeds 6.0 is an outlier."], numeric=True) is None
    q = "If the server never sends a retry: line, what reconnection delay does the client use by default?"
    assert classify(q, [], False).numeric
    assert unshaped(q, q, ["`retry:` suggests a reconnection delay in milliseconds."], numeric=True) == FIGURE
    q = "How big a model does LLM.int8() stay lossless for?"
    assert unshaped(q, q, sized, numeric=True) is None  # here the size is the figure


def test_a_default_asked_for_is_stated_only_by_a_sentence_that_says_what_holds_by_default() -> None:
    from tmrag.answer.answer_shape import ASKS_DEFAULT, DEFAULT, unshaped

    q = "what's the default bucket size (bucket_cap_mb) if you don't set it?"
    assert unshaped(q, q, ["DDP groups gradients into buckets and all-reduces each when ready."]) == DEFAULT
    assert unshaped(q, q, ["Buckets default to 25 MB."]) is None
    assert ASKS_DEFAULT.search("how long does the harness wait on a hook by default?")
    assert ASKS_DEFAULT.search("What's vLLM's default block size?")
    # a default named as the case compared with, or a thing called default, asks for no default
    assert not ASKS_DEFAULT.search("how many GPU-seconds does a 25-step job take vs the 50-step default?")
    assert not ASKS_DEFAULT.search("which latency SLOs does the design set for the default model?")


def test_a_value_asked_of_a_metric_written_with_an_at_sign_wants_a_figure() -> None:
    q = "what neighbour-overlap@10 value between two snapshots should fire the drift alert?"
    said = ["Alert when any metric leaves its band, and link each alert to a re-embedding or rollback action."]
    assert unshaped(q, q, said, numeric=True) == FIGURE
    assert unshaped(q, q, ["Alert when overlap@10 falls below 0.85 on the probe set."], numeric=True) is None


def test_a_value_recommended_as_the_default_asks_for_the_default() -> None:
    assert ASKS_DEFAULT.search("what p_min do the min-p authors recommend as the default setting?")
    assert not ASKS_DEFAULT.search("what p_min do the min-p authors recommend?")


def test_a_year_asked_for_is_stated_only_by_a_year_the_question_did_not_give() -> None:
    from tmrag.answer.answer_shape import YEAR, unshaped
    q = "who actually came up with reciprocal rank fusion, and in what year was it published?"
    assert unshaped(q, q, ["Reciprocal rank fusion sums 1/(k + rank) over the lists, with k = 60."]) == YEAR
    assert unshaped(q, q, ["Cormack, Clarke and Buettcher proposed it at SIGIR 2009."]) is None
    given = "Backprop was popularized in 1986, but who first published reverse-mode autodiff, and in what year?"
    assert unshaped(given, given, ["Rumelhart, Hinton and Williams popularized it in 1986."]) == YEAR
    assert unshaped("When was MCP first released?", "When was MCP first released?", ["Released in November 2024."]) is None
    # a count of 2048 tokens or a size of 2025.5 GB is no year
    assert unshaped(q, q, ["The context is 2048 tokens on 1024 GPUs, 2025.5 GB."]) == YEAR
    paper = "Who first published the tent-map construction, and in which paper and year?"
    assert unshaped(paper, paper, ["Composing the tent k times gives 2^k linear pieces."]) == YEAR
    assert unshaped(paper, paper, ["Telgarsky showed it in 2016."]) is None


def test_a_missing_year_asked_with_who_names_both() -> None:
    from tmrag.answer.asked import year_asked
    assert year_asked("who actually came up with reciprocal rank fusion, and in what year was it published?") == \
        "who actually came up with reciprocal rank fusion, or the year"
    assert year_asked("When was MCP first released?") == "the year"


def test_a_metric_asked_at_a_cutoff_is_stated_only_at_that_cutoff() -> None:
    from tmrag.answer.answer_shape import unshaped, unstated_cutoff
    q = "dpr vs bm25: i know the top-20 passage accuracy gap, but what were the top-100 retrieval accuracies for each?"
    assert unshaped(q, q, ["DPR beat BM25 on top-20 passage accuracy, 78.4% versus 59.1%."]) == \
        "the top-100 retrieval accuracies"
    assert unstated_cutoff(q, ["Top-20 accuracy is 78.4%; at top 100 it rises to 85%."]) is None  # however written
    assert unstated_cutoff("how many points of recall@10 do I give up?", ["Recall@100 drops by 2 points."]) == "recall@10"
    assert unstated_cutoff("how many points of recall@10 do I give up?", ["Recall@10 drops by 2 points."]) is None
    assert unstated_cutoff("trim each task vector to its top-50 entries, then what?", []) is None  # a setting, no metric


def test_a_duration_asked_for_is_stated_only_by_a_duration_the_question_did_not_give() -> None:
    from tmrag.answer.answer_shape import DURATION, unshaped
    q = "If a child agent crashes, after what timeout does the ledger reclaim its unspent lease?"
    assert unshaped(q, q, ["An unspent lease returns to the parent when the child completes."]) == DURATION
    assert unshaped(q, q, ["Leases expire after 30 s without a heartbeat."]) is None
    took = "how long did a restart take after one of the 419 interruptions in 54 days?"
    assert unshaped(took, took, ["There were 419 unexpected interruptions in 54 days."]) == DURATION  # the question's own
    assert unshaped(took, took, ["A restart with hot spares takes a 3-minute restart window."]) is None
    gpu = "how long does the user wait for the clip?"
    assert unshaped(gpu, gpu, ["One clip takes about 10,330 GPU-seconds."]) is None
    assert unshaped("how long is the context window?", "how long is the context window?", ["It is 128K tokens."]) is None


def test_a_cost_asked_in_dollars_is_stated_only_by_a_dollar_amount_the_question_did_not_give() -> None:
    q = "Going by the 1,024 A100s for 28.5 days, what did the run actually cost in dollars?"
    assert unshaped(q, q, ["The run needs roughly 29,000 A100-days."]) == DOLLARS
    assert unshaped(q, q, ["At $2 per GPU-hour that is about $1.4M."]) is None
    q = "At $2.50/GPU-hour, how many dollars does one request cost?"
    assert unshaped(q, q, ["The GPU rents for $2.50 per hour."]) == DOLLARS  # the question's own price


def test_a_limit_asked_for_is_stated_only_by_a_limit_with_a_number_the_question_did_not_give() -> None:
    from tmrag.answer.answer_shape import LIMIT
    q = "Is there a hard cap on how many tool definitions one request can carry (I've heard 128)?"
    example = "Assume 15 tools whose definitions average 400 tokens each: 15 × 400 = 6,000 tokens are sent on every call."
    assert unshaped(q, q, [example]) == LIMIT  # a worked size is no limit
    assert unshaped(q, q, ["A request may carry at most 128 tools."]) == LIMIT  # the question's own guess
    assert unshaped(q, q, ["A request may carry at most 512 tools."]) is None
    cap = "it defaults to 25k tokens per result. is there a hard ceiling on how high that can go?"
    assert unshaped(cap, cap, ["It has a default cap of 25,000 tokens."]) == LIMIT  # "25k" is 25,000
    given = "MEMORY.md is capped at 200 lines. is there any limit on the topic files?"
    assert unshaped(given, given, ["The 200-line cap loads at most 200 × 12 = 2,400 tokens."]) == LIMIT
    most = "what's the max render rate if one store write lands every 50 ms?"
    assert unshaped(most, most, ["That gives at most 1,000 / 50 = 20 renders per second."]) is None
    # asked mid-sentence of one side among others, "is there a limit" is not what the question asks
    side = "What does @path do in each file, and is there a limit on it anywhere?"
    assert unshaped(side, side, ["It inlines a file."]) is None
