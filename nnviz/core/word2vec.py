"""word2vec in NumPy: skip-gram and CBOW, each with the full softmax or negative sampling.

Two matrices of V × d word vectors are learned: ``input_vectors`` (v_w, what is usually called
"the embedding") and ``output_vectors`` (u_w). A training example is a set of input words and a
target word. Skip-gram predicts a context word from the centre word (one input); CBOW predicts
the centre word from the mean of its context words (cbow_mean, as gensim's default):

    h = mean of v_i over the inputs i
    full softmax:        L = −log softmax(U h)_t = −u_t·h + log Σ_w exp(u_w·h)
    negative sampling:   L = −log σ(u_t·h) − Σ_{n ∈ N} log σ(−u_n·h),

with the k negatives N drawn from the unigram distribution raised to 3/4. A mini-batch of
examples is processed at once and every example's gradient is applied in full (plain SGD on
the summed loss, so the learning rate means what it means in word2vec and gensim). Rows that
repeat in a batch (frequent words) accumulate exactly: each matrix's gradient is one sparse
matrix product (:class:`RowSums`; :func:`selection_matrix` for CBOW's inputs), much faster
than ``np.add.at``; fancy-index ``+=`` would drop the repeats. For a vocabulary small beside
the batch the product runs over all V rows and the update is one contiguous add; for a large
one over the batch's U distinct words only, so a step costs O(B·d) however large the
vocabulary (a 100,000-word vocabulary does not cost two V × d gradients a step).
``benchmarks/bench_word2vec.py`` times a step against gensim's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where used: the app starts without scipy's 0.2 s
    import scipy.sparse

METHODS = ("skipgram", "cbow")
OBJECTIVES = ("negative", "softmax")

Array = np.ndarray
#: a gradient kept for the rows it touches: (distinct word ids or ``slice(None)``, one row each)
RowGradient = tuple[Array | slice, Array]


def _distinct_rows(ids: Array) -> tuple[Array, Array]:
    """(the distinct ids ≥ 0, sorted; ``ids`` renumbered as positions among them, −1 kept).

    Renumbered ids index a U × d block of rows instead of all V rows.
    """
    ids = np.asarray(ids)
    valid = ids >= 0
    rows, positions = np.unique(ids[valid], return_inverse=True)
    local = np.full(ids.shape, -1, dtype=np.int32)
    local[valid] = positions.reshape(-1)
    return rows, local


#: a batch's gradient is summed over all V rows (no renumbering, one contiguous update) when
#: the vocabulary has at most this many words per term of the batch; else over its words
#: (measured: summing over all rows is the faster up to 5–8 words a term)
DENSE_ROWS_PER_TERM = 6


class RowSums:
    """Sums a batch's terms into the rows of a V-word matrix: for each word r,
    Σ weights[b, j] · sources[b] over the terms (b, j) with ids[b, j] = r.

    One sparse product: the terms as a V × B matrix in compressed columns (one column per
    example), whose kernel adds weights[b, j] · sources[b] to row r example by example, so a
    word that repeats in the batch (a frequent word, a negative drawn twice) sums every term
    exactly and in batch order; ``np.add.at`` does the same 10–50× slower and fancy-index
    ``+=`` keeps one term. The rows are all V for a vocabulary small beside the batch
    (``DENSE_ROWS_PER_TERM``: the caller's update is then one contiguous add), else only the
    batch's distinct words (:func:`number_rows`), so that a step costs O(B·d) however large
    V is. The V × B matrix is made once and its three arrays replaced at each step: scipy
    checks a new matrix in Python, which at B = 512 costs as much as the product.
    """

    def __init__(self, vocabulary_size: int) -> None:
        self.vocabulary_size = vocabulary_size
        self._row_numbers = np.zeros(vocabulary_size, dtype=np.int32)  # number_rows' scratch
        self._all_rows: scipy.sparse.csc_matrix | None = None

    def __call__(self, ids: Array, weights: Array, sources: Array) -> RowGradient:
        """``ids`` (B, m) word ids ≥ 0, ``weights`` (B, m), ``sources`` (B, d): (the rows,
        their sums), the rows ``slice(None)`` (all V) or the distinct words."""
        import scipy.sparse

        batch, width = ids.shape
        pointers = np.arange(0, ids.size + 1, width, dtype=np.int32)
        ids, weights = ids.reshape(-1), weights.reshape(-1)
        if self.vocabulary_size > DENSE_ROWS_PER_TERM * ids.size:
            rows, local = number_rows(ids, self._row_numbers)
            terms = scipy.sparse.csc_matrix((weights, local, pointers),
                                            shape=(len(rows), batch))
            return rows, terms @ sources
        ids = ids.astype(np.int32, copy=False)  # the kernel takes one index type
        terms = self._all_rows
        if terms is None or terms.shape[1] != batch:
            terms = self._all_rows = scipy.sparse.csc_matrix(
                (weights, ids, pointers), shape=(self.vocabulary_size, batch))
        else:
            terms.data, terms.indices, terms.indptr = weights, ids, pointers
        return slice(None), terms @ sources


def number_rows(ids: Array, row_numbers: Array) -> tuple[Array, Array]:
    """(the distinct words of ``ids``, each id's position among them), in O(n) with no sort.

    Every word's slot in the scratch table ``row_numbers`` is written with the index of one
    of its occurrences (which one, when a word repeats, NumPy leaves open; any one will do).
    The occurrence whose index reads back is its word's representative; the representatives,
    counted in order, number the words. ``np.unique`` gives the same numbering sorted, at
    5–10× the cost.
    """
    occurrence = np.arange(len(ids), dtype=np.int32)
    row_numbers[ids] = occurrence
    representative = row_numbers[ids]
    is_first = representative == occurrence
    number = np.cumsum(is_first, dtype=np.int32)
    number -= 1
    return ids[is_first], number[representative]


def selection_matrix(inputs: Array, vocabulary_size: int,
                     dtype: np.dtype | type) -> scipy.sparse.csr_matrix:
    """The B × V matrix A with h = A · input_vectors: row b averages example b's input words.

    ``inputs`` is (B, m) word ids, −1 for padding; each valid id gets weight 1/(its row's
    count). Aᵀ · (dL/dh) is then the exact gradient for the input vectors, repeated words
    accumulating, in one sparse product. The weights are stored in ``dtype``, the model's:
    1/3 in float32 is off by 3·10⁻⁸, which would make a float64 CBOW only float32-accurate.
    """
    import scipy.sparse

    if inputs.shape[1] == 1:
        rows = inputs.shape[0]
        return scipy.sparse.csr_matrix(
            (np.ones(rows, dtype=dtype), inputs[:, 0], np.arange(rows + 1)),
            shape=(rows, vocabulary_size))
    valid = inputs >= 0
    count = valid.sum(axis=1)
    weights = np.repeat(1.0 / np.maximum(count, 1), count).astype(dtype)
    pointers = np.concatenate([[0], np.cumsum(count)])
    return scipy.sparse.csr_matrix((weights, inputs[valid], pointers),
                                   shape=(inputs.shape[0], vocabulary_size))


def keep_probabilities(counts: Array, sample: float) -> Array:
    """Probability of keeping each occurrence of a word when subsampling frequent words.

    word2vec's rule (as gensim): with f the word's share of the corpus and s = ``sample``,
    P(keep) = min(1, (√(f/s) + 1) · s/f). ``sample`` = 0 keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    frequency = counts / counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(frequency / sample) + 1.0) * sample / frequency
    return np.minimum(keep, 1.0)


class NegativeSampler:
    """Draws negative words from P(w) ∝ count(w)^power (power 3/4 as in word2vec).

    Walker's alias method: exact probabilities, O(1) per draw (a uniform column, then a biased
    coin between the column's word and its alias). One uniform u ∈ [0, 1) gives both: the
    column is ⌊u·V⌋ and the coin the fraction u·V − ⌊u·V⌋, which is uniform on [0, 1) to
    2⁻⁵³·V; one float draw is 5–10× cheaper than a bounded integer draw.
    """

    def __init__(self, counts: Array, power: float = 0.75) -> None:
        weights = np.asarray(counts, dtype=np.float64) ** power
        self.probabilities = weights / weights.sum()
        size = len(weights)
        scaled = self.probabilities * size
        self.threshold = np.ones(size)
        self.alias = np.arange(size, dtype=np.int32)
        small = [i for i in range(size) if scaled[i] < 1.0]
        large = [i for i in range(size) if scaled[i] >= 1.0]
        while small and large:
            low, high = small.pop(), large.pop()
            self.threshold[low], self.alias[low] = scaled[low], high
            scaled[high] -= 1.0 - scaled[low]
            (small if scaled[high] < 1.0 else large).append(high)

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
        scaled = rng.random(shape)
        scaled *= len(self.alias)
        column = scaled.astype(np.int32)  # ⌊u·V⌋ ≤ V − 1: u·V rounds below V for u < 1
        scaled -= column  # the coin
        return np.where(scaled < self.threshold.take(column), column, self.alias.take(column))


def context_windows(tokens: Array, sentence_ids: Array, window: int,
                    rng: np.random.Generator | None = None) -> tuple[Array, Array]:
    """Every position's context words: (centres (n,), contexts (n, 2·window), −1 = none).

    Contexts stay inside the position's sentence. With ``rng`` the window shrinks at random
    per centre to b ∈ {1 … window} (word2vec's "dynamic window": near words count more).
    """
    tokens = np.asarray(tokens)
    n = len(tokens)
    reach = (rng.integers(1, window + 1, n) if rng is not None
             else np.full(n, window))
    return tokens.astype(np.int32), windows_of(tokens, sentence_ids, reach, window)


def windows_of(tokens: Array, sentence_ids: Array, reach: Array, window: int) -> Array:
    """The (n, 2·window) context words of every position, −1 = none: the words at distance
    1 … ``reach`` of the position (a per-position array) on either side, in its sentence."""
    n = len(tokens)
    contexts = np.full((n, 2 * window), -1, dtype=np.int32)
    for offset in range(1, window + 1):
        if offset >= n:
            break
        near = reach[:-offset] >= offset
        same = sentence_ids[:-offset] == sentence_ids[offset:]
        after = near & same
        contexts[:-offset, window + offset - 1] = np.where(after, tokens[offset:], -1)
        near_before = reach[offset:] >= offset
        contexts[offset:, window - offset] = np.where(near_before & same, tokens[:-offset], -1)
    return contexts


def skipgram_pairs(centres: Array, contexts: Array) -> tuple[Array, Array]:
    """Flatten windows into skip-gram examples: (input = centre word, target = context word)."""
    found = np.flatnonzero(contexts >= 0)  # found once, then gathered: 3× boolean masks' speed
    return centres.take(found // contexts.shape[1]).reshape(-1, 1), contexts.take(found)


def cbow_examples(centres: Array, contexts: Array) -> tuple[Array, Array]:
    """CBOW examples: (inputs = the context words, −1 padded; target = centre word)."""
    keep = (contexts >= 0).any(axis=1)
    return contexts[keep], centres[keep]


def _sigmoid(x: Array) -> Array:
    """σ(x) = 1/(1 + e^(−x)) = (1 + tanh(x/2))/2: no overflow for any x; one buffer, in place."""
    out = np.multiply(x, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _softplus(x: Array) -> Array:
    """softplus(x) = log(1 + eˣ) = −log σ(−x), computed as max(x, 0) + log1p(e^(−|x|)).

    Exact to rounding for every x: no overflow, and no log of a σ that has rounded to 0 (the
    naive −log σ(−x) saturates near 69 once σ underflows, although the loss is ≈ x).
    """
    out = np.abs(x)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)
    return out


class Word2Vec:
    """The two embedding matrices and the loss of one objective, with its exact gradient.

    Initialisation follows word2vec: v ~ U(−0.5/d, 0.5/d), u = 0.
    """

    def __init__(self, vocabulary_size: int, dimension: int = 50, *, method: str = "skipgram",
                 objective: str = "negative", negatives: int = 5, seed: int = 0,
                 dtype: np.dtype | type = np.float32) -> None:
        if method not in METHODS:
            raise ValueError(f"method={method!r}; accepted: {', '.join(METHODS)}")
        if objective not in OBJECTIVES:
            raise ValueError(f"objective={objective!r}; accepted: {', '.join(OBJECTIVES)}")
        rng = np.random.default_rng(seed)
        self.method, self.objective, self.negatives = method, objective, negatives
        self.input_vectors = ((rng.random((vocabulary_size, dimension)) - 0.5)
                              / dimension).astype(dtype)
        self.output_vectors = np.zeros((vocabulary_size, dimension), dtype=dtype)
        self._row_sums = RowSums(vocabulary_size)

    @property
    def vocabulary_size(self) -> int:
        return self.input_vectors.shape[0]

    @property
    def dimension(self) -> int:
        return self.input_vectors.shape[1]

    def loss_and_gradients(self, inputs: Array, targets: Array,
                           negatives: Array | None = None) -> tuple[float, Array, Array]:
        """Summed loss over the batch, dL/d input_vectors and dL/d output_vectors (V × d).

        ``inputs`` is (B, m) word ids (m = 1 for skip-gram; CBOW windows padded with −1),
        ``targets`` (B,), and for negative sampling ``negatives`` is (B, k). A negative equal
        to its target is ignored, as gensim does.
        """
        loss, (in_rows, grad_in), (out_rows, grad_out) = self._loss_and_row_gradients(
            inputs, targets, negatives, 1.0)
        return loss, self._dense(in_rows, grad_in), self._dense(out_rows, grad_out)

    def _dense(self, rows: Array | slice, values: Array) -> Array:
        """The V × d matrix that is ``values`` at ``rows`` and zero elsewhere."""
        dense = np.zeros_like(self.input_vectors)
        dense[rows] = values
        return dense

    def _loss_and_row_gradients(self, inputs: Array, targets: Array,
                                negatives: Array | None, scale: float
                                ) -> tuple[float, RowGradient, RowGradient]:
        """The summed loss and ``scale`` × its gradients, each for the rows it touches only.

        Each gradient is one sparse product (:class:`RowSums`; CBOW's inputs through
        :func:`selection_matrix`) in which every touched row sums its terms in batch order,
        exactly as the same product over all V rows does.
        """
        inputs = np.asarray(inputs).reshape(len(targets), -1)
        targets = np.asarray(targets)
        dtype = self.input_vectors.dtype
        scale = dtype.type(scale)  # a NumPy float64 rate must not promote a float32 model
        if inputs.shape[1] == 1:
            h = np.take(self.input_vectors, inputs[:, 0], axis=0)
        else:
            in_rows, local_inputs = _distinct_rows(inputs)
            selection = selection_matrix(local_inputs, len(in_rows), dtype)
            h = np.asarray(selection @ self.input_vectors[in_rows], dtype=dtype)
        out_rows: Array | slice
        if self.objective == "softmax":
            loss, error, grad_h = self._softmax(h, targets)
            out_rows, grad_out = slice(None), (error * scale).T @ h
        else:
            if negatives is None:
                raise ValueError("negative sampling needs the negatives (B × k word ids)")
            loss, error, grad_h, words = self._negative(h, targets, negatives)
            error *= scale
            out_rows, grad_out = self._row_sums(words, error, h)
        grad_h *= scale
        if inputs.shape[1] == 1:
            in_rows, grad_in = self._row_sums(inputs, np.ones(len(targets), dtype=dtype),
                                              grad_h)
        else:
            grad_in = np.asarray(selection.T @ grad_h)
        return loss, (in_rows, grad_in), (out_rows, grad_out)

    def _softmax(self, h: Array, targets: Array) -> tuple[float, Array, Array]:
        """L = Σ_b log Σ_w exp(s_bw) − s_bt, the log-sum-exp taken after subtracting each row's
        max score m (log Σ exp(s) = m + log Σ exp(s − m)), so no exp overflows or underflows
        to a zero sum; dL/ds = softmax(s) − one-hot(t)."""
        scores = h @ self.output_vectors.T
        scores -= scores.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scores).sum(axis=1))
        picked = scores[np.arange(len(targets)), targets]
        loss = float((log_norm - picked).sum())
        error = np.exp(scores - log_norm[:, None])  # softmax − one-hot = dL/dscores
        error[np.arange(len(targets)), targets] -= 1.0
        return loss, error, error @ self.output_vectors

    def _negative(self, h: Array, targets: Array, negatives: Array):
        """L = Σ_b −log σ(s_bt) − Σ_{n used} log σ(−s_bn), with −log σ(s) = softplus(−s) and
        −log σ(−s) = softplus(s) computed stably (:func:`_softplus`): a score of −40 costs 40,
        not the ~69 of log(max(σ, 1e−30)). dL/ds = σ(s) − 1 for the target, σ(s) for a used
        negative (one that is not the target itself), 0 otherwise."""
        words = np.concatenate([targets[:, None], negatives], axis=1)
        vectors = np.take(self.output_vectors, words, axis=0)  # B × (k+1) × d
        scores = np.matmul(vectors, h[:, :, None])[:, :, 0]
        # 1 for the target and each used negative, 0 for a negative that is the target; whole
        # B × (k+1) rows, as NumPy is slow on the narrow strided slice [:, 1:]
        used = words != targets[:, None]
        used[:, 0] = True
        error = _sigmoid(scores)
        error[:, 0] -= 1.0
        error *= used
        scores[:, 0] *= -1.0  # the target's term is softplus(−s), a negative's softplus(s)
        terms = _softplus(scores)
        terms *= used
        loss = float(terms.sum())
        grad_h = np.matmul(error[:, None, :], vectors)[:, 0, :]
        return loss, error, grad_h, words

    def train_batch(self, inputs: Array, targets: Array, learning_rate: float,
                    sampler: NegativeSampler | None = None,
                    rng: np.random.Generator | None = None) -> float:
        """One SGD step on the summed loss (every example counts in full); mean loss back."""
        negatives = None
        if self.objective == "negative":
            if sampler is None or rng is None:
                raise ValueError("negative sampling needs a sampler and a random generator")
            negatives = sampler.draw(rng, (len(targets), self.negatives))
        loss, (in_rows, step_in), (out_rows, step_out) = self._loss_and_row_gradients(
            inputs, targets, negatives, -learning_rate)
        self.input_vectors[in_rows] += step_in  # distinct rows: no update is lost
        self.output_vectors[out_rows] += step_out
        return loss / max(len(targets), 1)

    def copy_params(self) -> tuple[Array, Array]:
        return self.input_vectors.copy(), self.output_vectors.copy()

    def set_params(self, params: tuple[Array, Array]) -> None:
        self.input_vectors[...] = params[0]
        self.output_vectors[...] = params[1]


