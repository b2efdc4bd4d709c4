"""LLM mode's sentence check on its own: which written sentences a passage supports, with vectors
made to order (the real embedder's scores are measured by scripts/support_labels.py)."""

from __future__ import annotations

import numpy as np

from tmrag.answer.generation import Passage, PassageVectors, verify

DECODE = "At batch 256 one decode step needs 3.58×10¹⁶ FLOPs, about 9.1 ms at half the node's peak."
ROUTING = "Mixtral routes each token to 2 of its 8 experts and adds their outputs."
PASSAGES = [Passage(1, 0, "LLM Deployment › Worked numbers", DECODE), Passage(2, 1, "MoE › Routing", ROUTING)]


def unit(angle: float) -> np.ndarray:
    return np.array([np.cos(angle), np.sin(angle)], dtype=np.float32)


def check(text: str, cosine: float, passage_cosine: float = 0.0, sentences: bool = True) -> list:
    """``text`` verified against PASSAGES when every written sentence has ``cosine`` to each
    passage's sentence and ``passage_cosine`` to the whole passage."""
    vectors = PassageVectors(lambda row: np.stack([unit(np.arccos(cosine))]) if sentences else np.zeros((0, 2)),
                             lambda row: unit(np.arccos(passage_cosine)))
    return verify(text, PASSAGES, vectors, lambda sentence: unit(0.0)).sentences


def test_a_sentence_in_the_passages_own_words_is_kept_however_low_its_cosine() -> None:
    written = "One decode step at batch 256 needs 3.58×10^16 FLOPs, about 9.1 ms at half the peak [1]."
    assert [s.marker for s in check(written, cosine=0.2)] == [1]
    # fewer of its words: the meaning must match too, by a sentence or by the whole passage
    loose = "Each decode step costs 3.58×10^16 FLOPs of work for the whole node [1]."
    assert check(loose, cosine=0.3) == []
    assert [s.marker for s in check(loose, cosine=0.5)] == [1]
    assert [s.marker for s in check(loose, cosine=0.3, passage_cosine=0.5)] == [1]


def test_a_number_no_passage_states_drops_the_sentence_whatever_else_matches() -> None:
    wrong = "At batch 256 one decode step needs 3.58×10¹⁶ FLOPs, about 8.1 ms at half the node's peak [1]."
    verified = verify(wrong, PASSAGES, PassageVectors(lambda row: np.stack([unit(0.0)]), lambda row: unit(0.0)),
                      lambda sentence: unit(0.0))
    assert verified.sentences == [] and verified.dropped[0].reason == "a number no passage states"
    # the stated numbers pass: the sentence then stands or falls on its support
    assert [s.marker for s in check("Mixtral routes each token to 2 of its 8 experts [2].", cosine=0.9)] == [2]


def test_a_sentence_cited_to_the_wrong_passage_is_cited_to_the_one_that_supports_it() -> None:
    assert [s.marker for s in check("Mixtral routes each token to 2 of its 8 experts [1].", cosine=0.9)] == [2]


def test_a_sentence_about_something_else_is_dropped() -> None:
    assert check("Paged attention stores the KV cache in fixed-size blocks [1].", cosine=0.9) == []


CODE = """```python
def moe_layer(x, router, experts, k=2):
    logits = router(x)

    topv, topi = logits.topk(k, dim=-1)   # choose k experts per token
    gates = F.softmax(topv, dim=-1)       # renormalize over chosen k
```"""


def code_check(text: str, passage_cosine: float) -> list:
    vectors = PassageVectors(lambda row: np.zeros((0, 2)), lambda row: unit(np.arccos(passage_cosine)))
    return verify(text, [Passage(1, 0, "MoE › A sketch", CODE)], vectors, lambda sentence: unit(0.0)).sentences


def test_a_code_block_supports_a_sentence_by_the_lines_that_hold_its_words() -> None:
    written = "The gates renormalize over the chosen k with a softmax of topv [1]."
    (kept,) = code_check(written, passage_cosine=0.5)
    assert kept.j == -1
    assert [CODE[a:b] for a, b in kept.lines] == ["gates = F.softmax(topv, dim=-1)       # renormalize over chosen k"]
    # identifiers are read by their parts ("moe_layer" holds "layer"), and a second line is cited when it adds words
    both = "The moe layer picks the top k experts per token with topk, then renormalizes the gates with softmax [1]."
    (kept,) = code_check(both, passage_cosine=0.5)
    assert [CODE[a:b].split("=")[0].strip() for a, b in kept.lines] == ["def moe_layer(x, router, experts, k", "topv, topi",
                                                                        "gates"]
    # fewer of its words: the meaning must match the whole block too; a sentence about something else is not supported
    loose = "Its gates apply a softmax to the experts of each token with a temperature [1]."
    assert [s.j for s in code_check(loose, passage_cosine=0.5)] == [-1] and code_check(loose, passage_cosine=0.2) == []
    assert code_check("Paged attention stores the KV cache in fixed-size blocks [1].", passage_cosine=0.9) == []


