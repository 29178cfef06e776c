"""Long answers cut into messages of at most 2,000 characters, code blocks closed and reopened."""

from __future__ import annotations

from tatiana_ai.splitting import MESSAGE_LIMIT, split_message


def test_a_short_answer_is_one_message() -> None:
    assert split_message("Hola.") == ["Hola."]
    assert split_message("") == []


def test_prose_is_cut_at_a_line_or_a_space_never_inside_a_word() -> None:
    text = " ".join(["palabra"] * 700)
    parts = split_message(text)
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert " ".join(p.strip() for p in parts) == text
    assert all(p.strip().split(" ")[-1] == "palabra" for p in parts)


def test_a_word_longer_than_a_message_is_cut_hard() -> None:
    assert [len(p) for p in split_message("a" * 4500)] == [1996, 1996, 508]


def test_a_code_block_cut_in_two_is_closed_and_reopened_with_its_language() -> None:
    code = "\n".join(f"x = {i}  # line" for i in range(300))
    parts = split_message(f"intro\n```python\n{code}\n```\nafter")
    assert len(parts) == 3
    assert all(len(p) <= MESSAGE_LIMIT and p.count("```") % 2 == 0 for p in parts)
    assert parts[0].endswith("\n```") and parts[1].startswith("```python\n")
    assert parts[-1].endswith("```\nafter")
    lines = [line for p in parts for line in p.splitlines() if line.startswith("x = ")]
    assert lines == code.splitlines()


def test_a_closed_code_block_is_not_reopened() -> None:
    text = "```\nshort\n```\n" + "word " * 500
    parts = split_message(text)
    assert len(parts) == 2
    assert not parts[1].startswith("```")
