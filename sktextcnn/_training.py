"""Length-bucketed batching, the training loop and batched inference.

Batches are cut to their longest real sequence (plus a small rounding to a
few bucket widths, so TensorFlow retraces only a handful of shapes) instead
of always carrying ``max_length`` columns of padding: most texts are far
shorter than ``max_length``.

The batching policy -- which shapes the model sees -- is the one thing here
that depends on the Keras backend (:func:`few_shapes`): TensorFlow runs one
traced function for inputs of any shape, so fine-grained widths cost nothing
but the work; JAX compiles the model anew for every input shape, so it gets
a handful of widths and row counts, each compiled once.
"""

from __future__ import annotations

import copy
import sys
import time

import keras
import numpy as np

from ._validation import check_callbacks

# Batch widths are rounded up to one of these (then to multiples of 128): steps
# of at most ~20% waste little compute on padding, while a fit sees at most
# ~30 distinct input shapes (each costs a trace and oneDNN kernel set-up). On
# 20 Newsgroups this carries 13% fewer columns than power-of-two-like buckets
# and trains as fast as exact widths.
_BUCKETS = np.array(
    [8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 96, 112, 128, 144, 160, 176, 192,
     224, 256, 288, 320, 352, 384, 448, 512, 576, 640, 704, 768, 896, 1024]
)  # fmt: skip


# The batching policy of backends that compile every input shape (JAX's jit:
# ~1.5 s per training shape, ~0.5 s per inference shape for the default model
# on a 2-core CPU, against ~2 s of training work per 11,000 texts and 100
# columns). Widths: powers of two from 16 to 1024, then multiples of 1024 --
# 7 widths up to 1024, ~27% more columns than _BUCKETS on 20 Newsgroups (401
# vs 317 per text) but 5 compiled widths where _BUCKETS gives ~12-30. Rows:
# a training epoch's batches hold batch_size texts but one, the remainder
# (not padded: Keras' unweighted "accuracy" metric would count padding rows);
# an inference batch is padded with all-padding rows to a power of two (at
# most batch_size), so any number of texts reuses the same compiled shapes.
FEW_SHAPES_BACKENDS = frozenset({"jax"})
_FEW_WIDTHS = 2 ** np.arange(4, 11)  # 16 .. 1024


def few_shapes(backend=None):
    """Whether batches follow the few-shapes policy (the backend compiles per shape).

    Parameters
    ----------
    backend : str or None
        A Keras backend name; None: the one Keras runs on.

    Returns
    -------
    few : bool
        True under JAX (:data:`FEW_SHAPES_BACKENDS`).
    """
    if backend is None:
        backend = keras.backend.backend()
    return backend in FEW_SHAPES_BACKENDS


