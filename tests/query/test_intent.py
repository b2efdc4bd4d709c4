"""Question intent: kinds, comparison sides, parts and the asked attribute (focus)."""

from __future__ import annotations

import pytest

from tmrag.query.comparison import (
    asked_clauses,
    comparison_sides,
    counted_descriptions,
    offered_pair,
    side_query,
    side_words,
)
from tmrag.query.intent import classify, part_queries, question_focus


@pytest.mark.parametrize(("question", "sides"), [
    ("Flamingo vs LLaVA: how do they get images into the model?", ["Flamingo", "LLaVA"]),
    ("When should I pick GQA vs MQA for a 70B model?", ["GQA", "MQA"]),
    ("DDP vs ZeRO-3/FSDP: how do per-GPU memory and communication compare?", ["DDP", "ZeRO-3/FSDP"]),
    ("What's the difference between microcompact and full auto-compact when context fills?",
     ["microcompact", "full auto-compact"]),
    ("Sinusoidal vs learned vs RoPE vs ALiBi positional encodings — how do they extrapolate?",
     ["Sinusoidal", "learned", "RoPE", "ALiBi positional encodings"]),
    ("How does LightGBM's leaf-wise growth differ from XGBoost's level-wise growth?",
     ["LightGBM's leaf-wise growth", "XGBoost's level-wise growth"]),
    ("Compare SFT dataset sizes: LIMA, InstructGPT, Llama 2 chat, and Alpaca. And how did LIMA fare?",
     ["LIMA", "InstructGPT", "Llama 2 chat", "Alpaca"]),
    ("compare GQA, MQA and MHA for long contexts", ["GQA", "MQA", "MHA"]),
    ("reward hacking in RLHF vs in RL with verifiable rewards: what is exploited?", ["RLHF", "RL"]),
    ("Compare DPO and PPO, and explain why one is cheaper", ["DPO", "PPO"]),  # a clause is no listed side
    # an aside in parentheses before "vs" is no side
    ("Causal tracing (the evidence that facts like Paris→France sit in mid-layer FFNs) vs activation patching "
     "as used to map the IOI circuit — what gets corrupted in each?", ["Causal tracing", "activation patching"]),
    ("Which TCP port does Claude Code's VS Code extension listen on?", []),  # an editor, not a comparison
    # things counted, listed, then asked of each
    ("Two low-bit tricks I keep lumping together: QLoRA's NF4 and per-channel INT2 KV-cache quantization. "
     "What does each one quantize?", ["QLoRA's NF4", "per-channel INT2 KV-cache quantization"]),
    ("Two safety guards that can break: a guard script that crashes and exits with code 1, and a settings file "
     "that fails validation. In each case does the agent carry on?",
     ["guard script that crashes", "settings file that fails validation"]),
    # the list after the colon, though the set-up before it has a comma of its own
    ("Two 'trained one way, served another' bugs: train/serve skew in the ranker, and a chat-template mismatch "
     "after SFT. How does each one show up?", ["train/serve skew", "chat-template mismatch"]),
    ("DeepSeek uses two tricks, MLA and MoE. What does MLA save?", []),  # nothing asked of each
    # a decimal point ends neither the count's set-up nor its list
    ("Two 0.95s I mix up: β2 = 0.95 in AdamW and λ = 0.95 in GAE. What does each control?", ["β2 = 0.95", "λ = 0.95"]),
    # two offered to choose between, then asked of both; not a choice asked for alone
    ("Which saves more: rendering at 640x360, or distilling the sampler to 8 steps? How big is each saving?",
     ["rendering", "distilling the sampler"]),
    ("Which model do the workers run on by default: the same one as the coordinator, or a cheaper tier like Haiku?", []),
    # a "vs" inside an aside is what a side or the notes hold, not what is compared
    ("Compare ZeRO-3 and QLoRA as ways around it: what does each shard (params vs optimizer state) on 64 GPUs?",
     ["ZeRO-3", "QLoRA"]),
    ("What trade-offs do the state-management notes (React context vs module state) list? Just the items.", []),
    # a choice's side may hold an "and"
    ("Which is bigger: one layer's SAE, or Llama 2's input and output embeddings? Give both counts.",
     ["one layer's SAE", "Llama 2's input"]),
    # a number's comma, or an aside's, neither lists nor ends a side
    ("Two stalls: a call through the backoff schedule (base 1 s, cap 32 s), and a reply cut off at 8,192 output "
     "tokens. How long is each?", ["call through the backoff schedule", "reply cut off"]),
    ("Two sessions: the MCP notes' 30,000 tokens of tools, and the 20,000-token prefix. What does each cost?",
     ["MCP notes' 30,000 tokens of tools", "20,000-token prefix"]),
    ("Three tricks: MLA and MoE. What does each save?", []),  # the count is not the list's
    ("How does attention work?", []),
    ("tuning DPO's beta: what happens to the policy if I set it small vs large?", []),  # two settings of one knob
    # a name of the form "X of Y" is the whole side; an attribute "of" one side is not
    ("tree of thoughts vs PRM-guided search: who scores the steps?", ["tree of thoughts", "PRM-guided search"]),
    ("The pros of GQA vs MQA?", ["GQA", "MQA"]),
    # "how does A …, compared with B": A is a side, not what follows "compared"
    ("how does chunked prefill handle long prompts, compared with the Gemini design's split of short- and "
     "long-prompt traffic?", ["chunked prefill handle long prompts", "the Gemini design's split of short-"]),
    # two subjects doing the same thing to different objects: each side is its clause, the subject kept
    ("Generative agents pulling old memories back into the context vs a hybrid RAG retriever pulling document "
     "chunks: what does each rank by?", ["Generative agents pulling old memories back into the context",
                                          "a hybrid RAG retriever pulling document chunks"]),
    # a name ending in -ing, set somewhere, is no clause
    ("Prompt caching in the harness notes vs the context caching in the Gemini review: what is reused?",
     ["Prompt caching", "the context caching"]),
    # a clause word opening a compound does not end the side ("per-head", "per-group")
    ("ALiBi's per-head slopes and RoPE's per-pair rotation speeds are both geometric series. What range does "
     "each span?", ["ALiBi's per-head slopes", "RoPE's per-pair rotation speeds"]),
    ("int4 weights: a per-tensor scale vs a per-group scale. What does each cost?", ["per-tensor scale", "a per-group scale"]),
])
def test_comparison_sides(question: str, sides: list[str]) -> None:
    assert comparison_sides(question) == sides


