"""Import Keras (and TensorFlow) without the lines TensorFlow prints on its own.

On a CPU machine, ``import tensorflow`` writes lines such as "oneDNN custom
operations are on" and "Could not find cuda drivers on your machine" to
stderr, and its first op "failed call to cuInit". Most are written by C++
before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``, so that variable alone does
not hide them. Importing sktextcnn therefore:

- sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless it is set already (a value the user
  chose is kept, e.g. ``0`` to see everything);
- imports Keras with stderr (file descriptor 2) sent to a temporary file, then
  writes back every line except TensorFlow's own log lines of a severity
  below that level (and absl's "All log messages before
  absl::InitializeLog()" notice). Nothing else is changed: ``TF_ENABLE_ONEDNN_OPTS``
  and the devices TensorFlow uses stay as they are;
- drops TensorFlow's "N out of the last M calls to ... triggered tf.function
  retracing" warning, which every search prints (each fit builds and traces a
  new model, by design), and nothing else of the ``tensorflow`` logger.

Nothing is hidden when Keras was imported before sktextcnn.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile

LOG_LEVEL_VAR = "TF_CPP_MIN_LOG_LEVEL"
DEFAULT_LOG_LEVEL = "3"

_ABSL_NOTICE = (
    b"WARNING: All log messages before absl::InitializeLog() is called are "
    b"written to STDERR"
)
# TensorFlow's C++ log lines: absl's "I0000 00:00:1795986741.406868 3199
# port.cc:153] ..." and TSL's older "2025-09-17 14:44:05.157831: I
# external/.../cudart_stub.cc:32] ...". Group 1 or 2: the severity letter.
_LOG_LINE = re.compile(
    rb"^(?:([IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+:\d+\] "
    rb"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ([IWEF]) [^ \]]+:\d+\] )"
)
_SEVERITY = {b"I": 0, b"W": 1, b"E": 2, b"F": 3}


def min_log_level(environ=os.environ):
    """TensorFlow's minimum C++ log level from ``environ`` (0 when unset or bad)."""
    try:
        return int(environ.get(LOG_LEVEL_VAR, "0"))
    except ValueError:
        return 0


def filter_log_lines(data, min_level):
    """``data`` (bytes) without TensorFlow log lines of severity < ``min_level``."""
    kept = []
    for line in data.splitlines(keepends=True):
        if line.rstrip(b"\r\n") == _ABSL_NOTICE:
            continue
        match = _LOG_LINE.match(line)
        if match and _SEVERITY[match.group(1) or match.group(2)] < min_level:
            continue
        kept.append(line)
    return b"".join(kept)


@contextlib.contextmanager
def filtered_stderr(min_level):
    """Send file descriptor 2 to a temporary file, then write back what passes.

    On an exception everything captured is written back, unfiltered.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable stderr
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            data = capture.read()
            if not failed:
                data = filter_log_lines(data, min_level)
            if data:
                os.write(2, data)


class RetracingFilter(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning only."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def import_keras_quietly():
    """Import Keras as described in the module docstring; return the module."""
    os.environ.setdefault(LOG_LEVEL_VAR, DEFAULT_LOG_LEVEL)
    if "keras" in sys.modules:
        import keras
    else:
        level = min_log_level()
        with filtered_stderr(level) if level > 0 else contextlib.nullcontext():
            import keras
    if keras.backend.backend() == "tensorflow":
        logger = logging.getLogger("tensorflow")
        if not any(isinstance(f, RetracingFilter) for f in logger.filters):
            logger.addFilter(RetracingFilter())
    return keras