def test_a_passages_identifiers_count_by_their_parts() -> None:
    prose = [Passage(1, 0, "DDP › Pitfalls", "Shuffling repeats each epoch unless the loop calls `sampler.set_epoch(epoch)`.")]
    vectors = PassageVectors(lambda row: np.stack([unit(np.arccos(0.5))]), lambda row: unit(np.arccos(0.5)))
    written = "The loop must call set epoch on the sampler each epoch [1]."
    assert [s.marker for s in verify(written, prose, vectors, lambda sentence: unit(0.0)).sentences] == [1]


def test_words_that_point_at_the_notes_need_no_support_and_a_title_counts() -> None:
    written = "The deployment notes say a decode step takes about 9.1 ms [1]."
    assert [s.marker for s in check(written, cosine=0.0)] == [1]
    assert check("The training notes say a decode step takes about 9.1 ms [1].", cosine=0.0) == []


def test_a_sentence_citing_two_passages_is_supported_by_them_together() -> None:
    both = "A decode step takes about 9.1 ms, and Mixtral routes each token to 2 experts"
    assert len(check(f"{both} [1][2].", cosine=0.0)) == 1
    assert check(f"{both} [1].", cosine=0.0) == []


def test_a_number_counts_as_a_word_the_passage_holds_however_either_writes_it() -> None:
    line = r"One H100 at 3.35 TB/s: $13.48 \times 10^9 / 3.35 \times 10^{12} \approx 4.02$ ms."
    tex = [Passage(1, 0, "Forward Pass › Worked numbers", line)]
    vectors = PassageVectors(lambda row: np.stack([unit(np.arccos(0.5))]), lambda row: unit(np.arccos(0.5)))
    written = "Reading 13.48 GB at 3.35 TB/s takes 4.02 ms [1]."
    assert [s.marker for s in verify(written, tex, vectors, lambda sentence: unit(0.0)).sentences] == [1]
    # the passage's numbers stand for themselves only: a sentence of other words is not carried by them
    other = "Reading 13.48 GB of optimizer shards over PCIe stalls every backward pass [1]."
    assert verify(other, tex, vectors, lambda sentence: unit(0.0)).sentences == []


def test_a_sentence_with_numbers_cites_the_passage_sentence_that_states_them() -> None:
    text = "Compaction triggers at 160,000 tokens. The summary is 5,000 tokens and the state 20,000."
    spans = [(0, 38), (39, len(text))]
    passage = [Passage(1, 0, "Compaction › Worked numbers", text)]
    closer_to_the_first = np.stack([unit(np.arccos(0.9)), unit(np.arccos(0.6))])
    vectors = PassageVectors(lambda row: closer_to_the_first, lambda row: unit(0.0), lambda row: spans)
    (kept,) = verify("The summary and state are 5,000 + 20,000 = 25,000 tokens [1].", passage, vectors,
                     lambda sentence: unit(0.0)).sentences
    assert kept.j == 1
    (plain,) = verify("Compaction triggers at a token count the summary and state then shrink [1].", passage, vectors,
                      lambda sentence: unit(0.0)).sentences
    assert plain.j == 0


def test_a_sentence_about_the_code_in_a_prose_passage_cites_the_code_line() -> None:
    text = ("Use `set_detect_anomaly` to find the first NaN.\n\n```python\nloss = F.cross_entropy(logits, targets)\n"
            "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)\n```")
    prose = [(0, text.index("\n"))]
    passage = [Passage(1, 0, "Debugging › The fix", text)]
    vectors = PassageVectors(lambda row: np.stack([unit(np.arccos(0.5))]), lambda row: unit(np.arccos(0.5)),
                             lambda row: prose)
    (kept,) = verify("The fix clips gradients with clip_grad_norm_ at max_norm=1.0 [1].", passage, vectors,
                     lambda sentence: unit(0.0)).sentences
    assert kept.j == -1 and [text[a:b] for a, b in kept.lines] == [
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)"]
    (prose_kept,) = verify("Use set_detect_anomaly to find the first NaN [1].", passage, vectors,
                           lambda sentence: unit(0.0)).sentences
    assert prose_kept.j == 0 and prose_kept.lines == ()


def test_a_code_block_described_in_other_words_needs_its_meaning_to_match() -> None:
    described = "The router picks the highest scoring experts for each token and normalises their gate values [1]."
    assert [s.j for s in code_check(described, passage_cosine=0.55)] == [-1]  # 44% of its words
    assert code_check(described, passage_cosine=0.45) == []
    # prose is held to more of its words: the same share and meaning do not support a prose sentence
    prose = [Passage(1, 0, "MoE › Routing", CODE.replace("```python\n", "").replace("```", "") + " Done.")]
    vectors = PassageVectors(lambda row: np.stack([unit(np.arccos(0.55))]), lambda row: unit(np.arccos(0.55)))
    assert verify(described, prose, vectors, lambda sentence: unit(0.0)).sentences == []