@pytest.mark.parametrize(("question", "kind"), [
    # the sides only set the scene; the question asks something of it
    ("Lightman et al. ran the ORM vs PRM comparison on a subset of MATH. How many problems were in that subset?",
     "numeric"),
    # the question after the statement speaks of the sides
    ("Two ways to shrink history: clearing tool outputs vs summarizing. How do they differ in cost?", "comparison"),
    ("Stable Diffusion vs Flamingo both use cross-attention. In each, what attends to what?", "comparison"),
    # asked for a list, with what each item needs: not parts
    ("List the failure modes the design plans for, with how each one is detected and what gets rolled back.", "list"),
    ("which failure modes does the review plan for? list each one with how it gets detected.", "list"),
    ("What failure modes do the agent notes list for a ReAct loop, and what's the countermeasure for each?", "list"),
    # no list noun: its parts stand
    ("List the four merges the toy BPE run learns, in order, with the pair count behind each and which words it comes "
     "from.", "multi_part"),
])
def test_sides_named_only_in_a_scene_setting_statement_make_no_comparison(question: str, kind: str) -> None:
    assert classify(question, [], False).kind == kind


def test_side_words_prefer_the_word_that_tells_sides_apart() -> None:
    assert side_words(["speculative decoding", "speculative execution"]) == ["decoding", "execution"]
    assert side_words(["Flamingo-style cross-attention", "LLaVA-style projection"]) == ["flamingo", "llava"]


def test_side_query_keeps_one_side() -> None:
    q = "Flamingo vs LLaVA: how do they get images into the model?"
    assert "LLaVA" not in side_query(q, ["Flamingo", "LLaVA"], 0) and "Flamingo" in side_query(q, ["Flamingo", "LLaVA"], 0)
    q = "ViT patches vs Sora's spacetime patches: how does each make tokens, and why does one Sora pass cost 4LdT²?"
    assert "Sora" not in side_query(q, ["ViT patches", "Sora's spacetime patches"], 0)  # named again in a further question


def test_each_thing_a_comparison_asks_of_its_sides_is_a_clause_of_its_own() -> None:
    q = ("ZeRO-3 and git worktrees both get rid of duplicate copies. In each, what is shared, what does each "
         "worker keep to itself, and what extra cost comes with the arrangement?")
    assert asked_clauses(q) == ["what is shared", "what does each worker keep to itself",
                                "what extra cost comes with the arrangement"]
    assert asked_clauses("Tiling in FlashAttention vs GPT-4V: what gets cut up — and what sets the tile size?") == [
        "what gets cut up", "what sets the tile size"]
    assert asked_clauses("How does MQA differ from GQA?") == ["How does MQA differ from GQA"]  # one thing asked
    assert asked_clauses("Flamingo vs LLaVA: the image path in each.") == []
    q = "ZeRO-3 vs TP: what does each send over the interconnect, and why is only one of them pinned inside a node?"
    assert asked_clauses(q) == ["what does each send over the interconnect"]  # the why is about the contrast
    assert asked_clauses("A vs B: what does each cost, and why does each need warmup?")[1] == "why does each need warmup"


def test_side_query_drops_the_other_sides_own_setting_but_keeps_a_shared_one() -> None:
    q = ("DARE's drop-and-rescale in model merging and inverse propensity scoring in the feed design both divide "
         "by a probability. What gets reweighted in each?")
    sides = ["DARE's drop-and-rescale", "inverse propensity scoring"]
    assert "model merging" not in side_query(q, sides, 1) and "feed design" in side_query(q, sides, 1)
    assert "feed design" not in side_query(q, sides, 0) and "model merging" in side_query(q, sides, 0)
    q = "perplexity vs phind on citation precision: what did each score?"  # after the last side: shared
    assert "citation precision" in side_query(q, ["perplexity", "phind"], 0)


