"""Reference tokenizer of an exported sktextcnn model: texts -> padded token ids.

:func:`sktextcnn.export` copies this file into every export directory as
``reference_tokenizer.py``, next to ``tokenizer.json``. It needs only the
Python standard library (no NumPy, TensorFlow or sktextcnn), and it gives the
ids of the fitted ``GloveVectorizer`` exactly: it is the executable form of
the ``tokenizer.json`` specification, for serving code in Python and as the
reference to test a port to another language against.

The rule, one text at a time (every setting read from ``tokenizer.json``):

1. Bytes are decoded with ``encoding`` and ``decode_error`` (Python's
   ``bytes.decode``).
2. With ``lowercase``, the text is lowercased with Python's ``str.lower``
   (Unicode full case mapping).
3. The tokens are the non-overlapping matches of ``token_pattern``, a Python
   ``re`` regular expression on ``str`` (Unicode: ``\\w``, ``\\d``, ``\\b``
   follow Unicode categories), left to right, as ``re.findall`` returns them:
   with one capturing group, the group's text.
4. Each token becomes ``vocabulary[token]``. A token outside the vocabulary
   is dropped when ``unknown_tokens`` is ``"drop"`` and becomes ``oov_id``
   when it is ``"oov_id"``. Dropping happens before truncation.
5. More than ``max_length`` ids: keep the first ``max_length`` when
   ``truncating`` is ``"post"``, the last ``max_length`` when ``"pre"``.
6. Fewer: add ``pad_id`` (0) before the ids (``padding="pre"``) or after
   them (``"post"``) up to ``max_length``.
7. A row narrower than ``min_length`` gets ``pad_id`` on its right up to
   ``min_length`` (only when ``max_length < min_length``: the "seed"
   architecture's stacked convolutions need a minimum input length).

The model takes a rectangular batch of such rows (int32, any batch size and
any length). When ``padding_invariant`` is true ("kim" and "bow"
architectures), padding never changes a text's probabilities, so a batch may
be cut to its longest text (at least ``min_length`` columns, and at least
one); that is much faster for short texts and is what :meth:`Tokenizer.encode`
does by default. Otherwise every row must be exactly as steps 1-7 make it.

Command line: ``python reference_tokenizer.py EXPORT_DIR < texts.json``
reads a JSON list of texts and prints the JSON list of their id rows.
"""

import json
import os
import re
import sys

FORMAT = "sktextcnn-export"
FORMAT_VERSION = 1
UNKNOWN_TOKENS = ("drop", "oov_id")
SIDES = ("pre", "post")


class Tokenizer:
    """Texts -> token ids, as the exported pipeline's ``GloveVectorizer``.

    Parameters
    ----------
    spec : dict
        The content of ``tokenizer.json``.
    """

    def __init__(self, spec):
        if not isinstance(spec, dict) or spec.get("format") != FORMAT:
            raise ValueError(f"not a tokenizer.json of {FORMAT!r}")
        if spec.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"tokenizer.json format_version {spec.get('format_version')!r}; "
                f"this reference tokenizer reads version {FORMAT_VERSION}"
            )
        self.spec = spec
        self.classes = list(spec["classes"])
        self.vocabulary = spec["vocabulary"]
        self.lowercase = bool(spec["lowercase"])
        self.encoding = spec["encoding"]
        self.decode_error = spec["decode_error"]
        self.pad_id = int(spec["pad_id"])
        self.max_length = int(spec["max_length"])
        self.min_length = int(spec["min_length"])
        self.padding_invariant = bool(spec["padding_invariant"])
        self.padding = spec["padding"]
        self.truncating = spec["truncating"]
        unknown = spec["unknown_tokens"]
        if unknown not in UNKNOWN_TOKENS:
            raise ValueError(f"unknown_tokens must be one of {UNKNOWN_TOKENS}")
        if self.padding not in SIDES or self.truncating not in SIDES:
            raise ValueError(f"padding and truncating must be one of {SIDES}")
        self.oov_id = int(spec["oov_id"]) if unknown == "oov_id" else None
        self._findall = re.compile(spec["token_pattern"]).findall

    @classmethod
    def from_directory(cls, path):
        """Read ``tokenizer.json`` from an export directory."""
        with open(os.path.join(path, "tokenizer.json"), encoding="utf-8") as f:
            return cls(json.load(f))

    def tokens(self, text):
        """Steps 1-3: the tokens of one text (str or bytes)."""
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode(self.encoding, self.decode_error)
        if not isinstance(text, str):
            raise TypeError(f"a text must be str or bytes, not {type(text).__name__}")
        return self._findall(text.lower() if self.lowercase else text)

    def ids(self, text):
        """Steps 1-5: the ids of one text, truncated, without padding."""
        get, oov = self.vocabulary.get, self.oov_id
        ids = [get(token, oov) for token in self.tokens(text)]
        if oov is None:
            ids = [i for i in ids if i is not None]
        if len(ids) > self.max_length:
            if self.truncating == "post":
                ids = ids[: self.max_length]
            else:
                ids = ids[len(ids) - self.max_length :]
        return ids

    def pad(self, ids, width):
        """Step 6 for a row of ``width`` columns."""
        fill = [self.pad_id] * (width - len(ids))
        return fill + ids if self.padding == "pre" else ids + fill

    def encode(self, texts, trim=None):
        """The model's input for ``texts``: a list of equally long id rows.

        Parameters
        ----------
        texts : list of str or bytes
        trim : bool or None
            Cut the batch to its longest text (at least ``min_length``
            columns). None: when the model is padding invariant. Trimming a
            model that is not is an error.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be a list of texts, not one text")
        return self.batch([self.ids(text) for text in texts], trim)

    def batch(self, id_lists, trim=None):
        """Steps 6-7 for the outputs of :meth:`ids`: see :meth:`encode`."""
        if trim is None:
            trim = self.padding_invariant
        if trim and not self.padding_invariant:
            raise ValueError("this model is not padding invariant: trim=False")
        if trim:
            width = max([self.min_length, 1, *map(len, id_lists)])
            return [self.pad(ids, width) for ids in id_lists]
        extra = [self.pad_id] * max(self.min_length - self.max_length, 0)
        return [self.pad(ids, self.max_length) + extra for ids in id_lists]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python reference_tokenizer.py EXPORT_DIR < texts.json")
    tokenizer = Tokenizer.from_directory(argv[0])
    json.dump(tokenizer.encode(json.load(sys.stdin), trim=False), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
