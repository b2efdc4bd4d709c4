"""Names typed in lower case, spelled as the notes spell them."""

from __future__ import annotations

from tmrag.query.truecasing import Truecaser

NOTES = [
    "The original paper's best model, Claude 2, resolved 1.96% of SWE-bench. Later Claude models did better.\n"
    "Self-drafting heads (EAGLE-style) skip the draft model. The transformer is a stack of blocks; a transformer "
    "block has two sublayers. Results on Chatbot Arena are Elo ratings, and Chatbot Arena is crowd-sourced.\n"
    "We use `claude --print` and files under ~/.claude/ [@swe-bench]. OK, so the KV cache grows. The KV cache "
    "is large. He initialization and He et al. both matter. Medusa is one head.\n",
    "# Attention Heads\nAttention is cheap here. The notes mention Claude again, and the attention layer.\n",
]


def test_a_name_the_notes_capitalise_mid_sentence_is_recased() -> None:
    tc = Truecaser(NOTES)
    assert tc.apply("what did claude 2 score on swe-bench?") == "what did Claude 2 score on SWE-bench?"
    assert tc.apply("eagle speedup?") == "EAGLE speedup?"  # from "EAGLE-style"
    assert tc.apply("how big is the kv cache") == "how big is the KV cache"


def test_words_the_notes_write_in_lower_case_and_names_typed_right_are_left_alone() -> None:
    tc = Truecaser(NOTES)
    # headings, sentence starts, code, paths and citation keys say nothing of how a word is written
    assert tc.apply("is attention a transformer thing?") == "is attention a transformer thing?"
    assert tc.apply("Claude 2 and SWE-bench") == "Claude 2 and SWE-bench"
    # the first word of a longer name, a chat word, a short title-case word, a capital seen once
    assert tc.apply("ok my chatbot, he says medusa") == "ok my chatbot, he says medusa"


def test_in_a_question_typed_in_lower_case_a_word_nobody_knows_is_a_name() -> None:
    everyday = {"how", "does", "pick", "the", "next", "trial", "what", "is", "session", "long", "in", "a"}
    tc = Truecaser(NOTES + ["A long session picks the next trial."], known=everyday.__contains__)
    assert tc.apply("how does optuna pick the next trial") == "how does Optuna pick the next trial"
    # the first part of a compound nobody knows is a name too
    assert tc.apply("how does optuna-style pick the next trial") == "how does Optuna-style pick the next trial"
    # a one-letter slip of a word the notes use, a dropped apostrophe, an English derivation: words
    assert tc.apply("what is a long sesion") == "what is a long sesion"
    assert tc.apply("whats methodological") == "whats methodological"
    assert tc.apply("what is linearising") == "what is linearising"  # a verb's -ising form
    # typed with capitals, the writer has said what the names are
    assert tc.apply("How does optuna pick the next trial") == "How does optuna pick the next trial"


def test_where_the_writer_used_capitals_a_plain_word_stays_a_word() -> None:
    tc = Truecaser(NOTES)
    assert tc.apply("Where is the arena leaderboard and the kv cache?") == \
        "Where is the arena leaderboard and the KV cache?"
    assert tc.apply("where is the arena leaderboard?") == "where is the Arena leaderboard?"


def test_math_and_function_notation_teach_no_names_but_prices_stay_prose() -> None:
    notes = ["Xavier sets Var(w) = 2/(n_in + n_out), and $\\mathrm{Cov}(x)$ follows. It costs $200 a day, "
             "and FooWare bills $50 more."]
    tc = Truecaser(notes)
    assert tc.apply("what env var or cov flag?") == "what env var or cov flag?"
    assert tc.apply("does fooware bill more?") == "does FooWare bill more?"  # between two prices: prose


def test_two_capitalised_words_the_notes_write_together_are_one_name() -> None:
    notes = ["We ran Claude Code on the repo. Later, Claude Code wrote the code. We filter Common Crawl, "
             "and Common Crawl dumps are monthly. The code is short."]
    tc = Truecaser(notes)
    # "code" alone is a word, so only the pair is recased, even where the writer used capitals elsewhere
    assert tc.apply("what's claude code's default cap (e.g. parallel Greps)?") == \
        "what's Claude Code's default cap (e.g. parallel Greps)?"
    assert tc.apply("is the code short") == "is the code short"
    assert tc.apply("how big is common crawl") == "how big is Common Crawl"


def test_two_everyday_words_written_as_one_are_a_word_not_a_name() -> None:
    everyday = {"agents", "retry", "in", "lock", "step", "open", "chat", "how", "does", "fail", "red", "fox"}
    tc = Truecaser(NOTES, known=everyday.__contains__)
    assert tc.apply("agents retry in lockstep") == "agents retry in lockstep"
    assert tc.apply("how does openchat fail") == "how does openchat fail"  # the cost: such a name reads as a word
    assert tc.apply("how does redfox fail") == "how does Redfox fail"  # "red" is too short a part to tell