def test_items_opened_with_a_colon_are_items_a_short_part_leans_on() -> None:
    # items opened with a colon ("second: …") are items too: the last part leans on the second item
    parts = ["two unrelated ones. first: with useSyncExternalStore, React compares snapshot references — what two "
             "jobs does that comparison do", "second: in Anthropic's Golden Gate result, what kinds of input did the "
             "feature respond to (just English text?)", "what did amplifying it show?"]
    queries = part_queries(parts)
    assert queries[0].startswith("with useSyncExternalStore")  # without its set-up and marker
    assert "useSyncExternalStore" not in queries[2] and "Golden Gate" in queries[2]



def test_a_short_part_borrows_the_longest_parts_subject() -> None:
    parts = ["What does one query cost in a search-plus-LLM answer engine", "which component dominates"]
    assert part_queries(parts) == [parts[0], f"{parts[1]} {parts[0]}"]
    parts = ["How many parameters", "how much fp32 memory does a 16x sparse autoencoder on a 4,096-wide stream need"]
    assert part_queries(parts) == [f"{parts[0]} {parts[1]}", parts[1]]
    parts = ["Why can't a 200K-context model attend to a fact in the middle of the window", "What's actually going wrong?"]
    assert part_queries(parts)[1] == f"{parts[1]} {parts[0]}"  # framing words say nothing of the subject


def test_a_part_pointing_back_to_a_named_thing_borrows_that_thing_alone() -> None:
    parts = ["Could DeepSeek-V3 even be served from the single 8×H100 node in the deployment notes",
             "How many GB do its weights take in FP8 and in bf16", "how much HBM does that node have in total?"]
    # not the first part, whose subject (DeepSeek-V3) would win the retrieval
    assert part_queries(parts, numeric=True)[2] == f"{parts[2]} (single 8×H100 node)"
    parts = ["What does one query cost in a search-plus-LLM answer engine", "which part of that cost dominates"]
    assert part_queries(parts)[1] == f"{parts[1]} {parts[0]}"  # named by one word: the part it leans on, whole
    parts = ["What's the typical spread of the cosine between two random unit vectors in 512 dimensions",
             "how does that spread scale"]
    assert part_queries(parts)[1] == f"{parts[1]} {parts[0]}"  # a generic thing: its part says it better


def test_in_a_question_asked_in_items_a_short_part_borrows_its_items_opening_part() -> None:
    parts = ["Two questions. First, what does the orchestration layer health-check on every host",
             "what happens once a node is judged bad",
             "Second, on the serving side, what must an LLM inference scheduler do when the KV cache fills up",
             "how do users notice it?"]
    queries = part_queries(parts)
    # the item's opening part, asked without its set-up and marker; not the longest part, the third
    assert queries[1].endswith("what does the orchestration layer health-check on every host")
    assert queries[3].endswith("on the serving side, what must an LLM inference scheduler do when the KV cache fills up")


def test_an_items_set_up_and_marker_are_not_asked() -> None:
    parts = ["Two eval-hygiene questions. First, which setup choices can move a benchmark score by themselves",
             "what should be reported alongside the number",
             "Second, why can't a fixed set of red-team prompts stay your jailbreak eval for long?"]
    assert part_queries(parts) == [
        "which setup choices can move a benchmark score by themselves",
        "what should be reported alongside the number which setup choices can move a benchmark score by themselves",
        "why can't a fixed set of red-team prompts stay your jailbreak eval for long?"]
    assert part_queries(["(2) in the ChatGPT design, how is a push rolled back"]) == [
        "in the ChatGPT design, how is a push rolled back"]


def test_a_part_that_points_back_borrows_the_subject_unless_the_subject_is_a_numeric_set_up() -> None:
    parts = ["how does a custom slash-command file get turned into a prompt", "why does running it cost only one model call?"]
    assert part_queries(parts)[1] == f"{parts[1]} {parts[0]}"
    assert part_queries(parts, numeric=True)[1] == parts[1]


def test_a_longest_or_numeric_part_that_points_back_borrows_only_the_names_before_it() -> None:
    parts = ["How big was the original SWE-bench", "what share of it did the best model in that paper resolve?"]
    assert part_queries(parts, numeric=True) == [parts[0], f"{parts[1]} (SWE-bench)"]
    parts = ["How big was the original benchmark", "what share of it did the best model in that paper resolve?"]
    assert part_queries(parts, numeric=True)[1] == parts[1]  # no name to borrow