def linear_rate(start: float, end: float, progress: float) -> float:
    """word2vec's learning-rate decay: linear from ``start`` to ``end`` as progress goes 0 → 1."""
    return start - (start - end) * min(max(progress, 0.0), 1.0)


#: centre positions whose windows are formed at once when an epoch's examples are built
EXAMPLE_BLOCK = 2**18


def epoch_examples(tokens: Array, sentence_ids: Array, reach: Array, window: int,
                   method: str) -> Array:
    """One epoch's examples in corpus order, one row each: the inputs, then the target.

    Skip-gram rows are (centre, context word); CBOW rows are the 2·window context words (−1
    padded) and the centre. The same rows as :func:`skipgram_pairs` / :func:`cbow_examples`
    of :func:`windows_of` give, but formed ``EXAMPLE_BLOCK`` centres at a time into an array
    sized by a first counting pass: the n × 2w window table is never held whole (at window 20
    it is 160 bytes a token) and the examples exist once, not as pieces and their copy. A
    corpus of one block needs no counting pass: its windows are formed once.
    """
    width = 2 if method == "skipgram" else 2 * window + 1
    if 0 < len(tokens) <= EXAMPLE_BLOCK:  # one block: no counting pass, windows formed once
        inputs, targets = next(_example_blocks(tokens, sentence_ids, reach, window, method,
                                               pairs=True))
        examples = np.empty((len(targets), width), dtype=np.int32)
        examples[:, :-1], examples[:, -1] = inputs, targets
        return examples
    blocks = list(_example_blocks(tokens, sentence_ids, reach, window, method))
    examples = np.empty((sum(blocks), width), dtype=np.int32)
    row = 0
    for (inputs, targets), size in zip(
            _example_blocks(tokens, sentence_ids, reach, window, method, pairs=True), blocks,
            strict=True):
        examples[row:row + size, :-1], examples[row:row + size, -1] = inputs, targets
        row += size
    return examples


