"""Quoting: which model names count as the same model when a quote is checked against the question."""

from tmrag.answer.quoting import same_model


def test_a_shorter_family_name_is_the_same_model_only_at_the_same_size() -> None:
    assert same_model(("llama", "7B"), ("llama2", "7B")) and not same_model(("llama", "70B"), ("llama2", "7B"))
    assert not same_model(("llama3", "8B"), ("llama2", "8B"))