@pytest.mark.parametrize(("question", "names", "focus"), [
    ("How many layers does Llama 3 405B have?", ["Llama"], "layers"),
    ("what kinds of documents do the quality filters throw out?", [], "documents"),  # a kind is no attribute
    ("what happens once a node is judged bad?", [], ""),  # an event is asked, not an attribute
    ("what goes wrong on a row where every position is masked?", [], ""),
    ("how much does switching to one shared int8 KV head shrink per-token KV memory?", ["KV"], "per-token memory"),
    ("What group size G did DeepSeek use for GRPO?", ["DeepSeek", "GRPO"], "group size G"),
    ("Which TCP port does the bridge listen on?", ["TCP"], "port"),
    ("Why does attention scale by the square root of d?", [], ""),
    # a clause that opens with an article says whose the attribute is, not what it is
    ("what's the chance a doc pair gets flagged as duplicate at Jaccard 0.9?", ["Jaccard"], "chance"),
    ("How much does a Cursor Pro subscription cost per month?", ["Cursor", "Pro"], "subscription cost"),
    # a kind of thing heading the phrase is what is asked
    ("which third-party web search API does perplexity pay for?", ["API"], "third-party web search API"),
    ("Which TCP port does it use?", ["TCP"], "port"),
    ("How big a discount does the Batches API give on output tokens?", ["Batches", "API"], "discount"),
    ("like what's the max file size before it starts a new file?", [], "max file size"),
    ("What size LLaMA base model did LIMA fine-tune?", ["LLaMA", "LIMA"], "size"),  # the model is whose size
])
def test_focus_is_the_asked_attribute_without_its_owner(question: str, names: list[str], focus: str) -> None:
    assert question_focus(question, names) == focus


@pytest.mark.parametrize(("question", "kind", "numeric"), [
    ("How many layers does Llama 3 405B have?", "numeric", True),
    ("At 40% utilisation, what effective FLOP/s per GPU does the Sora cost model use?", "numeric", True),  # a rate's unit
    ("What's the Chinchilla-optimal model size for 1e24 FLOPs?", "numeric", True),
    ("Why does continuous batching beat static batching?", "mechanism", False),
    ("GELU vs ReLU on negative inputs?", "comparison", False),
    ("What are the three stages of the RLHF pipeline?", "list", False),
    ("Walk me through the stages of a Perplexity-style answer engine, from query to cited answer.", "list", False),
    ("Walk me through KTO, the Kahneman-Tversky preference objective.", "other", False),  # no list asked
    ("what are the main limits and pitfalls of model merging? list them", "list", False),
    ("what makes evaluating an agent harder than grading one answer? just list the reasons", "list", False),
    ("Which pitfalls does the list of model-merging methods avoid", "list", False),
    ("Why does the KV cache list grow?", "mechanism", False),
    ("Walk me through the image service's architecture stage by stage.", "list", False),  # "list" inside a clause asks for none
    ("what trade-offs and pitfalls do the reasoning-model notes list? just the list please", "list", False),
    ("What trade-offs and pitfalls do the KV-cache notes warn about? Give me the list.", "list", False),
    ("The feed design review sets out its requirements and SLOs. What are they? List each one with its target.",
     "list", False),
    ("What's the set of numbers that promise boils down to?", "list", False),  # its items, not a figure
    # "estimate" as a noun sets the scene; as a verb it asks for a figure
    ("Both turn a biased number into an estimate of the true one. What makes the estimate unreliable?", "other", False),
    ("Estimate the KV cache of Llama 2 7B at 4K context.", "numeric", True),
    ("How does classifier-free guidance work, and what does a high guidance scale cost you?", "multi_part", False),
    # a quantity's name without an article is a concept to explain; with one, a value
    ("What is contrastive loss?", "other", False),
    ("How does MoE routing work and what is load balancing loss?", "multi_part", False),
    ("What is the loss at initialization for a 50K vocabulary?", "numeric", True),
    # which loss, not its value
    ("Two objectives: DDPM's denoising loss and CLIP's contrastive loss. What is each trained to output, and what "
     "loss does each use?", "comparison", False),
    ("What loss function does DPO minimise?", "other", False),
])
def test_kinds(question: str, kind: str, numeric: bool) -> None:
    intent = classify(question, [], defines=False)
    assert (intent.kind, intent.numeric) == (kind, numeric)


def test_a_definition_question_is_a_definition() -> None:
    assert classify("What is RoPE?", ["RoPE"], defines=True).kind == "definition"


def test_a_dotted_name_is_one_side() -> None:
    assert comparison_sides("model.eval() vs torch.no_grad(): what does each actually do?") == \
        ["model.eval", "torch.no_grad"]


def test_a_side_that_is_one_joined_token_is_named_only_by_itself() -> None:
    from tmrag.answer.sides import names_side
    from tmrag.tokenize import tokenize

    assert side_words(["Top-k", "nucleus sampling"]) == ["top-k", "nucleus"]
    assert side_words(["pass@k", "pass^k"]) == ["pass@k", "pass^k"]
    text = "Top-p sampling keeps the smallest set of tokens; pass^k asks that all k runs succeed."
    assert not names_side("top-k", text, set(tokenize(text)))  # "top" of top-p is not top-k
    assert names_side("pass^k", text, set(tokenize(text))) and not names_side("pass@k", text, set(tokenize(text)))