def _example_blocks(tokens: Array, sentence_ids: Array, reach: Array, window: int,
                    method: str, *, pairs: bool = False) -> Iterator:
    """Each block's number of examples, or with ``pairs`` its (inputs, targets)."""
    n = len(tokens)
    for start in range(0, n, EXAMPLE_BLOCK):
        stop = min(start + EXAMPLE_BLOCK, n)
        low, high = max(start - window, 0), min(stop + window, n)
        contexts = windows_of(tokens[low:high], sentence_ids[low:high], reach[low:high],
                              window)[start - low:stop - low]
        if not pairs:
            valid = contexts >= 0
            yield int(valid.sum() if method == "skipgram" else valid.any(axis=1).sum())
            continue
        centres = tokens[start:stop].astype(np.int32)
        yield (skipgram_pairs(centres, contexts) if method == "skipgram"
               else cbow_examples(centres, contexts))


def shuffle_rows(rows: Array, rng: np.random.Generator) -> None:
    """Shuffle the rows in place, in the order ``rows[rng.permutation(len(rows))]`` gives
    (NumPy's shuffle and permutation make the same swaps), without the permutation's 8 bytes
    a row or a shuffled copy. A row of two int32 is shuffled as one int64 (NumPy's fast path).
    """
    if rows.shape[1] * rows.itemsize == 8 and rows.flags.c_contiguous:
        rng.shuffle(rows.view(np.int64).reshape(-1))
    else:
        rng.shuffle(rows)


