"""Cards derived from the notes: kinds, key points that are the index's sentences, stable ids
across edits, history kept on edit, deleted cards leaving the schedule."""

from __future__ import annotations

from pathlib import Path

from tmrag.study.cards import card_id, normalise

from .conftest import ATTENTION, CACHE, make_corpus, open_study


def _by_prompt(study) -> dict:  # noqa: ANN001
    return {c.prompt: c for c in study.cards}


def test_cards_of_each_kind(study) -> None:  # noqa: ANN001
    cards = _by_prompt(study)
    q1 = cards["Why scale the attention scores by the square root of d?"]
    assert q1.kind == "interview" and q1.module_id == "attention" and q1.section == "Interview questions"
    assert [p.text for p in q1.points] == [
        "Dot products of random vectors grow with the dimension, so unscaled scores get large.",
        "Large scores saturate the softmax and its gradients vanish."]
    for p in q1.points:  # a key point is an index sentence: its vector is the one the index holds
        chunk = study.engine.index.chunks[p.row]
        a, b = chunk.sentences[p.j]
        assert chunk.text[a:b].strip() == p.text
    numbers = [c for c in study.cards if c.kind == "number"]
    assert [c.prompt for c in numbers] == ["Attention — Head width for a 4096-wide model: Head width?"]
    assert numbers[0].reference.startswith("Head width: 4096 / 32 = 128")
    glossary = [c for c in study.cards if c.kind == "glossary"]
    assert [(c.prompt, c.module_id) for c in glossary] == [("Define KV cache.", "kv-cache")]
    assert sum(c.kind == "interview" for c in study.cards) == 3


def test_ids_survive_unrelated_edits(tmp_path: Path) -> None:
    before = {c.prompt: c.id for c in open_study(make_corpus(tmp_path / "a"), tmp_path / "da").cards}
    edited = ATTENTION.replace("their gradients vanish", "its gradients vanish, which stalls training")
    edited = edited.replace("Several heads attend", "Many heads attend")
    after = {c.prompt: c.id for c in open_study(make_corpus(tmp_path / "b", edited), tmp_path / "db").cards}
    assert before == after
    same = card_id("interview", "attention", "why scale the attention")
    assert card_id("interview", "attention", "Why  scale, the attention?") == same
    assert normalise("What's  GQA?") == "what s gqa"


def test_history_kept_on_edit_and_deleted_cards_leave_the_schedule(tmp_path: Path) -> None:
    root, data = make_corpus(tmp_path / "corpus"), tmp_path / "data"
    study = open_study(root, data)
    q1 = _by_prompt(study)["Why scale the attention scores by the square root of d?"]
    cache_q = _by_prompt(study)["How big is the KV cache per token?"]
    for card in (q1, cache_q):
        study.answer("ann", card.id, "I don't know")
    assert {s.card_id for s in study.store.schedule("ann")} == {q1.id, cache_q.id}

    # The answer is edited, the kv-cache module is deleted, Q2's prompt is reworded.
    edited = ATTENTION.replace("so unscaled scores get large", "so unscaled scores grow like the square root of d")
    edited = edited.replace("What does multi-head attention add over a single head?",
                            "What do several attention heads add over one?")
    (root / "modules" / "kv-cache.md").unlink()
    make_corpus(root, edited, cache=None)
    study2 = open_study(root, data)
    same = _by_prompt(study2)["Why scale the attention scores by the square root of d?"]
    assert same.id == q1.id and same.reference != q1.reference
    assert len(study2.store.versions(q1.id)) == 2  # both versions of the card are kept
    assert len(study2.store.history("ann", q1.id)) == 1  # and the learner's review of it
    assert {s.card_id for s in study2.store.schedule("ann")} == {q1.id}  # the deleted card left
    assert cache_q.id not in study2.by_id
    assert all(r.name != "kv-cache" for r in study2.progress("ann").modules)


def test_a_reworded_prompt_takes_its_history_along(tmp_path: Path) -> None:
    root, data = make_corpus(tmp_path / "corpus"), tmp_path / "data"
    study = open_study(root, data)
    q2 = _by_prompt(study)["What does multi-head attention add over a single head?"]
    study.answer("ann", q2.id, "Heads look at different positions in parallel and are concatenated.")
    make_corpus(root, ATTENTION.replace("What does multi-head attention add over a single head?",
                                        "What do several attention heads add over one?"), CACHE)
    study2 = open_study(root, data)
    new = _by_prompt(study2)["What do several attention heads add over one?"]
    assert new.id != q2.id and new.slot == q2.slot
    assert len(study2.store.history("ann", new.id)) == 1
    assert [s.card_id for s in study2.store.schedule("ann")] == [new.id]


def test_a_new_question_in_an_old_slot_does_not_take_its_history(tmp_path: Path) -> None:
    root, data = make_corpus(tmp_path / "corpus"), tmp_path / "data"
    study = open_study(root, data)
    q2 = _by_prompt(study)["What does multi-head attention add over a single head?"]
    study.answer("ann", q2.id, "Heads look at different positions in parallel and are concatenated.")
    replaced = ATTENTION.replace("What does multi-head attention add over a single head?", "Where do positional "
                                 "encodings enter the model?").replace("Several heads attend to different positions",
                                                                       "They are added to the token embeddings")
    make_corpus(root, replaced, CACHE)
    study2 = open_study(root, data)
    new = _by_prompt(study2)["Where do positional encodings enter the model?"]
    assert new.slot == q2.slot and study2.store.history("ann", new.id) == []
    assert study2.store.schedule("ann") == []  # the old card is retired with its history