def test_a_focus_with_alternatives_keeps_the_first() -> None:
    assert question_focus("What exponent or ratio did Chinchilla land on?", ["Chinchilla"]) == "exponent"


def test_an_elliptic_last_part_asks_the_first_parts_question_of_its_own_case() -> None:
    from tmrag.query.intent import elliptic_parts

    q = "What's the end-to-end success for a 20-step task at 95% per step, and for a 30-step task at 98% per step?"
    assert elliptic_parts(q) == ["What's the end-to-end success for a 20-step task at 95% per step?",
                                 "What's the end-to-end success for a 30-step task at 98% per step?"]
    assert classify(q, [], False).kind == "multi_part"
    q = "What are the list prices per million tokens for Claude Sonnet 4 and for Claude Opus 4.1?"
    assert elliptic_parts(q)[1] == "What are the list prices per million tokens for Claude Opus 4.1?"
    # one part: "without and with", a tail with its own question word, a phrase only in the set-up
    assert elliptic_parts("What's the input bill without and with prompt caching?") == []
    assert elliptic_parts("What stops being replicated at each stage, and at which stage does traffic grow?") == []
    assert elliptic_parts("In a bandit with rewards 10 and 11, what's the variance without a baseline, "
                          "and with baseline 10.5?") == []


def test_a_new_case_set_up_with_and_if_is_a_part_of_its_own() -> None:
    q = ("What tokens-per-parameter ratio does Chinchilla recommend, and if I train a 70B model on 2T tokens, "
         "roughly how many days does it take?")
    intent = classify(q, ["Chinchilla"], False)
    assert len(intent.parts) == 2 and intent.parts[1].startswith("I train a 70B model")
    assert len(classify("Does it shrink the KV cache, and if not, why?", [], False).parts) < 2  # no question word after


def test_a_counted_side_is_described_whole_where_its_name_is_cut_short() -> None:
    q = ("A harness parses two kinds of input that can be malformed: the JSON arguments the model sends with a "
         "tool call, and the YAML front matter (the fenced block) at the top of a skill. What happens when each is bad?")
    assert comparison_sides(q) == ["JSON arguments the model sends", "YAML front matter"]
    assert counted_descriptions(q) == ["the JSON arguments the model sends with a tool call",
                                       "the YAML front matter at the top of a skill"]
    assert counted_descriptions("Flamingo vs LLaVA: how do they differ?") == []


def test_the_list_of_sides_ends_with_its_clause() -> None:
    q = "activation patching vs attribution patching: what's the cost vs accuracy tradeoff?"
    assert comparison_sides(q) == ["activation patching", "attribution patching"]
    assert comparison_sides("SLI vs SLO vs error budget — how do they relate?") == ["SLI", "SLO", "error budget"]


def test_a_measured_thing_a_share_and_a_name_like_attribute_are_each_the_focus() -> None:
    assert classify("how big is GPT-4's tokenizer vocabulary?", ["GPT-4"], False).focus == "tokenizer vocabulary"
    assert classify("What fraction of Character.ai users pay?", ["Character.ai"], False).focus == "fraction"
    asked = classify("DiT got FID 2.27 on ImageNet — what FID does MMDiT get?", ["DiT", "FID", "ImageNet", "MMDiT"],
                     False)
    assert asked.focus == "FID" and asked.numeric
    # a name in another clause ("what problem does it solve") is not the asked attribute of the first
    assert classify("What is PagedAttention and what problem does it solve?", ["PagedAttention"], False).focus \
        != "PagedAttention"


def test_a_which_question_asks_for_the_kind_of_thing_it_names() -> None:
    assert classify("which MCP spec revision (date) introduced Streamable HTTP?", ["MCP", "Streamable", "HTTP"],
                    False).focus == "spec revision"


def test_a_how_question_after_a_discourse_word_is_a_mechanism_question() -> None:
    assert classify("ok so how does it keep the experts load balanced?", [], False).kind == "mechanism"


def test_a_second_question_after_and_plus_a_few_words_is_a_part() -> None:
    q = "how many spacetime tokens does a 10 s clip become, and roughly what share of each step's FLOPs is attention?"
    assert classify(q, ["FLOPs"], False).parts == ["how many spacetime tokens does a 10 s clip become",
                                                   "what share of each step's FLOPs is attention?"]


def test_the_three_numbers_of_a_thing_are_a_list_not_a_number() -> None:
    intent = classify("what are the three numbers people use to summarise a sparse autoencoder?", [], False)
    assert intent.kind == "list" and not intent.numeric


def test_a_second_question_after_a_participle_phrase_is_a_part() -> None:
    q = "what does tool_choice accept, and going the other direction in MCP, what can a client declare?"
    assert classify(q, [], False).kind == "multi_part"
    setup = "With acceptance 0.8, 5 drafted tokens, and a draft costing 10% of a pass, how many tokens per pass?"
    assert classify(setup, [], False).kind != "multi_part"  # a set-up list is not a part


