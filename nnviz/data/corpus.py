"""Text corpora for word2vec: a simple tokeniser, the vocabulary, and analogy question sets.

Tokenising, the simple documented way: the text is read as UTF-8, every line is one sentence
(a word's context window never crosses a line), the line is lower-cased, and its tokens are the
runs of letters and digits, an apostrophe inside a word kept ("don't", "l'eau"). Everything
else (punctuation, symbols, underscores) separates tokens.

Shipped corpora: ``world`` (``resources/corpus/world.txt``, templated sentences about
countries, capitals, families, animals and numbers, made by ``scripts/make_corpus.py``) and,
when gensim is installed, ``lee`` (gensim's ``lee_background.cor``: 300 news stories) with
gensim's ``questions-words.txt`` analogies. Both gensim files are read from the installed
package, never copied. Any other UTF-8 text file can be opened by its path.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnviz.resources import resource_path

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

BUNDLED = ("world", "lee")
#: analogy sets by name; "corpus" means the set that comes with the chosen corpus
ANALOGY_SETS = ("corpus", "world", "questions-words", "none")


class CorpusError(ValueError):
    """A corpus or analogy file that cannot be used; the message names the file and why."""


def tokenize(line: str) -> list[str]:
    """Lower-cased runs of letters/digits, inner apostrophes kept: see the module docstring."""
    return TOKEN.findall(line.lower())


def read_text(path: str | Path, what: str = "corpus") -> str:
    """The file's text, or a :class:`CorpusError` saying plainly what is wrong with it."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{what} file not found: {path}") from None
    except IsADirectoryError:
        raise CorpusError(f"{what} path is a folder, not a text file: {path}") from None
    except PermissionError:
        raise CorpusError(f"{what} file is not readable (permission denied): {path}") from None
    except OSError as error:
        raise CorpusError(f"cannot read {what} file {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CorpusError(
            f"{what} file is not UTF-8 text: {path} (byte {error.start}, line {line}); "
            "save it as UTF-8"
        ) from None


def gensim_test_file(name: str) -> Path | None:
    """A file of gensim's bundled test data, found without importing gensim (None if absent)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "test" / "test_data" / name
        if candidate.is_file():
            return candidate
    return None


def corpus_path(name_or_path: str) -> Path:
    """The file of a bundled corpus (``world``, ``lee``) or the given path."""
    if name_or_path == "world":
        return resource_path("corpus", "world.txt")
    if name_or_path == "lee":
        found = gensim_test_file("lee_background.cor")
        if found is None:
            raise CorpusError("the 'lee' corpus comes with gensim: pip install gensim")
        return found
    return Path(name_or_path).expanduser()


def analogy_path(name: str, corpus: str) -> Path | None:
    """The analogy question file for an analogy set name (None for ``none``)."""
    if name == "none":
        return None
    if name == "corpus":
        if corpus == "world":
            name = "world"
        elif corpus == "lee":
            name = "questions-words"
        else:
            return None
    if name == "world":
        return resource_path("corpus", "world-analogies.txt")
    if name == "questions-words":
        found = gensim_test_file("questions-words.txt")
        if found is None:
            raise CorpusError("the questions-words analogies come with gensim: pip install gensim")
        return found
    return Path(name).expanduser()


@dataclass(frozen=True)
class Vocabulary:
    """Words kept (count ≥ min_count), most frequent first; id = position."""

    words: tuple[str, ...]
    counts: np.ndarray

    @classmethod
    def build(cls, sentences: Iterable[list[str]], min_count: int = 1) -> Vocabulary:
        counter = Counter(word for sentence in sentences for word in sentence)
        kept = sorted(((c, w) for w, c in counter.items() if c >= min_count),
                      key=lambda item: (-item[0], item[1]))
        return cls(tuple(w for _, w in kept), np.array([c for c, _ in kept], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def index(self) -> dict[str, int]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {w: i for i, w in enumerate(self.words)}
            object.__setattr__(self, "_index", cached)
        return cached


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus as word ids of the vocabulary, with each token's sentence number.

    Words below ``min_count`` are dropped before windows are formed, as in word2vec.
    """

    name: str
    vocabulary: Vocabulary
    token_ids: np.ndarray
    sentence_ids: np.ndarray
    raw_token_count: int

    @property
    def sentences(self) -> int:
        return int(self.sentence_ids[-1]) + 1 if len(self.sentence_ids) else 0


def corpus_from_sentences(sentences: list[list[str]], min_count: int = 1,
                          name: str = "") -> Corpus:
    vocabulary = Vocabulary.build(sentences, min_count)
    index = vocabulary.index
    ids: list[int] = []
    owners: list[int] = []
    for number, sentence in enumerate(sentences):
        kept = [index[w] for w in sentence if w in index]
        ids.extend(kept)
        owners.extend([number] * len(kept))
    raw = sum(len(s) for s in sentences)
    if not ids:
        raise CorpusError(
            f"{name or 'corpus'}: no word occurs at least min_count={min_count} times "
            f"({raw} tokens in all); use a longer text or a smaller minimum count"
        )
    return Corpus(name, vocabulary, np.array(ids, dtype=np.int32),
                  np.array(owners, dtype=np.int32), raw)


def load_corpus(name_or_path: str, min_count: int = 1) -> Corpus:
    """Read and tokenise a bundled corpus or any UTF-8 text file (see the module docstring)."""
    path = corpus_path(name_or_path)
    text = read_text(path)
    sentences = [tokens for tokens in map(tokenize, text.splitlines()) if tokens]
    if not sentences:
        raise CorpusError(f"corpus file has no words: {path}")
    return corpus_from_sentences(sentences, min_count, name=name_or_path)


@dataclass(frozen=True)
class AnalogySection:
    """Questions "a b c d" meaning a : b :: c : d (b − a + c ≈ d), under one heading."""

    name: str
    questions: tuple[tuple[str, str, str, str], ...]


def parse_analogies(text: str, source: str = "analogies") -> tuple[AnalogySection, ...]:
    """Read the questions-words format: ``: section`` headings, then one "a b c d" per line."""
    sections: list[AnalogySection] = []
    name, questions = "", []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            if questions:
                sections.append(AnalogySection(name, tuple(questions)))
            name, questions = line[1:].strip(), []
            continue
        words = line.lower().split()
        if len(words) != 4:
            raise CorpusError(f"{source}:{number}: expected 4 words 'a b c d', got {line!r}")
        questions.append(tuple(words))
    if questions:
        sections.append(AnalogySection(name, tuple(questions)))
    return tuple(sections)


def load_analogies(path: str | Path) -> tuple[AnalogySection, ...]:
    return parse_analogies(read_text(path, "analogy"), str(path))
