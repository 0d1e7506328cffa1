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

Files are read in bounded chunks and only when they are regular files within the limits of
:mod:`nnviz.data.limits` (a corpus ``MAX_CORPUS_BYTES``, an analogy set
``MAX_TEXT_FILE_BYTES``); a named pipe or ``/dev/zero`` is refused before it is opened.
"""

from __future__ import annotations

import codecs
import importlib.util
import itertools
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nnviz.data.limits import MAX_CORPUS_BYTES, MAX_TEXT_FILE_BYTES, open_checked, read_chunks
from nnviz.resources import resource_path

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

BUNDLED = ("world", "lee")
#: analogy sets by name; "corpus" means the set that comes with the chosen corpus
ANALOGY_SETS = ("corpus", "world", "questions-words", "none")


#: the longest line kept whole, in characters; see :func:`iter_lines`
MAX_LINE_CHARS = 2**20
#: the characters :meth:`str.splitlines` ends a line at
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class CorpusError(ValueError):
    """A corpus or analogy file that cannot be used; the message names the file and why."""


def tokenize(line: str) -> list[str]:
    """Lower-cased runs of letters/digits, inner apostrophes kept: see the module docstring.

    An ASCII line (most English text; all of text8) takes a path about five times faster
    with the same tokens: every byte but a-z, 0-9 and ' becomes a space in one
    ``bytes.translate``, apostrophes that do not join two letters or digits are blanked
    first, and ``split`` cuts the rest. Any other line goes through :data:`TOKEN`.
    """
    lowered = line.lower()
    if not lowered.isascii():
        return TOKEN.findall(lowered)
    if "'" in lowered:
        lowered = _LONE_APOSTROPHE.sub(" ", lowered)
    return lowered.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()


#: an apostrophe that is not between two ASCII letters/digits (so no part of a token)
_LONE_APOSTROPHE = re.compile(r"'(?:(?<![a-z0-9]')|(?![a-z0-9]))")
#: bytes.translate table: a space for every byte that cannot be in a lower-cased ASCII token
_ASCII_SEPARATORS = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789'" else ord(" ")
    for byte in range(256))


def _open_text(path: Path, what: str, limit: int) -> BinaryIO:
    """A checked binary stream of a text file, or a :class:`CorpusError` saying what is wrong."""
    try:
        if path.is_dir():
            raise IsADirectoryError
        stream, _ = open_checked(path, limit, f"{what} file", CorpusError)
    except FileNotFoundError:
        raise CorpusError(f"{what} file not found: {path}") from None
    except IsADirectoryError:
        raise CorpusError(f"{what} path is a folder, not a text file: {path}") from None
    except PermissionError:
        raise CorpusError(f"{what} file is not readable (permission denied): {path}") from None
    except OSError as error:
        raise CorpusError(f"cannot read {what} file {path}: {error.strerror or error}") from None
    return stream


def _not_utf8(path: Path, what: str, offset: int, line: int) -> CorpusError:
    return CorpusError(f"{what} file is not UTF-8 text: {path} (byte {offset}, line {line}); "
                       "save it as UTF-8")


def iter_text(path: str | Path, what: str = "corpus", limit: int = MAX_CORPUS_BYTES
              ) -> Iterator[str]:
    """The file's UTF-8 text in pieces decoded from chunks of ``CHUNK_BYTES``, a leading byte
    order mark dropped; the file is checked first (a regular file of at most ``limit`` bytes).
    """
    path = Path(path).expanduser()
    stream = _open_text(path, what, limit)
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed = newlines = 0  # bytes handed to the decoder so far, and line breaks among them
    first = True
    with stream:
        try:
            for chunk in read_chunks(stream, limit, path, f"{what} file", CorpusError):
                pending = decoder.getstate()[0]
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    seen = (pending + chunk)[:error.start]
                    raise _not_utf8(path, what, consumed - len(pending) + error.start,
                                    newlines + seen.count(b"\n") + 1) from None
                consumed += len(chunk)
                newlines += chunk.count(b"\n")
                if first and text:
                    text, first = text.removeprefix("\ufeff"), False
                yield text
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                pending = decoder.getstate()[0]
                raise _not_utf8(path, what, consumed - len(pending), newlines + 1) from None
        except OSError as error:
            raise CorpusError(f"cannot read {what} file {path}: {error.strerror or error}"
                              ) from None


def read_text(path: str | Path, what: str = "corpus", limit: int | None = None) -> str:
    """The file's text, or a :class:`CorpusError` saying plainly what is wrong with it; refused
    unread when it is not a regular file or is over ``limit`` bytes (by default
    ``MAX_CORPUS_BYTES`` for a corpus, ``MAX_TEXT_FILE_BYTES`` for anything else).
    """
    if limit is None:
        limit = MAX_CORPUS_BYTES if what == "corpus" else MAX_TEXT_FILE_BYTES
    return "".join(iter_text(path, what, limit))


def iter_lines(path: str | Path, what: str = "corpus", limit: int = MAX_CORPUS_BYTES
               ) -> Iterator[str]:
    """The file's lines (as :meth:`str.splitlines` splits them) read in bounded chunks.

    A line longer than ``MAX_LINE_CHARS`` (text8 is one 100 MB line) is cut into lines of
    about that length, at the last space before the limit (at the limit if there is none), so
    no more than that is ever held for one line; a word2vec window then stops at the cut as it
    does at a line end (for text8, with a window of 5, about 6 words in 100,000 are affected).
    """
    rest = ""
    for text in iter_text(path, what, limit):
        rest += text
        lines = rest.splitlines(keepends=True)
        rest = lines.pop() if lines and lines[-1][-1] not in _LINE_BREAKS else ""
        yield from lines
        while len(rest) > MAX_LINE_CHARS:
            cut = rest.rfind(" ", 0, MAX_LINE_CHARS)
            cut = cut if cut > 0 else MAX_LINE_CHARS
            yield rest[:cut]
            rest = rest[cut:]
    if rest:
        yield rest


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
    """Read and tokenise a bundled corpus or any UTF-8 text file (see the module docstring).

    The file is read in chunks and each token is stored at once as an int32 id (first-seen
    order, renumbered by frequency at the end), so memory is about 8 bytes a token plus the
    vocabulary, never the text and its word strings; the file may be at most
    :data:`~nnviz.data.limits.MAX_CORPUS_BYTES`.
    """
    path = corpus_path(name_or_path)
    first_seen: dict[str, int] = {}
    seen_id = first_seen.setdefault
    ids = array("i")
    owners = array("i")
    sentences = 0
    for line in iter_lines(path, "corpus", MAX_CORPUS_BYTES):
        tokens = tokenize(line)
        if not tokens:
            continue
        ids.extend([seen_id(word, len(first_seen)) for word in tokens])
        owners.extend(itertools.repeat(sentences, len(tokens)))
        sentences += 1
    if not sentences:
        raise CorpusError(f"corpus file has no words: {path}")
    raw_ids = np.frombuffer(ids, dtype=np.intc)
    counts = np.bincount(raw_ids, minlength=len(first_seen))
    words = list(first_seen)
    kept = sorted((i for i in range(len(words)) if counts[i] >= min_count),
                  key=lambda i: (-counts[i], words[i]))
    if not kept:
        raise CorpusError(
            f"{name_or_path or 'corpus'}: no word occurs at least min_count={min_count} times "
            f"({len(raw_ids)} tokens in all); use a longer text or a smaller minimum count"
        )
    new_id = np.full(len(words), -1, dtype=np.int32)
    new_id[kept] = np.arange(len(kept), dtype=np.int32)
    token_ids = new_id[raw_ids]
    present = token_ids >= 0
    vocabulary = Vocabulary(tuple(words[i] for i in kept), counts[kept].astype(np.int64))
    return Corpus(name_or_path, vocabulary, token_ids[present],
                  np.frombuffer(owners, dtype=np.intc)[present].astype(np.int32),
                  len(raw_ids))


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
