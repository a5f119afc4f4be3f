"""sktextcnn.load on hostile files: a catalogue of crafted files, byte flips.

Every crafted file is made here by editing a real saved file -- a format-2
file of a fitted Pipeline, or the format-1 fixture of sktextcnn 0.1 -- the
way an attacker would: digests recomputed (``crafting.reseal``), so the
checks behind them are reached. Each row names the error it must raise.

``test_crafted_files_fail_fast_and_small`` loads every row, plus the
multi-gigabyte decompression bombs of issue 12, in a fresh interpreter and
bounds the peak memory (``VmHWM``, reset with ``/proc/self/clear_refs``
before each load) and the time of each load against the load of the
untampered file. The byte-flip sweeps check that no corruption of a safe
file or of a pickle loads silently wrong.
"""

import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import make_corpus
from .crafting import (
    DIGEST_PREFIX,
    edit,
    edit_keras,
    edit_keras_config,
    edit_meta,
    read_zip,
    write_zip,
)

FORMAT1 = Path(__file__).parent / "data" / "pipeline-format1.sktextcnn"
MB = 2**20


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A fitted Pipeline, its texts, and its format-2 file."""
    tmp = tmp_path_factory.mktemp("security")
    texts, labels = make_corpus(8, ("sport", "space", "cars"))
    pipe = make_pipeline(
        GloveVectorizer(max_length=12, embeddings=None),
        TextCNNClassifier(
            filters=4, kernel_sizes=(2, 3), epochs=1, batch_size=16, random_state=0
        ),
    ).fit(texts, labels)
    path = tmp / "pipe.sktextcnn"
    sktextcnn.save(pipe, path)
    return pipe, texts, path


# -- crafting helpers --------------------------------------------------------------


def npy(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asarray(array), allow_pickle=False)
    return out.getvalue()


def npy_header(descr, shape):
    """A version-1.0 .npy header declaring ``descr`` and ``shape`` (no data)."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape})
    text += " " * (-(len(text) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


def vec(meta):
    return meta["estimator"]["steps"][0][1]


def clf(meta):
    return meta["estimator"]["steps"][1][1]


def add_array(members, array, raw=None):
    """Add an array member (listed in meta.json); returns its reference."""
    meta = json.loads(members["meta.json"])
    key = f"a{9000 + len(meta['arrays'])}"
    meta["arrays"][key] = ""
    members["meta.json"] = json.dumps(meta).encode()
    members[f"arrays/{key}.npy"] = raw if raw is not None else npy(array)
    return {"array": key}


def with_array(array=None, raw=None, *, where):
    """A change storing a new array and putting its reference at ``where``."""

    def change(members):
        ref = add_array(members, array, raw)
        meta = json.loads(members["meta.json"])
        where(meta, ref)
        members["meta.json"] = json.dumps(meta).encode()

    return change


def first_array(members, meta, node, *path):
    """Name of the member holding the array at ``node[path...]``."""
    for key in path:
        node = node[key]
    return f"arrays/{node['array']}.npy"


def edit_model_array(layer, index, change):
    """A change replacing one stored weight of the classifier's model."""

    def apply(members):
        meta = json.loads(members["meta.json"])
        layers = dict(clf(meta)["model"]["layers"])
        name = f"arrays/{layers[layer][index]['array']}.npy"
        array = np.lib.format.read_array(io.BytesIO(members[name]))
        members[name] = change(array)

    return apply


def set_spec(**values):
    return edit_meta(lambda m: clf(m)["model"]["spec"].update(values))


def set_param(node, **values):
    return edit_meta(lambda m: node(m)["params"].update(values))


def set_fitted(node, **values):
    return edit_meta(lambda m: node(m)["fitted"].update(values))


def set_setting(node, attribute, **values):
    return edit_meta(lambda m: node(m)["fitted"][attribute]["dict"].extend(
        [[k, v] for k, v in values.items()]))  # fmt: skip


def replace_member(name, data):
    def change(members):
        members[name] = data

    return change


def add_member(name, data):
    return replace_member(name, data)


def redos_pattern():
    return "(a|aa)+$"  # exponential backtracking on "aaa...ab"


def h5_edit(change):
    """A change rewriting the format-1 fixture's model.weights.h5 with h5py."""
    import h5py

    def apply(inner):
        source = h5py.File(io.BytesIO(inner["model.weights.h5"]), "r")
        out = io.BytesIO()
        with h5py.File(out, "w") as dst:
            for key in source:
                source.copy(source[key], dst, name=key)
            change(dst)
        source.close()
        inner["model.weights.h5"] = out.getvalue()

    return edit_keras("model-0.keras", apply)


def recompress_embedding(h5):
    data = h5["layers/embedding/vars/0"][()]
    del h5["layers/embedding/vars/0"]
    h5["layers/embedding/vars"].create_dataset("0", data=data, compression="gzip")


def external_link(h5):
    import h5py

    del h5["layers/embedding/vars/0"]
    h5["layers/embedding/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")


def declared_only(h5):
    del h5["layers/embedding/vars/0"]
    h5["layers/embedding/vars"].create_dataset("0", shape=(2**25, 8), dtype="f4")


def v1_sizes(n_ids):
    def change(config):
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Embedding":
                layer["config"]["input_dim"] = n_ids
            if layer["class_name"] == "TfidfLinear":
                layer["config"]["n_ids"] = n_ids

    return change


def v1_layer(name, **values):
    def change(config):
        for layer in config["config"]["layers"]:
            if layer["name"] == name:
                layer["config"].update(values)

    return change


def v1_loss(config):
    config["compile_config"]["loss"] = "sktextcnn>IdPadding"


def many_members(members):
    for i in range(5000):
        members[f"arrays/x{i}"] = b""


def deep_nesting(meta):
    nested = b"[" * 100_000 + b"]" * 100_000
    return meta.replace(b'"dropout": 0.5', b'"dropout": ' + nested)


def raw_meta(change):
    """Write a file whose meta.json is ``change(meta.json)``, digest redone."""

    def write(path, out):
        members, _ = read_zip(path.read_bytes())
        members["meta.json"] = change(members["meta.json"])
        digest = hashlib.sha256(members["meta.json"]).hexdigest().encode()
        out.write_bytes(write_zip(members, DIGEST_PREFIX + digest))

    return write


def lzma_file(path, out):
    members, comment = read_zip(path.read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        archive.comment = comment
        for name, data in members.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())


def duplicate_meta(path, out):
    members, comment = read_zip(path.read_bytes())
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.comment = comment
            for name, data in members.items():
                archive.writestr(name, data)
            archive.writestr("meta.json", b"{}")
    out.write_bytes(buffer.getvalue())


def strip_comment(path, out):
    members, _ = read_zip(path.read_bytes())
    out.write_bytes(write_zip(members))


def no_reseal(change):
    def write(path, out):
        edit(path, change, out, seal=False)

    return write


def array_without_digest(path, out):
    """An array changed; the attacker redoes the comment but not meta.json's list."""
    members, _ = read_zip(path.read_bytes())
    meta = json.loads(members["meta.json"])
    name = first_array(members, meta, clf(meta), "fitted", "classes_")
    members[name] = npy(np.array(["cars", "space", "zzz"]))
    comment = DIGEST_PREFIX + hashlib.sha256(members["meta.json"]).hexdigest().encode()
    out.write_bytes(write_zip(members, comment))


def embedding_matrix(make_matrix):
    """A change giving the vectorizer the matrix ``make_matrix(n_ids)``."""

    def change(members):
        meta = json.loads(members["meta.json"])
        n_ids = len(vec(meta)["fitted"]["vocabulary_"]["dict"]) + 1
        ref = add_array(members, make_matrix(n_ids))
        meta = json.loads(members["meta.json"])
        vec(meta)["fitted"]["embedding_matrix_"] = ref
        members["meta.json"] = json.dumps(meta).encode()

    return change


def check_own_loss(pipe):
    assert pipe[-1].model_.loss == "sparse_categorical_crossentropy"


def check_no_regularizer(pipe):
    conv = pipe[-1].model_.get_layer("conv_2_0")
    assert conv.kernel_regularizer is None and conv.kernel_constraint is None
    assert type(conv.kernel_initializer).__name__ == "GlorotUniform"


@dataclass
class Case:
    """One crafted file: how to make it, and what loading it must do.

    ``change`` edits the members of ``base`` ("v2": a saved Pipeline, "v1":
    the format-1 fixture) with digests redone, or ``write(path, out)`` makes
    the file itself. ``match``: the ValueError message; None for files that
    load, then passed to ``check``.
    """

    id: str
    base: str
    match: str | None
    change: object = None
    write: object = None
    load: dict = field(default_factory=dict)
    check: object = None


def C(id, base, match, change=None, **kw):
    return Case(id, base, match, change, **kw)


CASES = [
    # -- the archive ------------------------------------------------------------
    C("not a zip", "v2", "not a zip archive",
      write=lambda p, o: o.write_bytes(b"x" * 100)),
    C("5000 members (central directory)", "v2", r"lists 50\d\d members",
      many_members),
    C("member outside the format", "v2", r"unexpected members \['../evil'\]",
      add_member("../evil", b"x")),
    C("duplicate member name", "v2", "two members named 'meta.json'",
      write=duplicate_meta),
    C("LZMA member", "v2", "compression method 14", write=lzma_file),
    C("digest stripped", "v2", "lacks its SHA-256 digest", write=strip_comment),
    C("meta.json edited, digest not redone", "v2",
      "meta.json does not match the file's SHA-256 digest",
      write=no_reseal(set_param(clf, filters=5))),
    C("array edited, its digest not redone", "v2",
      r"arrays/a\d+\.npy does not match its SHA-256 digest",
      write=array_without_digest),
    C("meta.json over its cap", "v2", r"meta\.json is \d+ bytes, more than the "
      r"65536 allowed", write=raw_meta(lambda meta: meta + b" " * MB),
      load={"max_bytes": 2**20}),
    C("meta.json with 1.1 million empty lists", "v2",
      r"may hold 4400005 JSON values, more than the 4194304 allowed",
      write=raw_meta(lambda meta: b"[" + b"[]," * 1_100_000 + b"[]]")),
    C("JSON nested 100,000 deep", "v2", "RecursionError|nested",
      write=raw_meta(deep_nesting)),
    C("a 32-digit integer", "v2", "integer of 40 digits",
      set_param(clf, filters=10**39)),
    # -- arrays -------------------------------------------------------------------
    C("array member over the budget", "v2",
      r"holds \d+ bytes, more than the \d+ left of the max_bytes=1000000 budget",
      with_array(np.zeros(300_000), where=lambda m, r: None),
      load={"max_bytes": 1_000_000}),
    C(".npy header declaring 4 TiB", "v2",
      r"header declares \(1099511627776,\) x float32",
      with_array(raw=npy_header("<f4", (2**40,)) + b"\0" * 16,
                 where=lambda m, r: clf(m)["fitted"].update(classes_=r))),
    C(".npy of Python objects", "v2", "arrays of dtype object are not allowed",
      with_array(raw=npy_header("|O", (1,)) + b"\0" * 8,
                 where=lambda m, r: clf(m)["fitted"].update(classes_=r))),
    C("scalar of dtype S120000000", "v2", "unexpected scalar dtype 'S120000000'",
      set_param(clf, filters={"scalar": ["S120000000", 1]})),
    C("scalar of dtype S1200000", "v2", "scalars of dtype |S1200000 are not allowed",
      set_param(clf, filters={"scalar": ["S1200000", 1]})),
    C("array reference to a missing array", "v2", "refers to array 'a999'",
      set_fitted(clf, classes_={"array": "a999"})),
    C("object flag on a number array", "v2", "only text arrays",
      with_array(np.arange(3), where=lambda m, r: clf(m)["fitted"].update(
          classes_={**r, "object": True}))),
    C("unknown tag", "v2", "unexpected value",
      set_param(vec, max_length={"pickle": "gASV"})),
    # -- parameters ---------------------------------------------------------------
    C("architecture='evil'", "v2", "'architecture' parameter",
      set_param(clf, architecture="evil")),
    C("padding='sideways'", "v2", "'padding' parameter",
      set_param(vec, padding="sideways")),
    C("max_length=10**11", "v2", "max_length=100000000000 is over 1048576",
      set_param(vec, max_length=10**11)),
    C("token_pattern that backtracks", "v2", "sets token_pattern=.*trusted",
      set_param(vec, token_pattern=redos_pattern())),
    C("embeddings path", "v2", "sets embeddings='/etc/passwd'.*trusted",
      set_param(vec, embeddings={"path": "/etc/passwd"})),
    C("tokenizer as a string", "v2", "'tokenizer' parameter",
      set_param(vec, tokenizer="os.system")),
    C("unknown encoding", "v2", "'rot_13_x' is not a known codec",
      set_param(vec, encoding="rot_13_x")),
    C("callbacks from a file", "v2", "callbacks cannot come from a file",
      set_param(clf, callbacks=["os.system"])),
    C("negative class weight", "v2", r"class_weight\['cars'\]=-1.0",
      set_param(clf, class_weight={"dict": [["cars", -1.0]]})),
    C("set_output to a module", "v2", "set_output",
      edit_meta(lambda m: vec(m).update(set_output="os"))),
    C("Pipeline step name with __", "v2", "bad step names",
      edit_meta(lambda m: m["estimator"]["steps"][0].__setitem__(0, "a__b"))),
    # -- fitted attributes ---------------------------------------------------------
    C("fitted max_length=10**11", "v2", "max_length=100000000000 is over",
      set_setting(vec, "_transform_settings_", max_length=10**11)),
    C("fitted token_pattern", "v2", r"fitted settings.*sets token_pattern",
      set_setting(vec, "_transform_settings_", token_pattern=redos_pattern())),
    C("vocabulary ids with a gap", "v2", "vocabulary_ ids must number",
      edit_meta(lambda m: vec(m)["fitted"]["vocabulary_"]["dict"][0].__setitem__(
          1, 999))),
    C("embedding matrix with NaN", "v2", "embedding_matrix_ holds NaN",
      embedding_matrix(lambda n_ids: np.full((n_ids, 3), np.nan, np.float32))),
    C("embedding matrix of the wrong shape", "v2", "embedding_matrix_ must be "
      r"float32 of shape \(\d+, dim\), got float32 \(7, 3\)",
      embedding_matrix(lambda n_ids: np.zeros((7, 3), np.float32))),
    C("unknown fitted attribute", "v2", "refusing fitted attribute name '__class__'",
      set_fitted(clf, __class__=1)),
    C("a fourth label", "v2", "classes_ holds 4 labels but the model has 3",
      set_fitted(clf, classes_={"objects": ["a", "b", "c", "d"], "shape": [4]})),
    C("labels out of order", "v2", "sorted and unique",
      set_fitted(clf, classes_={"objects": ["b", "a", "c"], "shape": [3]})),
    C("n_ids_ unlike the model's", "v2", "n_ids_=7 but the model has",
      set_fitted(clf, n_ids_=7)),
    C("n_features_in_=10**11", "v2", "n_features_in_=100000000000",
      set_fitted(clf, n_features_in_=10**11)),
    C("history_ of strings", "v2", "history_ must map names to lists of numbers",
      set_fitted(clf, history_={"dict": [["loss", ["x"]]]})),
    C("_rng_state_ not a RandomState state", "v2",
      "_rng_state_ must be a RandomState state",
      set_fitted(clf, _rng_state_={"tuple": ["MT19937", [1, 2], 0, 0, 0.0]})),
    C("_rng_state_ position beyond the keys", "v2",
      "_rng_state_ must be a RandomState state",
      set_fitted(clf, _rng_state_={"tuple": ["PCG64", [], 10**9, 0, 0.0]})),
    C("min_width=10**11", "v2", r"_predict_settings_\['min_width'\]=100000000000",
      set_setting(clf, "_predict_settings_", min_width=10**11)),
    C("inference batch of 10**9", "v2", r"_predict_settings_\['batch_size'\] over",
      set_setting(clf, "_predict_settings_", batch_size=10**9)),
    # -- the model ------------------------------------------------------------------
    C("Embedding of 2**25 ids (spec)", "v2",
      r"stored weights hold \d+ values but a 'kim' model of the stored "
      r"specification has \d+", set_spec(n_ids=2**25)),
    C("TfidfLinear of 2**27 ids (spec)", "v2", "stored weights hold",
      set_spec(n_ids=2**27)),
    C("pool_size making the min width 10**12", "v2", "need inputs of",
      set_spec(architecture="seed", pool_size=10**6, kernel_sizes=[2, 2, 2],
               bag_of_words=False)),
    C("unknown optimizer", "v2", "model optimizer 'os.system'",
      set_spec(optimizer="os.system")),
    C("output activation naming a function", "v2",
      "model output_activation 'os.system' is not one of",
      set_spec(output_activation="os.system")),
    C("loss unlike the output", "v2", "model loss 'huber' does not go with a "
      "'softmax' output", set_spec(loss="huber")),
    C("a single-label classifier with sigmoid outputs", "v2",
      "a single-label classifier's model must end in 'softmax', not 'sigmoid'",
      set_spec(output_activation="sigmoid", loss="binary_crossentropy")),
    C("kernel widths swapped", "v2", "stored weights are of the layers",
      set_spec(kernel_sizes=[3, 2])),
    C("a weight transposed", "v2", r"layer 'logits': stored variable 0 is float32 "
      r"of shape \(3, 8\)", edit_model_array("logits", 0, lambda a: npy(a.T))),
    C("a weight of the wrong kind", "v2", "stored variable 1 is <U1",
      edit_model_array("logits", 1, lambda a: npy(np.array(["a", "b", "c"])))),
    # -- format 1 (Keras archives inside) ---------------------------------------------
    C("v1: Embedding(input_dim=2**25)", "v1", "stored weights hold",
      edit_keras_config("model-0.keras", v1_sizes(2**25))),
    C("v1: TfidfLinear(n_ids=2**27) alone", "v1", "bag-of-words layer has 134217728",
      edit_keras_config("model-0.keras", v1_layer("tfidf_linear", n_ids=2**27))),
    C("v1: extra assets/ member", "v1", "holds the members .*assets/big",
      edit_keras("model-0.keras", lambda m: m.update({"assets/big": b"\0" * MB}))),
    C("v1: config.json over its cap", "v1", r"config\.json is \d+ bytes",
      edit_keras("model-0.keras", lambda m: m.update(
          {"config.json": m["config.json"] + b" " * (2 * MB)})),
      load={"max_bytes": 2**24}),
    C("v1: gzip-compressed weight dataset", "v1", "compressed, virtual or stored "
      "outside", h5_edit(recompress_embedding)),
    C("v1: weight dataset as an external link", "v1", "ExternalLink, not data",
      h5_edit(external_link)),
    C("v1: weight dataset declared 2**25 x 8, storing nothing", "v1",
      r"declares \(33554432, 8\) x float32 but stores 0 bytes",
      h5_edit(declared_only)),
    C("v1: orthogonal / l2 / NonNeg by name", "v1", None,
      edit_keras_config("model-0.keras", v1_layer(
          "conv_2_0", kernel_initializer="orthogonal", kernel_regularizer="l2",
          kernel_constraint="NonNeg")), check=check_no_regularizer),
    C("v1: compile_config loss naming a registered class", "v1", None,
      edit_keras_config("model-0.keras", v1_loss), check=check_own_loss),
    C("v1: unknown optimizer class", "v1", "'Nadam' from module",
      edit_keras_config("model-0.keras", lambda c: c["compile_config"][
          "optimizer"].update(class_name="Nadam"))),
    C("v1: model archive nobody uses", "v1", r"model archives \['model-7.keras'\] "
      "belong to no estimator", lambda m: m.update({"model-7.keras": b""})),
    C("v1: object array in arrays.npz", "v1", "arrays of dtype object",
      lambda m: m.update({"arrays.npz": write_zip(
          {"a0.npy": npy_header("|O", (2,)) + b"\0" * 16}, b"", zipfile.ZIP_STORED)})),
]  # fmt: skip


def make(case, saved, directory):
    slug = "".join(c if c.isalnum() else "_" for c in case.id)
    path = directory / f"{slug}.sktextcnn"
    base = saved[2] if case.base == "v2" else FORMAT1
    if case.write is not None:
        case.write(base, path)
    else:
        edit(base, case.change, path)
    return path


def test_catalogue_ids_are_unique():
    assert len({case.id for case in CASES}) == len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_crafted_file(case, saved, tmp_path):
    path = make(case, saved, tmp_path)
    start = time.perf_counter()
    if case.match is None:
        case.check(sktextcnn.load(path, **case.load))
    else:
        with pytest.raises(ValueError, match=case.match):
            sktextcnn.load(path, **case.load)
    assert time.perf_counter() - start < 10


def test_trusted_opens_what_it_names(saved, tmp_path):
    pipe, texts, _ = saved
    pipe = make_pipeline(
        GloveVectorizer(max_length=12, embeddings=None, token_pattern=r"\w+"),
    ).fit(texts)
    pipe[0].set_params(embeddings=tmp_path / "glove.txt")
    sktextcnn.save(pipe, tmp_path / "p.sktextcnn")
    for trusted, match in [
        (False, "token_pattern"),
        ({"embeddings"}, "token_pattern"),
        ({"token_pattern"}, "embeddings"),
    ]:
        with pytest.raises(ValueError, match=match):
            sktextcnn.load(tmp_path / "p.sktextcnn", trusted=trusted)
    for trusted in (True, {"token_pattern", "embeddings"}):
        loaded = sktextcnn.load(tmp_path / "p.sktextcnn", trusted=trusted)
        assert loaded[0].token_pattern == r"\w+"
    with pytest.raises(ValueError, match="unknown parameters"):
        sktextcnn.load(tmp_path / "p.sktextcnn", trusted={"tokenizer"})
    with pytest.raises(TypeError, match="trusted must be"):
        sktextcnn.load(tmp_path / "p.sktextcnn", trusted="token_pattern")
    with pytest.raises(ValueError, match="max_bytes"):
        sktextcnn.load(tmp_path / "p.sktextcnn", max_bytes=0)


def test_max_bytes_bounds_the_file_and_what_it_unpacks_to(saved):
    path = saved[2]
    size = path.stat().st_size
    with pytest.raises(ValueError, match=f"the file is {size} bytes"):
        sktextcnn.load(path, max_bytes=size - 1)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    sktextcnn.load(path, max_bytes=unpacked)
    with pytest.raises(ValueError, match="more than the .* left of the max_bytes"):
        sktextcnn.load(path, max_bytes=unpacked - 1)


# -- memory and time, in a fresh interpreter -----------------------------------


def _stream_member(archive, name, head, fill, size, chunk=16 * MB):
    """Write ``head`` then ``fill`` bytes up to ``size``, deflated, in chunks."""
    with archive.open(name, "w", force_zip64=True) as out:
        out.write(head)
        left = size - len(head)
        block = fill * chunk
        while left > 0:
            out.write(block[: min(chunk, left)])
            left -= chunk


def meta_bomb(path, out):
    """Issue 12: a 600 MB meta.json in a file of about 600 KB."""
    members, comment = read_zip(path.read_bytes())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        dst.comment = comment
        _stream_member(dst, "meta.json", members.pop("meta.json"), b" ", 600 * MB)
        for name, data in members.items():
            dst.writestr(name, data)


def array_bomb(path, out):
    """Issue 12: a deflated array member of 1 GiB + 1 KiB."""
    members, comment = read_zip(path.read_bytes())
    meta = json.loads(members["meta.json"])
    name = first_array(members, meta, clf(meta), "fitted", "classes_")
    n = 2**28 + 256
    members.pop(name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        dst.comment = comment
        for member, data in members.items():
            dst.writestr(member, data)
        header = npy_header("<f4", (n,))
        _stream_member(dst, name, header, b"\0", len(header) + 4 * n)


def config_bomb(path, out):
    """Issue 12: a 512 MB config.json inside the format-1 model archive."""
    members, comment = read_zip(path.read_bytes())
    inner, _ = read_zip(members["model-0.keras"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        _stream_member(z, "config.json", inner.pop("config.json"), b" ", 512 * MB)
        for name, data in inner.items():
            z.writestr(name, data)
    members["model-0.keras"] = buffer.getvalue()
    out.write_bytes(write_zip(members, comment))


def assets_bomb(path, out):
    """Issue 12: six 250 MiB assets/ members inside the format-1 model archive."""
    members, comment = read_zip(path.read_bytes())
    inner, _ = read_zip(members["model-0.keras"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in inner.items():
            z.writestr(name, data)
        for i in range(6):
            _stream_member(z, f"assets/{i}", b"", b"\0", 250 * MB)
    members["model-0.keras"] = buffer.getvalue()
    out.write_bytes(write_zip(members, comment))


BOMBS = [
    Case("600 MB meta.json", "v2", r"meta\.json is 629145\d+ bytes, more than",
         write=meta_bomb),
    Case("1 GiB array member", "v2", r"holds 10737\d+ bytes, more than the",
         write=array_bomb),
    Case("v1: 512 MB config.json", "v1", r"config\.json is 5368\d+ bytes",
         write=config_bomb),
    Case("v1: six 250 MiB assets", "v1", "holds the members", write=assets_bomb),
]  # fmt: skip

_MEASURE = """
import json, sys, time, traceback
import sktextcnn

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024

def measure(path, kwargs):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the peak RSS (VmHWM) to the current RSS
    before = status("VmRSS")
    start = time.perf_counter()
    try:
        sktextcnn.load(path, **kwargs)
        error = None
    except Exception as exc:
        error = [type(exc).__name__, str(exc)[-400:]]
    return {"error": error, "seconds": time.perf_counter() - start,
            "peak": status("VmHWM") - before}

jobs = json.load(open(sys.argv[1]))
measure(jobs[0][1], jobs[0][2])  # warm: Keras' first model build
print(json.dumps([[name, measure(path, kwargs)] for name, path, kwargs in jobs]))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc"
)
def test_crafted_files_fail_fast_and_small(saved, tmp_path):
    """Every catalogue row and the bombs of issue 12, measured one by one.

    Bound: at most 20 s and 200 MB of peak RSS above the load of the
    untampered file. The figures are printed (``pytest -s``).
    """
    jobs = [["baseline (untampered format 2)", str(saved[2]), {}],
            ["baseline (format 1 fixture)", str(FORMAT1), {}]]  # fmt: skip
    for case in CASES + BOMBS:
        jobs.append([case.id, str(make(case, saved, tmp_path)), case.load])
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / "jobs.json")],
        capture_output=True, text=True, env=env, timeout=1200,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    figures = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    sizes = {name: os.path.getsize(path) for name, path, _ in jobs}
    lines = [f"{'file':58} {'bytes':>10} {'seconds':>8} {'peak MB':>8}  error"]
    for name, got in figures.items():
        error = got["error"][0] if got["error"] else "-"
        lines.append(
            f"{name[:58]:58} {sizes[name]:>10} {got['seconds']:>8.2f} "
            f"{got['peak'] / MB:>8.1f}  {error}"
        )
    print("\n".join(lines))
    baseline = max(figures[job[0]]["peak"] for job in jobs[:2])
    for case in CASES + BOMBS:
        got = figures[case.id]
        if case.match is None:
            assert got["error"] is None, (case.id, got)
        else:
            assert got["error"] is not None, case.id
            assert got["error"][0] == "ValueError", (case.id, got)
        assert got["seconds"] < 20, (case.id, got)
        assert got["peak"] < baseline + 200 * MB, (case.id, got, baseline)


# -- byte flips and cuts -------------------------------------------------------------


def _same(loaded, original, texts):
    """Whether ``loaded`` is ``original``: parameters, fitted state, predictions."""
    if type(loaded) is not type(original) or repr(loaded) != repr(original):
        return False
    for a, b in zip(getattr(loaded, "steps", [(0, loaded)]),
                    getattr(original, "steps", [(0, original)])):  # fmt: skip
        if a[0] != b[0] or a[1].get_params(deep=False) != b[1].get_params(deep=False):
            return False
        for key in b[1]._FITTED_ATTRIBUTES:
            if key == "model_" or (key in vars(a[1])) != (key in vars(b[1])):
                continue
            x, y = vars(a[1]).get(key), vars(b[1]).get(key)
            if isinstance(y, np.ndarray):
                if not (x.dtype == y.dtype and np.array_equal(x, y)):
                    return False
            elif x != y:
                return False
    if isinstance(original, TextCNNClassifier):
        X = np.asarray(texts)
        return np.array_equal(loaded.predict_proba(X), original.predict_proba(X))
    if isinstance(original, GloveVectorizer):
        return np.array_equal(loaded.transform(texts), original.transform(texts))
    return np.array_equal(loaded.predict_proba(texts), original.predict_proba(texts))


def _sweep(data, load, original, texts, positions, cuts):
    outcomes = {"refused": 0, "identical": 0, "wrong": []}
    for kind, where in [("flip", p) for p in positions] + [("cut", c) for c in cuts]:
        if kind == "flip":
            bad = bytearray(data)
            bad[where] ^= 0xFF if where % 2 else 0x01
            bad = bytes(bad)
        else:
            bad = data[:where]
        try:
            loaded = load(bad)
        except Exception:
            outcomes["refused"] += 1
            continue
        if _same(loaded, original, texts):
            outcomes["identical"] += 1
        else:
            outcomes["wrong"].append((kind, where))
    return outcomes


def _positions(size, n, seed):
    # The first and last 2 KiB (zip headers, central directory, pickle framing)
    # byte by byte... every 7th byte there; elsewhere at random.
    rng = np.random.default_rng(seed)
    ends = [*range(0, min(size, 2048), 7), *range(max(0, size - 2048), size, 7)]
    return sorted({*ends, *rng.integers(0, size, n).tolist()})


@pytest.mark.slow
def test_no_flipped_or_cut_byte_of_a_safe_file_loads_wrong(saved, tmp_path):
    pipe, texts, path = saved
    data = path.read_bytes()
    target = tmp_path / "bad.sktextcnn"

    def load(bad):
        target.write_bytes(bad)
        return sktextcnn.load(target)

    positions = _positions(len(data), 300, 0)
    cuts = np.linspace(0, len(data) - 1, 40).astype(int).tolist()
    outcomes = _sweep(data, load, pipe, texts, positions, cuts)
    print(f"safe file of {len(data)} bytes, {len(positions)} flips and "
          f"{len(cuts)} cuts: {outcomes}")  # fmt: skip
    assert outcomes["wrong"] == []
    assert outcomes["refused"] > len(positions) // 2


@pytest.mark.slow
@pytest.mark.parametrize("step", [0, 1], ids=["vectorizer", "classifier"])
def test_no_flipped_or_cut_byte_of_a_pickle_loads_wrong(saved, step):
    """Pickles are for trusted files, but corruption must not pass silently.

    (A Pipeline's own fields -- step names, ``verbose`` -- are scikit-learn's
    and carry no digest: the sweep covers our estimators' pickles.)
    """
    pipe, texts, _ = saved
    original = pipe.steps[step][1]
    data = pickle.dumps(original)
    inputs = texts if step == 0 else np.asarray(pipe[0].transform(texts))
    positions = _positions(len(data), 400, step)
    cuts = np.linspace(0, len(data) - 1, 40).astype(int).tolist()
    outcomes = _sweep(data, pickle.loads, original, inputs, positions, cuts)
    print(f"pickle of {len(data)} bytes, {len(positions)} flips and "
          f"{len(cuts)} cuts: {outcomes}")  # fmt: skip
    assert outcomes["wrong"] == []