def bucket_width(width, few=False):
    """Smallest bucket >= width (``few``: of the few-shapes policy)."""
    buckets, step = (_FEW_WIDTHS, 1024) if few else (_BUCKETS, 128)
    if width <= buckets[-1]:
        return int(buckets[np.searchsorted(buckets, width)])
    return int(-(-width // step) * step)


def bucket_rows(n, batch_size):
    """Rows of an inference batch of ``n`` texts under the few-shapes policy.

    The smallest power of two >= ``n``, at most ``batch_size`` (itself
    always >= ``n``): all-padding rows fill the rest.
    """
    return int(min(batch_size, 1 << max(int(n) - 1, 0).bit_length()))


def token_spans(ids):
    """First and one-past-last column holding a real (non-zero) id, per row."""
    real = ids != 0
    any_real = real.any(axis=1)
    first = np.where(any_real, real.argmax(axis=1), 0)
    stop = np.where(any_real, ids.shape[1] - real[:, ::-1].argmax(axis=1), 0)
    return first, stop


def make_batches(lengths, batch_size, rng=None, keys=None):
    """Split sample indices into batches of similar length.

    With ``rng``, samples are shuffled, sorted by length within chunks of 32
    batches, and the batch order is shuffled (the randomness SGD needs, with
    little padding). Without it, all samples are sorted by length, ties by
    ``keys`` (if given; see :func:`row_keys`).
    """
    n = len(lengths)
    if rng is None:
        if keys is None:
            order = np.argsort(lengths, kind="stable")
        else:
            order = np.lexsort((keys, lengths))
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    order = rng.permutation(n)
    chunk = batch_size * 32
    batches = []
    for start in range(0, n, chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(
            part[i : i + batch_size] for i in range(0, len(part), batch_size)
        )
    return [batches[i] for i in rng.permutation(len(batches))]


class BatchMaker:
    """Cut batches of token ids out of a (n_samples, max_length) id array.

    Parameters
    ----------
    ids : ndarray of int32
    trim : bool
        Keep only the columns spanned by the batch's real tokens (exact for
        padding-invariant architectures). Otherwise keep every column.
    min_width : int
        Pad narrower batches with zeros up to this width.
    few : bool or None
        Round widths to the few-shapes policy's buckets (see
        :func:`few_shapes`). None: as the current Keras backend needs.
    """

    def __init__(self, ids, trim, min_width=1, few=None):
        self.ids = ids
        self.trim = trim
        self.min_width = min_width
        self.few = few_shapes() if few is None else bool(few)
        if trim:
            self.first, self.stop = token_spans(ids)
            self.lengths = self.stop - self.first
        else:
            self.lengths = np.full(len(ids), ids.shape[1])

    def __call__(self, idx):
        if not self.trim:
            x = self.ids[idx]
            if x.shape[1] < self.min_width:
                x = np.pad(x, ((0, 0), (0, self.min_width - x.shape[1])))
            return x
        lo, hi = self.first[idx].min(), self.stop[idx].max()
        width = bucket_width(max(hi - lo, self.min_width, 1), self.few)
        x = np.zeros((len(idx), width), dtype=np.int32)
        x[:, : max(hi - lo, 0)] = self.ids[idx, lo:hi]
        return x


def warm_up_inference(model, min_width=1):
    """Trace ``model``'s inference step for inputs of any shape, if not yet done.

    Keras traces ``predict_on_batch`` for the first input shape and, from
    the second one on, once more for any shape (``reduce_retracing``). Two
    tiny all-padding batches of different shapes take both traces out of the
    first real prediction (about 0.3 s on the default model), and every
    prediction then runs the same any-shape function, whether the model was
    just fitted or loaded. Nothing to do under the few-shapes policy: JAX
    compiles each shape on first use, and there are few.
    """
    if model.predict_function is None and not few_shapes():
        for n, width in ((1, min_width), (2, min_width + 1)):
            model.predict_on_batch(np.zeros((n, width), dtype=np.int32))


def row_keys(ids):
    """A key per row that depends on the row's ids only (a multiplicative hash).

    Prediction orders texts of equal length by it, so that the batches, and
    therefore the float32 results to the last bit, do not depend on the order
    in which the texts were given (scikit-learn's sample-order invariance).
    """
    weights = np.random.RandomState(0).randint(1, 2**31, ids.shape[1])
    weights = weights.astype(np.uint64)
    keys = np.empty(len(ids), dtype=np.uint64)
    for start in range(0, len(ids), 4096):  # bounded memory: 4096 rows at a time
        rows = ids[start : start + 4096].astype(np.uint64)
        keys[start : start + 4096] = rows @ weights  # wraps around: a hash
    return keys


def predict_batches(model, batches, batch_size):
    """Run ``model`` on every sample; outputs in the original sample order."""
    warm_up_inference(model, batches.min_width)  # e.g. a model just loaded
    n = len(batches.ids)
    out = None
    keys = row_keys(batches.ids)
    for idx in make_batches(batches.lengths, batch_size, keys=keys):
        x = batches(idx)
        if batches.few:  # all-padding rows up to one of few row counts
            x = np.pad(x, ((0, bucket_rows(len(idx), batch_size) - len(idx)), (0, 0)))
        probs = np.asarray(model.predict_on_batch(x))[: len(idx)]
        if out is None:
            out = np.empty((n, probs.shape[1]), dtype=probs.dtype)
        out[idx] = probs
    return out


def copy_callbacks(callbacks):
    """Fresh deep copies of the user's Keras callbacks for one fit.

    The user's objects are never bound to our model nor changed, so the same
    list can serve several fits, clones and grid-search candidates. A
    callback already bound to some other model (used in a ``Model.fit``
    before) is copied without that model.

    Parameters
    ----------
    callbacks : list of keras.callbacks.Callback or None

    Returns
    -------
    copies : list of keras.callbacks.Callback
    """
    check_callbacks(callbacks)
    copies = []
    for callback in callbacks or ():
        bound = getattr(callback, "model", None)
        memo = {} if bound is None else {id(bound): None}
        copies.append(copy.deepcopy(callback, memo))
    return copies


def validation_logs(loss, outputs, y, weights):
    """``val_loss`` and the validation metrics of a compiled ``loss``.

    Computed in NumPy as Keras computes them for training (the same clipping,
    the per-sample mean over the outputs), averaged with the sample weights.

    Parameters
    ----------
    loss : str
        One of ``_architectures.LOSSES``.
    outputs : ndarray of shape (n_samples, n_outputs)
        The model's outputs.
    y : ndarray
        Class indices of shape (n_samples,) for the sparse categorical
        cross-entropy, else targets of the outputs' shape.
    weights : ndarray of shape (n_samples,)
    """
    if loss == "sparse_categorical_crossentropy":
        p = np.clip(outputs[np.arange(len(y)), y], 1e-7, 1.0)
        logs = {"val_loss": -np.log(p), "val_accuracy": outputs.argmax(1) == y}
    elif loss == "binary_crossentropy":
        p = np.clip(outputs, 1e-7, 1 - 1e-7)
        terms = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        logs = {
            "val_loss": terms.mean(1),
            "val_binary_accuracy": ((outputs > 0.5) == y).mean(1),
        }
    else:
        err = np.abs(outputs - y)
        if loss == "huber":  # delta=1, Keras' default
            terms = np.where(err <= 1.0, 0.5 * err**2, err - 0.5)
        else:
            terms = err**2
        logs = {"val_loss": terms.mean(1)}
    return {k: float(np.average(v, weights=weights)) for k, v in logs.items()}


def fit_loop(
    model, train, y, weights, *, epochs, batch_size, rng, validation=None,
    n_iter_no_change=None, callbacks=(), verbose=0, history=None,
    loss="sparse_categorical_crossentropy",
):  # fmt: skip
    """Train ``model`` with ``train_on_batch`` over length-bucketed batches.

    Parameters
    ----------
    model : compiled keras.Model
    train : BatchMaker
    y : ndarray
        What the model's loss takes: class indices, an indicator matrix or
        standardized targets.
    weights : ndarray of float
        Per-sample weights.
    validation : tuple (BatchMaker, y, weights) or None
        Scored after every epoch (``val_loss`` and the ``val_`` metrics, see
        :func:`validation_logs`).
    n_iter_no_change : int or None
        With ``validation``, stop after this many epochs without a better
        ``val_loss`` and restore the best weights: Keras' ``EarlyStopping``
        (``min_delta=1e-4``, ``restore_best_weights=True``).
    callbacks : list of keras.callbacks.Callback
        Called as ``Model.fit`` calls them (train/epoch/batch begin and end,
        epoch logs with ``loss``, the metrics and the ``val_`` ones); a
        callback setting ``model.stop_training`` ends training after the
        current batch.
    history : dict of lists or None
        Appended to (for ``warm_start``).
    loss : str
        The loss ``model`` was compiled with, for the validation scores.

    Returns
    -------
    history : dict of lists
        Per-epoch ``loss``, the compiled metrics (``accuracy`` or
        ``binary_accuracy``; none for regression) and, with validation,
        ``val_loss`` and the ``val_`` metrics.
    """
    history = {} if history is None else history
    callbacks = list(callbacks)
    if validation is not None and n_iter_no_change is not None:
        # First in the list, so that the best weights are back before the
        # user's callbacks see the end of training.
        callbacks.insert(
            0,
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                mode="min",
                min_delta=1e-4,
                patience=n_iter_no_change,
                restore_best_weights=True,
            ),
        )
    # The params Model.fit gives its callbacks; verbose=1 lets a ProgbarLogger
    # the user adds show itself (our own verbose output is separate).
    n_steps = -(-len(y) // batch_size)
    cbs = keras.callbacks.CallbackList(
        callbacks, model=model, epochs=epochs, steps=n_steps, verbose=1
    )
    model.stop_training = False
    cbs.on_train_begin()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        cbs.on_epoch_begin(epoch)
        sums, seen = {}, 0
        batches = make_batches(train.lengths, batch_size, rng)
        bar = keras.utils.Progbar(len(batches)) if verbose >= 2 else None
        for step, idx in enumerate(batches):
            cbs.on_train_batch_begin(step)
            # Each batch's own loss and metrics: recent Keras resets them in
            # train_on_batch, Keras 3.3 reports running means since the
            # model was built (so a model resumed from a pickle would log
            # other numbers than one trained without a break).
            model.reset_metrics()
            batch_logs = model.train_on_batch(
                train(idx), y[idx], sample_weight=weights[idx], return_dict=True
            )
            batch_logs = {k: float(v) for k, v in batch_logs.items()}
            for key, value in batch_logs.items():
                sums[key] = sums.get(key, 0.0) + value * len(idx)
            seen += len(idx)
            cbs.on_train_batch_end(step, batch_logs)
            if bar is not None:
                bar.update(step + 1, [(k, sums[k] / seen) for k in sums])
            if model.stop_training:  # e.g. TerminateOnNaN, as in Model.fit
                break
        logs = {key: value / seen for key, value in sums.items()}
        if not np.isfinite(logs.get("loss", 0.0)):
            raise FloatingPointError(
                f"Training diverged at epoch {epoch + 1} (loss is {logs['loss']}); "
                "lower learning_rate."
            )
        if validation is not None:
            val, y_val, w_val = validation
            outputs = predict_batches(model, val, batch_size)
            logs.update(validation_logs(loss, outputs, y_val, w_val))
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        if verbose:
            text = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(
                f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - t0:.1f}s"
                f" - {text}",
                file=sys.stderr,
            )
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end()
    # Drop the traced training step (rebuilt on demand, e.g. by warm_start): it
    # is most of a small model's memory, and a search's discarded models only
    # give it back when Python's cyclic garbage collector gets to them. Inference
    # is traced afresh for any shape, exactly as for a model loaded from a
    # pickle or a save file: identical probabilities either way (functions
    # traced for other shapes can differ in the last float bits). Under the
    # few-shapes policy (JAX) the inference step compiled for the validation
    # batches is kept: one compiled program per shape, as a loaded model's.
    model.train_function = None
    if not few_shapes():
        model.predict_function = None
    # Trace inference now, so that predictions need no tracing of their own.
    warm_up_inference(model, train.min_width)
    return history


# -- undoing a failed fit --------------------------------------------------------


def variable_values(model):
    """Values of the model's variables (weights, dropout seed) and optimizer's."""
    return (
        [v.numpy() for v in model.variables],
        [v.numpy() for v in model.optimizer.variables],
    )


def restore_variable_values(model, values):
    """Undo training: put back what :func:`variable_values` returned."""
    model_values, optimizer_values = values
    for variable, value in zip(model.variables, model_values, strict=True):
        variable.assign(value)
    # An optimizer built during the failed fit has new slots: nothing to restore.
    if len(model.optimizer.variables) == len(optimizer_values):
        for variable, value in zip(model.optimizer.variables, optimizer_values):
            variable.assign(value)
