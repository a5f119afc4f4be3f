"""Editing saved files the way an attacker (or a bad disk) would, for the tests.

An attacker can recompute every digest a safe file carries: :func:`reseal`
does, so that tests reach the checks behind the digests.
"""

import hashlib
import io
import json
import zipfile

DIGEST_PREFIX = b"sktextcnn-sha256:"


def read_zip(data):
    """Members (name -> bytes, in order) and comment of a zip archive's bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
        return members, archive.comment


def write_zip(members, comment=b"", compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.comment = comment
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def reseal(members):
    """The zip comment of a format-2 file, with meta.json's array digests redone."""
    try:
        meta = json.loads(members["meta.json"])
    except (ValueError, RecursionError):
        meta = None  # crafted beyond JSON: its digest is all an attacker redoes
    if (
        isinstance(meta, dict)
        and meta.get("format_version") == 2
        and isinstance(meta.get("arrays"), dict)
    ):
        digests = {
            key: hashlib.sha256(members[f"arrays/{key}.npy"]).hexdigest()
            for key in meta["arrays"]
            if f"arrays/{key}.npy" in members
        }
        if digests != meta["arrays"]:
            meta["arrays"] = digests
            members["meta.json"] = json.dumps(meta).encode()
    return DIGEST_PREFIX + hashlib.sha256(members["meta.json"]).hexdigest().encode()


def edit(path, change, out=None, seal=True):
    """Rewrite the file at ``path`` (to ``out``) with ``change(members)`` applied.

    ``change`` edits the dict of members in place; with ``seal`` the digests
    are recomputed afterwards, as an attacker would.
    """
    with open(path, "rb") as f:
        members, comment = read_zip(f.read())
    change(members)
    if seal and comment.startswith(DIGEST_PREFIX):
        comment = reseal(members)
    with open(out or path, "wb") as f:
        f.write(write_zip(members, comment))


def edit_meta(change):
    """A ``change`` for :func:`edit` that edits the parsed meta.json."""

    def apply(members):
        meta = json.loads(members["meta.json"])
        change(meta)
        members["meta.json"] = json.dumps(meta).encode()

    return apply


def edit_keras(name, change):
    """A ``change`` for :func:`edit` that edits the members of an inner .keras."""

    def apply(members):
        inner, comment = read_zip(members[name])
        change(inner)
        members[name] = write_zip(inner, comment)

    return apply


def edit_keras_config(name, change):
    def apply(inner):
        config = json.loads(inner["config.json"])
        change(config)
        inner["config.json"] = json.dumps(config).encode()

    return edit_keras(name, apply)