def test_a_question_asked_after_a_comma_is_a_part_when_a_question_precedes_it() -> None:
    from tmrag.query.intent import split_parts

    q = "What is context collapse, how does it sit between microcompact and auto-compact, and why are turns kept?"
    assert split_parts(q) == ["What is context collapse", "how does it sit between microcompact and auto-compact",
                              "why are turns kept?"]
    # a setting before the comma is not a question of its own
    q = "When retrieval misses, how does NotebookLM behave?"
    assert split_parts(q) == [q]
    assert split_parts("In an M/M/1 queue at 80% load, how long is the wait?") == [
        "In an M/M/1 queue at 80% load, how long is the wait?"]


def test_a_compared_side_ends_where_its_setting_begins() -> None:
    q = "shadow traffic vs canary release before shipping a new LLM version: what does each expose?"
    assert comparison_sides(q) == ["shadow traffic", "canary release"]


def test_a_sentence_is_about_the_side_it_names_first() -> None:
    from tmrag.answer.sides import first_named

    words = ["kv", "prompt caching"]
    assert first_named(words, "Prompt caching stores the KV cache computed for a prefix") == "prompt caching"
    assert first_named(words, "A KV cache stores the keys of every past token") == "kv"
    assert first_named(words, "Decode reads all weights once per step") is None


def test_a_further_question_with_a_subject_of_its_own_is_asked_as_it_stands() -> None:
    from tmrag.query.intent import trailing_parts

    sides = ["LLM.int8", "SmoothQuant"]
    asked = "LLM.int8() vs SmoothQuant: how does each deal with outliers, and why did Character.ai train in int8?"
    assert trailing_parts(asked, sides) == ["why did Character.ai train in int8?"]
    leaning = "GQA vs MQA: which needs less memory, and why does the second one lose quality?"
    assert trailing_parts(leaning, ["GQA", "MQA"]) == ["GQA and MQA: why does the second one lose quality?"]


def test_sides_are_asked_what_the_first_part_asks_not_the_further_questions() -> None:
    from tmrag.query.intent import sides_clause

    sides = ["typical sampling", "min-p"]
    asked = ("typical sampling vs min-p — what rule does each one use to decide which tokens stay? "
             "and if i stack top-k and top-p on the same request, which of the two decides?")
    assert sides_clause(asked, sides) == "typical sampling vs min-p — what rule does each one use to decide which tokens stay"
    single = "GQA vs MQA: which one needs less memory per token?"
    assert sides_clause(single, ["GQA", "MQA"]) == single  # nothing further asked
    bare = "GQA vs MQA? and why does the second one lose quality?"
    assert sides_clause(bare, ["GQA", "MQA"]) == bare  # the first part names only the sides


def test_whats_typed_without_its_apostrophe_is_read_as_whats() -> None:
    intent = classify("whats the max token length of CLIP's text encoder?", ["CLIP"], False)
    assert intent.focus == "max token length" and intent.numeric


def test_what_the_asker_already_has_is_left_out_of_a_parts_query() -> None:
    parts = ["(1) in the ChatGPT design, where does conversation state live",
             "(2) in the Gemini design, apart from the long-context retrieval tests, which multimodal evals are run?"]
    assert part_queries(parts)[1] == "in the Gemini design, which multimodal evals are run?"
    assert part_queries(["besides provenance metadata, what marks Sora's videos"])[0] == "what marks Sora's videos"


def test_a_question_asking_for_n_things_is_a_list() -> None:
    assert classify("What are the three things QLoRA introduced?", ["QLoRA"], False).kind == "list"
    assert classify("What three things did QLoRA introduce?", ["QLoRA"], False).kind == "list"


def test_a_part_split_off_at_its_and_is_asked_in_the_setting_the_part_before_opened_with() -> None:
    parts = ["(2) in the ChatGPT design, how is a bad model push detected and rolled back",
             "what must be true of the previous weights while the new model ramps?"]
    assert part_queries(parts)[1] == "in the ChatGPT design, " + parts[1]
    own = ["in the Perplexity case, what does a Meta interviewer dig into",
           "and in the TikTok For-You case, what does a Meta interviewer dig into?"]
    assert part_queries(own)[1] == own[1]  # a setting of its own
    named = ["in the eval notes, what do they say about judges", "how does Claude Code run its sub-agents today?"]
    assert part_queries(named)[1] == named[1]  # a name of its own


