"""Corpus reading: the documented tokeniser, vocabulary, bundled files, and clear errors."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from nnviz.data import corpus as corpus_module
from nnviz.data.corpus import (
    TOKEN,
    CorpusError,
    Vocabulary,
    analogy_path,
    corpus_path,
    gensim_test_file,
    load_analogies,
    load_corpus,
    parse_analogies,
    tokenize,
)


def test_tokenize_is_simple_and_documented():
    assert tokenize("Paris is the capital of France.") == [
        "paris", "is", "the", "capital", "of", "france"]
    assert tokenize("Don't stop—l'été, São Paulo 2024!") == [
        "don't", "stop", "l'été", "são", "paulo", "2024"]
    assert tokenize("snake_case a+b") == ["snake", "case", "a", "b"]


def test_vocabulary_sorted_by_count_with_min_count():
    vocabulary = Vocabulary.build([["b", "a", "b"], ["c", "b", "a"]], min_count=2)
    assert vocabulary.words == ("b", "a")
    assert vocabulary.counts.tolist() == [3, 2]
    assert vocabulary.index == {"b": 0, "a": 1} and "c" not in vocabulary


def test_any_utf8_file_is_a_corpus(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("The cat sat.\n\nthe dog sat, the cat ran\n", encoding="utf-8")
    corpus = load_corpus(str(path), min_count=2)
    assert corpus.vocabulary.words == ("the", "cat", "sat")
    assert corpus.raw_token_count == 9
    # words below min_count are dropped; sentences (lines) are kept apart
    assert [corpus.vocabulary.words[i] for i in corpus.token_ids] == [
        "the", "cat", "sat", "the", "sat", "the", "cat"]
    assert corpus.sentence_ids.tolist() == [0, 0, 0, 1, 1, 1, 1] and corpus.sentences == 2


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "not found"),
        (b"", "no words"),
        (b"  ...  \n!!\n", "no words"),
        (b"caf\xe9 au lait\n", "not UTF-8.*line 1"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, content, match):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CorpusError, match=match):
        load_corpus(str(path))


def test_folder_and_unreadable_file(tmp_path):
    with pytest.raises(CorpusError, match="folder"):
        load_corpus(str(tmp_path))
    path = tmp_path / "secret.txt"
    path.write_text("words here")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything")
        with pytest.raises(CorpusError, match="permission"):
            load_corpus(str(path))
    finally:
        path.chmod(0o600)


def test_min_count_too_high(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("one two three\n")
    with pytest.raises(CorpusError, match="min_count=5"):
        load_corpus(str(path), min_count=5)


def test_bundled_world_corpus_and_its_analogies():
    corpus = load_corpus("world")
    assert 100 < len(corpus.vocabulary) < 1000
    assert corpus.raw_token_count > 100_000
    assert corpus_path("world").stat().st_size < 2_000_000
    sections = load_analogies(analogy_path("corpus", "world"))
    names = [s.name for s in sections]
    assert names[0] == "capital-country"
    assert ("france", "paris", "italy", "rome") in sections[0].questions
    words = {w for s in sections for q in s.questions for w in q}
    assert words <= set(corpus.vocabulary.words)


def test_gensim_files_read_from_the_installed_package():
    pytest.importorskip("gensim")
    lee = corpus_path("lee")
    assert lee == gensim_test_file("lee_background.cor") and "gensim" in str(lee)
    corpus = load_corpus("lee", min_count=5)
    assert 50_000 < corpus.raw_token_count < 70_000
    sections = load_analogies(analogy_path("corpus", "lee"))
    assert sections[0].name == "capital-common-countries"
    assert sections[0].questions[0] == ("athens", "greece", "baghdad", "iraq")


def test_parse_analogies_reports_bad_lines():
    sections = parse_analogies(": a\nx y z w\n# note\n: b\nq r s t\n")
    assert [(s.name, len(s.questions)) for s in sections] == [("a", 1), ("b", 1)]
    with pytest.raises(CorpusError, match="qs:2"):
        parse_analogies(": a\nx y z\n", "qs")


def test_corpus_ids_are_int32_arrays():
    corpus = load_corpus("world")
    assert corpus.token_ids.dtype == np.int32 and len(corpus.token_ids) == len(
        corpus.sentence_ids)


def test_the_ascii_path_gives_the_tokens_of_the_pattern():
    """ASCII lines skip the regular expression; their tokens are exactly the pattern's, for
    every mix of letters, digits, apostrophes (inner, leading, trailing, doubled),
    underscores, punctuation and control characters, and non-ASCII lines keep the pattern."""
    alphabet = "aZ9_' \t\x0b\x0c\x1c-.,;!\x7f\x00"
    rng = np.random.default_rng(11)
    for _ in range(20_000):
        line = "".join(rng.choice(list(alphabet), size=rng.integers(0, 14)))
        assert tokenize(line) == TOKEN.findall(line.lower()), repr(line)
    for line in ["rock'n'roll 'tis the dogs' ''a''b'' x__y", "l'été’s naïve ÉCOLE d’or", ""]:
        assert tokenize(line) == TOKEN.findall(line.lower())


def test_an_ascii_line_does_not_go_through_the_unicode_pattern(monkeypatch):
    """The pattern costs about 5 × the ASCII path on English text (text8 is all ASCII)."""
    class Counting:
        def __init__(self, pattern):
            self.pattern, self.calls = pattern, 0

        def findall(self, text):
            self.calls += 1
            return self.pattern.findall(text)

    counting = Counting(TOKEN)
    monkeypatch.setattr(corpus_module, "TOKEN", counting)
    assert tokenize("Don't stop, it's 2024_now!") == ["don't", "stop", "it's", "2024", "now"]
    assert counting.calls == 0
    assert tokenize("São Paulo") == ["são", "paulo"] and counting.calls == 1


def test_loading_gives_the_same_corpus_as_before_the_fast_paths():
    """The bundled corpora read to the very ids and sentences they did before the ASCII
    tokeniser (digests taken with the earlier reader; lee is gensim's installed file)."""
    assert corpus_digest(load_corpus("world", 1)) == "883652dd8ae137d2"
    if gensim_test_file("lee_background.cor") is not None:
        assert corpus_digest(load_corpus("lee", 3)) == "f3eddf32f7ec588d"


def corpus_digest(corpus) -> str:
    digest = hashlib.sha256(" ".join(corpus.vocabulary.words).encode())
    for values in (corpus.vocabulary.counts.astype(np.int64), corpus.token_ids,
                   corpus.sentence_ids):
        digest.update(values.tobytes())
    return digest.hexdigest()[:16]
