"""Corpus reading: the documented tokeniser, vocabulary, bundled files, and clear errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.data.corpus import (
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