@pytest.mark.parametrize(("question", "sides"), [
    ("In an agent's streaming accumulator, how is a text content block treated differently from a tool-use block?",
     ["text content block", "a tool-use block"]),
    ("When retrieval misses, how does NotebookLM behave differently from ChatGPT search?", ["NotebookLM", "ChatGPT search"]),
    ("In a coding-agent harness, how should a tool failure like a wrong file path be handled, compared with an "
     "API-side failure such as a 429?", ["tool failure", "an API-side failure"]),
    ("What is an Anthropic interviewer likely to dig into, compared with a Meta interviewer?",
     ["Anthropic interviewer", "a Meta interviewer"]),
    ("Continuous batching and speculative decoding both exploit memory-bound decode. What does each spread a read across?",
     ["Continuous batching", "speculative decoding"]),
    ("verbosity creeps in under both RLHF and DPO. Why does it happen in each?", ["RLHF", "DPO"]),
    # what a side is, in a parenthesis, is not its name; "Compare the two:" names no sides of its own
    ("LIMA (1,000 curated SFT examples) and DeepSeek-R1-Zero (pure RL, no demonstrations) both start from a base "
     "model. What does each change?", ["LIMA", "DeepSeek-R1-Zero"]),
    ("Sparse autoencoders and mixture-of-experts layers both have more units than an input uses. Compare the two: "
     "what is sparse in each?", ["Sparse autoencoders", "mixture-of-experts layers"]),
    # a side's article is not one of its words
    ("Failing closed shows up in both settings validation and the IDE bridge's permission requests. What fails in "
     "each?", ["settings validation", "the IDE bridge's permission requests"]),
    # a long set-up before the counted list
    ("Two places in the notes reason about dot products of random high-dimensional vectors: attention's scaling and "
     "superposition interference. For each, how big is the spread?", ["attention's scaling", "superposition interference"]),
    # "A and B each …"; "…, both in A and in B"; a counted side that says when it applies
    ("NotebookLM-style design: the chat answers and the Audio Overviews each get their own grounding check. How do "
     "the two differ?", ["chat answers", "the Audio Overviews"]),
    ("why does one slow piece set the pace for everyone, both in synchronous data-parallel training and in MoE "
     "inference? explain the mechanism in each case", ["synchronous data-parallel training", "MoE inference"]),
    ("'snapshot' means two different things in my notes: the snapshot step when the IDE bridge resyncs, and "
     "getSnapshot in a UI store. what is each one?", ["snapshot step", "getSnapshot"]),
])
def test_sides_named_by_contrast_or_by_both(question: str, sides: list[str]) -> None:
    assert comparison_sides(question) == sides


@pytest.mark.parametrize("question", [
    # what is asked of the knobs, not the sides
    "Of the three serving knobs, which improves both latency and cost, and what does each of the other two trade?",
    # "both A and B <verb> …": where the second side ends is not known
    "Both weight quantization and speculative decoding speed up small-batch decoding. How does each exploit it?",
    # asked in parts: the first part's pair is not the whole question's sides
    "(1) if I set both top-k and top-p in the sampler, which one decides? (2) is 2N FLOPs per token the whole cost?",
    # "each other", and what is asked of "each", are not sides
    "why do train and validation loss track each other, and what's the real risk instead?",
    "Llama-3-70B decode on one node: what tokens/s per node and step time does each give?",
])
def test_both_asked_of_attributes_or_in_a_part_names_no_sides(question: str) -> None:
    assert comparison_sides(question) == []



def test_a_side_asked_its_own_question_is_retrieved_with_it() -> None:
    from tmrag.query.intent import own_side_parts

    q = ("LIMA and DeepSeek-R1-Zero both start from a pretrained base. What does LIMA-style SFT change about the "
         "model, and what did R1-Zero's RL produce instead?")
    assert own_side_parts(q, ["LIMA", "DeepSeek-R1-Zero"]) == ["What does LIMA-style SFT change about the model",
                                                              "what did R1-Zero's RL produce instead?"]
    # one question asked of both: each side is asked it
    assert own_side_parts("LIMA vs DeepSeek-R1-Zero: what does each change?", ["LIMA", "DeepSeek-R1-Zero"]) is None
    # statements that name each side are not questions of their own
    q = ("Two ways to re-write the cache: microcompact clearing old results, and resuming a session. What triggers "
         "the rewrite in each case?")
    assert own_side_parts(q, ["microcompact clearing old results", "resuming a session"]) is None


def test_a_yes_no_question_after_and_is_a_part_unless_it_asks_on_of_the_same_subject() -> None:
    from tmrag.query.intent import split_parts, trailing_parts

    q = "How does Google's agent-to-agent protocol differ from MCP, and would a system ever use both?"
    assert split_parts(q) == ["How does Google's agent-to-agent protocol differ from MCP", "would a system ever use both?"]
    assert trailing_parts(q, comparison_sides(q)) != []  # retrieved on its own
    q = "fsdp2 vs the original FSDP wrapper — what changed in sharding, and does it save memory over FSDP1?"
    assert len(split_parts(q)) == 1


def test_a_lettered_item_after_and_is_a_part_of_its_own() -> None:
    from tmrag.query.intent import split_parts

    q = "Two cases: (a) how does Self-Instruct produce its data, and (b) how did FineWeb-Edu decide which pages to keep?"
    assert split_parts(q) == ["Two cases: (a) how does Self-Instruct produce its data",
                              "(b) how did FineWeb-Edu decide which pages to keep?"]
    assert split_parts("What do (a) and (b) mean?") == ["What do (a) and (b) mean?"]


