"""A minimal HTTP prediction service for a model written by ``sktextcnn.export``.

It needs onnxruntime and NumPy only -- no TensorFlow, scikit-learn or
sktextcnn: the export directory brings its own ``reference_tokenizer.py``
(standard library only) and ``tokenizer.json``.

    pip install onnxruntime
    python examples/serve.py EXPORT_DIR --port 8000
    curl -s localhost:8000/predict -d '{"texts": ["The launch was delayed."]}'

``POST /predict`` with ``{"texts": ["...", ...]}`` answers
``{"classes": [...], "labels": [...], "probabilities": [[...], ...]}``: the most
probable class of each text and the probability of every class (the columns
follow ``classes``). ``GET /health`` answers ``{"status": "ok"}``. Errors are
JSON too, ``{"error": "..."}``: 400 (not JSON, not ``{"texts": [str, ...]}``),
404, 405, 408 (a body slower than 60 s), 411 (no Content-Length), 413 (more
than ``--max-texts`` texts or ``--max-bytes`` bytes; split the request), 500 (a
bug: the server goes on).

Texts are tokenized by the export's reference tokenizer and run in batches of
``--batch-size`` texts of similar length, each cut to its longest text when
the model allows it ("kim" and "bow": padding never changes their output).
This is the standard library's threaded HTTP server: put it behind a reverse
proxy (TLS, authentication, rate limits) before exposing it beyond localhost.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import onnxruntime


class Predictor:
    """Texts -> probabilities with an exported ONNX model and its tokenizer."""

    def __init__(self, directory, batch_size=64, threads=0):
        directory = Path(directory)
        spec = importlib.util.spec_from_file_location(
            "reference_tokenizer", directory / "reference_tokenizer.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.tokenizer = module.Tokenizer.from_directory(directory)
        model = self.tokenizer.spec["model"]
        if model["format"] != "onnx":
            raise SystemExit(
                f"{directory} holds a {model['format']!r} model; this example serves "
                "ONNX exports (for a SavedModel, use TensorFlow Serving with "
                f"--model_base_path={directory / 'saved_model'})."
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(
            str(directory / model["path"]), options, providers=["CPUExecutionProvider"]
        )
        self.input, self.output = model["input"], model["output"]
        self.classes = self.tokenizer.classes
        self.batch_size = batch_size

    def predict_proba(self, texts):
        """float32 array of shape (len(texts), n_classes)."""
        tok = self.tokenizer
        ids = [tok.ids(text) for text in texts]
        proba = np.zeros((len(texts), len(self.classes)), dtype=np.float32)
        # Texts of similar length together: little padding per batch.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            rows = np.asarray(tok.batch([ids[i] for i in chunk]), dtype=np.int32)
            proba[chunk] = self.session.run([self.output], {self.input: rows})[0]
        return proba

    def predict(self, texts):
        proba = self.predict_proba(texts)
        return {
            "classes": self.classes,
            "labels": [self.classes[i] for i in proba.argmax(axis=1).tolist()],
            "probabilities": proba.tolist(),
        }


class RequestError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def parse_texts(body, max_texts):
    """The ``texts`` of a request body, or a :class:`RequestError`."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"malformed JSON: {exc}") from None
    if not isinstance(payload, dict) or "texts" not in payload:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            'expected a JSON object {"texts": [...]}, a list of strings',
        )
    unknown = sorted(set(payload) - {"texts"})
    if unknown:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f'unknown field(s) {unknown}: expected {{"texts": [...]}} only',
        )
    texts = payload["texts"]
    if not isinstance(texts, list):
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f'"texts" must be a list of strings, not {type(texts).__name__}',
        )
    if len(texts) > max_texts:
        raise RequestError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"{len(texts)} texts in one request; at most {max_texts}: split it",
        )
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"texts[{i}] is {type(text).__name__}, not a string",
            )
    return texts


def make_handler(predictor, max_texts, max_bytes, quiet=False):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
        # Headers and body go out in two writes: without TCP_NODELAY the body
        # waits for the client's delayed ACK (40 ms on Linux).
        disable_nagle_algorithm = True
        timeout = 60  # seconds a client may take to send its request

        def do_GET(self):
            if self.path == "/health":
                self.reply(HTTPStatus.OK, {"status": "ok"})
            elif self.path == "/predict":
                self.reply_error(HTTPStatus.METHOD_NOT_ALLOWED, "POST /predict")
            else:
                self.reply_error(HTTPStatus.NOT_FOUND, f"no {self.path}: POST /predict")

        def do_POST(self):
            if self.path != "/predict":
                self.reply_error(HTTPStatus.NOT_FOUND, f"no {self.path}: POST /predict")
                return
            try:
                texts = parse_texts(self.read_body(), max_texts)
                answer = predictor.predict(texts) if texts else _empty(predictor)
            except RequestError as exc:
                self.reply_error(exc.status, str(exc))
                return
            except Exception as exc:  # a bug: answer it, keep serving
                self.log_error("prediction failed: %r", exc)
                self.reply_error(HTTPStatus.INTERNAL_SERVER_ERROR, "prediction failed")
                return
            self.reply(HTTPStatus.OK, answer)

        def read_body(self):
            length = self.headers.get("Content-Length")
            if length is None:
                self.close_connection = True
                raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length needed")
            try:
                length = int(length)
                if length < 0:
                    raise ValueError
            except ValueError:
                self.close_connection = True
                raise RequestError(
                    HTTPStatus.BAD_REQUEST, f"bad Content-Length {length!r}"
                ) from None
            if length > max_bytes:
                self.close_connection = True  # the body is left unread
                raise RequestError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{length} bytes in one request; at most {max_bytes}: split it",
                )
            try:
                return self.rfile.read(length)
            except TimeoutError:
                self.close_connection = True
                raise RequestError(
                    HTTPStatus.REQUEST_TIMEOUT, "the request body came too slowly"
                ) from None

        def reply_error(self, status, message):
            self.reply(status, {"error": message})

        def reply(self, status, payload):
            body = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == HTTPStatus.METHOD_NOT_ALLOWED:
                self.send_header("Allow", "POST")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            if not quiet:
                super().log_message(format, *args)

    return Handler


def _empty(predictor):
    return {"classes": predictor.classes, "labels": [], "probabilities": []}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", help="a directory written by sktextcnn.export")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0: any free port")
    parser.add_argument("--max-texts", type=int, default=1000)
    parser.add_argument("--max-bytes", type=int, default=10 * 2**20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--threads", type=int, default=0, help="onnxruntime threads (0: its default)"
    )
    parser.add_argument("--quiet", action="store_true", help="no line per request")
    args = parser.parse_args(argv)
    predictor = Predictor(args.export_dir, args.batch_size, args.threads)
    handler = make_handler(predictor, args.max_texts, args.max_bytes, args.quiet)
    server = ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    # SIGTERM (e.g. from a process manager) stops the server cleanly.
    stop = threading.Thread(target=server.shutdown)

    def on_sigterm(*_):
        if stop.ident is None:  # once, however many signals come
            stop.start()

    signal.signal(signal.SIGTERM, on_sigterm)
    host, port = server.server_address[:2]
    print(f"serving {args.export_dir} on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