class ExampleStream:
    """Mini-batches of training examples, epoch after epoch, as word2vec forms them.

    Each epoch subsamples frequent words anew (:func:`keep_probabilities`), draws the dynamic
    windows, builds the examples of ``method`` and shuffles them; ``next_batch`` reads them in
    order. ``progress`` counts epochs fractionally (for the learning-rate decay).
    """

    def __init__(self, token_ids: Array, sentence_ids: Array, counts: Array, *, method: str,
                 window: int, sample: float, batch_size: int, seed: int = 0) -> None:
        self.token_ids, self.sentence_ids = token_ids, sentence_ids
        self.method, self.window, self.batch_size = method, window, batch_size
        #: P(keep) of each vocabulary word (looked up per token each epoch, not stored per token)
        self.keep_by_word = keep_probabilities(counts, sample)
        self.rng = np.random.default_rng([seed, 2])
        self.epochs_done = 0
        self._cursor = 0
        self._inputs: Array = np.empty((0, 1), dtype=np.int32)
        self._targets: Array = np.empty(0, dtype=np.int32)

    def _new_epoch(self) -> None:
        """Form the next epoch's examples, the last epoch's let go first (never two at once,
        unless a checkpoint still holds the last one)."""
        self._inputs = np.empty((0, self._inputs.shape[1]), dtype=np.int32)
        self._targets = np.empty(0, dtype=np.int32)
        rng = self.rng
        kept = np.flatnonzero(rng.random(len(self.token_ids))
                              < self.keep_by_word[self.token_ids])  # take: 8× a boolean mask
        tokens, sentences = self.token_ids.take(kept), self.sentence_ids.take(kept)
        del kept
        reach = rng.integers(1, self.window + 1, len(tokens))
        examples = epoch_examples(tokens, sentences, reach, self.window, self.method)
        del tokens, sentences, reach
        shuffle_rows(examples, rng)
        self._inputs, self._targets = examples[:, :-1], examples[:, -1]
        self._cursor = 0

    @property
    def examples_per_epoch(self) -> int:
        return max(len(self._targets), 1)

    @property
    def progress(self) -> float:
        return self.epochs_done + self._cursor / self.examples_per_epoch

    def peek_batch(self) -> tuple[Array, Array]:
        """The batch ``next_batch`` will return, without moving on."""
        if self._cursor >= len(self._targets):
            self._advance_epoch()
        stop = min(self._cursor + self.batch_size, len(self._targets))
        return self._inputs[self._cursor:stop], self._targets[self._cursor:stop]

    def _advance_epoch(self) -> None:
        if len(self._targets):
            self.epochs_done += 1
        self._new_epoch()
        if not len(self._targets):
            raise ValueError("the corpus gives no training examples: every sentence has "
                             "a single word after subsampling; use more text")

    def next_batch(self) -> tuple[Array, Array]:
        if self._cursor >= len(self._targets):
            self._advance_epoch()
        stop = min(self._cursor + self.batch_size, len(self._targets))
        batch = self._inputs[self._cursor:stop], self._targets[self._cursor:stop]
        self._cursor = stop
        if stop >= len(self._targets):
            batch = batch[0].copy(), batch[1].copy()  # not a view keeping the epoch alive
            self.epochs_done += 1
            self._new_epoch()
        return batch

    def state(self) -> dict:
        return {"epochs_done": self.epochs_done, "cursor": self._cursor,
                "inputs": self._inputs, "targets": self._targets,
                "rng": self.rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        self.epochs_done, self._cursor = state["epochs_done"], state["cursor"]
        self._inputs, self._targets = state["inputs"], state["targets"]
        self.rng.bit_generator.state = state["rng"]