def test_the_sides_named_first_win_and_what_is_compared_on_is_no_side() -> None:
    q = "fp8 E5M2 and fp16 both use 5 exponent bits. How do the two compare on max value and on precision near 1.0?"
    assert comparison_sides(q) == ["fp8 E5M2", "fp16"]
    q = "Agent Skills and the auto-memory MEMORY.md setup both avoid stuffing the context. What is always loaded in each?"
    assert comparison_sides(q) == ["Agent Skills", "the auto-memory MEMORY.md setup"]


def test_what_the_asker_says_of_themselves_after_a_question_is_no_part() -> None:
    from tmrag.query.intent import split_parts

    assert split_parts("what does Llama 2 7B score on MMLU? i know the 70B is somewhere around 69%") == [
        "what does Llama 2 7B score on MMLU"]
    assert classify("What does Claude Haiku cost per million tokens? I want to add it to my price table.", ["Claude"],
                    False).kind == "numeric"
    assert len(split_parts("what does the gate cost? I mean, why is it slow?")) == 2  # a question of its own


def test_how_accurate_asks_for_an_accuracy_and_memory_types_for_kinds() -> None:
    intent = classify("How accurate was InstructGPT's reward model at predicting held-out preferences?", ["InstructGPT"], False)
    assert intent.numeric and intent.focus == "accuracy"
    assert classify("How expensive is one GPT-4 call?", ["GPT-4"], False).focus == "cost"
    # a quantity word that names a kind of thing: the question asks for the kinds, not a number
    listed = classify("what memory types can a note's front matter be tagged with? just list them", [], False)
    assert not listed.numeric and listed.kind == "list"


def test_a_factor_or_constant_asked_for_is_a_number() -> None:
    assert classify("If so, what capacity factor does Mixtral run with?", ["Mixtral"], False).numeric
    assert classify("What constant k does reciprocal rank fusion use?", [], False).numeric
    assert not classify("What's an MoE capacity factor and what happens to dropped tokens?", ["MoE"], False).numeric
    assert not classify("What factor matters most when choosing a chunk size?", [], False).numeric


def test_how_accurate_is_the_focus_only_when_it_is_asked_first() -> None:
    assert classify("What learning rate does Llama 3 use, and how accurate is it?", ["Llama"], False).focus == \
        "learning rate"


def test_sides_counted_and_listed_are_retrieved_with_what_is_asked_after_the_list() -> None:
    from tmrag.query.comparison import counted_clause

    q = ("Before every call a harness checks two budgets: the context-window token budget and the dollar budget gate "
         "in the cost tracker. What inequality does each one check?")
    assert counted_clause(q) == "What inequality does each one check?"
    assert counted_clause("GQA vs MQA: what does each save?") is None


def test_a_list_asked_for_in_so_many_words_is_a_list() -> None:
    q = "What pitfalls do the cost-tracking notes warn about? Just list them."
    assert classify(q, [], False).kind == "list" and not classify(q, [], False).numeric
    # "one line each" says how to list, it is not a second question
    intent = classify("What trade-offs do the sub-agent notes list for delegating? Just the list, one line each.", [], False)
    assert intent.kind == "list" and intent.parts == []
    intent = classify("What kinds of attacks does the safety module list? Just the list, a line on each.", [], False)
    assert intent.kind == "list" and intent.parts == []
    # "just the items" names the list by its items; "a line on each is enough" says how long each may be
    for q in ("What pitfalls do the long-context notes list? just the items with a line each",
              "What trade-offs and pitfalls do the bridge notes list? Just the items, a line on each.",
              "What trade-offs and pitfalls do the commands & skills notes list? A line on each is enough.",
              "What pitfalls do the coordinator notes warn about? List them, with the fix or guard for each."):
        intent = classify(q, [], False)
        assert intent.kind == "list" and intent.parts == [], q
    # a list asked after a set-up sentence, and how to write each item after it
    q = ("My PyTorch loop already passes the bug-gallery checks. What further traps do the debugging notes list "
         "beyond the gallery? Give each with the one-line fix or symptom.")
    assert classify(q, [], False).kind == "list" and classify(q, [], False).parts == []
    # an item asked of each is still a question of its own
    assert classify("What does the bridge list? Just the items. Which one costs most?", [], False).kind == "multi_part"


@pytest.mark.parametrize(("question", "offered"), [
    # after a comma, or after a colon with "or" alone; an "and" inside one stays in it
    ("Which takes longer on the wall clock, re-embedding the catalogue on 200 GPUs, or building one HNSW shard? "
     "Hours for each.", ["re-embedding the catalogue on 200 GPUs", "building one HNSW shard"]),
    ("Which is bigger: one layer's SAE (16x expansion) or Llama 2's input and output embeddings?",
     ["one layer's SAE", "Llama 2's input and output embeddings"]),
    ("Which model do the workers run on: the same one, or what the coordinator picks?", []),  # a question, not a thing
    ("Which is bigger, and why?", []),
])
def test_the_two_things_a_which_question_offers(question: str, offered: list[str]) -> None:
    assert offered_pair(question) == offered
