"""Reading untrusted zip, JSON, ``.npy`` and HDF5 data within fixed limits.

Every size is checked *before* the read it bounds: a zip's central
directory (from its end record) before :class:`zipfile.ZipFile` parses it,
each member's ``ZipInfo.file_size`` against a byte budget before it is
decompressed, an ``.npy`` header's shape times item size against the bytes
its member really holds before the array is allocated, the number of values
a JSON text can hold before it is parsed, and an HDF5 dataset's declared
shape against the bytes it really stores (no compression filters, no
external or virtual storage) before it is read. So the memory a file can
make :func:`sktextcnn.load` use is bounded by the file's uncompressed size,
whatever its headers claim. The readers are the standard ones (``zipfile``,
``json``, ``numpy.lib.format``, ``h5py``); only the checks are ours.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile

import numpy as np

# A zip's central directory (one ~50-byte entry per member): sktextcnn
# files hold a few dozen members.
MAX_ZIP_ENTRIES = 4096
MAX_CENTRAL_DIRECTORY = 1 << 20
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_MAX_NPY_HEADER = 1 << 16
_CHUNK = 1 << 20
# NumPy kinds a stored array may have: booleans, numbers, fixed-width text.
_ARRAY_KINDS = "biufUS"


class Budget:
    """The bytes a load may still read (uncompressed), checked before each read.

    Parameters
    ----------
    max_bytes : int
        The whole budget: :func:`sktextcnn.load`'s ``max_bytes``.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.left = max_bytes

    def take(self, n_bytes, what):
        if n_bytes > self.left:
            raise ValueError(
                f"{what} holds {n_bytes} bytes, more than the {self.left} left of "
                f"the max_bytes={self.max_bytes} budget; if you trust this file, "
                "pass a larger max_bytes to sktextcnn.load"
            )
        self.left -= n_bytes

    @property
    def json_bytes(self):
        """The largest JSON member: 1/16 of the budget (64 MiB by default)."""
        return self.max_bytes // 16

    @property
    def json_values(self):
        """The most values a JSON member may hold: 1/256 of the budget."""
        return max(self.max_bytes // 256, 1024)


def check_zip_directory(fileobj, size, what):
    """Refuse a zip whose central directory is large, before zipfile reads it.

    :class:`zipfile.ZipFile` builds a ``ZipInfo`` of some hundreds of bytes
    for each ~50-byte directory entry: a file that is all directory would
    take ten times its size. The end record (APPNOTE.TXT 4.3.16, and the
    Zip64 one of 4.3.14/4.3.15) gives both counts.
    """
    tail_size = min(size, _EOCD.size + 0xFFFF)
    fileobj.seek(size - tail_size)
    tail = fileobj.read(tail_size)
    start = tail.rfind(b"PK\x05\x06")
    if start < 0 or len(tail) - start < _EOCD.size:
        raise ValueError(f"{what} is not a zip archive (no end of central directory)")
    _, _, _, _, entries, cd_size, _, _ = _EOCD.unpack_from(tail, start)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # Zip64
        locator = start - _ZIP64_LOCATOR.size
        if locator < 0:
            raise ValueError(f"{what} has a truncated Zip64 end record")
        sig, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator)
        if sig != b"PK\x06\x07" or offset + _ZIP64_EOCD.size > size:
            raise ValueError(f"{what} has a corrupt Zip64 end record")
        fileobj.seek(offset)
        record = fileobj.read(_ZIP64_EOCD.size)
        if len(record) != _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
            raise ValueError(f"{what} has a corrupt Zip64 end record")
        _, _, _, _, _, _, _, entries, cd_size, _ = _ZIP64_EOCD.unpack(record)
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_CENTRAL_DIRECTORY:
        raise ValueError(
            f"{what} lists {entries} members in a {cd_size}-byte directory; "
            f"sktextcnn files have at most {MAX_ZIP_ENTRIES}"
        )
    fileobj.seek(0)


def open_zip(fileobj, size, what):
    """Open a zip archive after :func:`check_zip_directory`.

    Returns the archive and its members by name; duplicate names, encrypted
    members and compression methods other than stored/deflated are refused.
    """
    check_zip_directory(fileobj, size, what)
    archive = zipfile.ZipFile(fileobj)
    members = {}
    for info in archive.infolist():
        if info.filename in members:
            raise ValueError(f"{what} holds two members named {info.filename!r}")
        if info.flag_bits & 0x1:
            raise ValueError(f"{what}: member {info.filename!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(
                f"{what}: member {info.filename!r} uses compression method "
                f"{info.compress_type}; sktextcnn writes stored or deflated members"
            )
        members[info.filename] = info
    return archive, members


def read_member(archive, info, budget, what, limit=None):
    """The bytes of one zip member, its declared size checked first."""
    if limit is not None and info.file_size > limit:
        raise ValueError(
            f"{what} is {info.file_size} bytes, more than the {limit} allowed"
        )
    budget.take(info.file_size, what)
    with archive.open(info) as stream:
        data = stream.read(info.file_size)
        # Reading to the end makes zipfile check the CRC-32.
        if len(data) != info.file_size or stream.read(1):
            raise ValueError(f"{what} is not {info.file_size} bytes long")
    return data


def _bounded_int(text):
    # Python < 3.11 parses a million-digit int in quadratic time.
    if len(text) > 32:
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


def parse_json(data, budget, what):
    """``json.loads`` after bounding the number of values ``data`` can hold.

    Every value but the first follows a comma, an opening bracket or a
    colon, so ``2 * (commas + brackets) + 1`` bounds the values (and with
    them the Python objects) parsing can create -- counted before parsing.
    """
    if len(data) > budget.json_bytes:
        raise ValueError(
            f"{what} is {len(data)} bytes, more than the {budget.json_bytes} allowed"
        )
    values = 2 * (data.count(b",") + data.count(b"[") + data.count(b"{")) + 1
    if values > budget.json_values:
        raise ValueError(
            f"{what} may hold {values} JSON values, more than the "
            f"{budget.json_values} allowed"
        )
    return json.loads(data, parse_int=_bounded_int)


def read_npy(stream, size, budget, what):
    """Read one ``.npy`` file of ``size`` bytes from a zip member's stream.

    The header (format 1.0 or 2.0, parsed by :mod:`numpy.lib.format`) must
    declare a boolean, numeric or fixed-width text dtype and a shape whose
    bytes are exactly what follows the header: nothing is allocated that
    the member does not hold.
    """
    budget.take(size, what)
    head = stream.read(min(size, _MAX_NPY_HEADER + 16))
    fp = io.BytesIO(head)
    version = np.lib.format.read_magic(fp)
    length_format = {(1, 0): "<H", (2, 0): "<I"}.get(version)
    if length_format is None:
        raise ValueError(f"{what}: .npy format version {version} is not supported")
    (header_len,) = struct.unpack_from(length_format, head, fp.tell())
    if header_len > _MAX_NPY_HEADER:
        raise ValueError(f"{what}: .npy header of {header_len} bytes")
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    try:
        shape, fortran, dtype = read_header(fp, max_header_size=_MAX_NPY_HEADER)
    except TypeError:  # NumPy < 1.24 has no max_header_size (checked above)
        shape, fortran, dtype = read_header(fp)
    offset = fp.tell()
    if (
        dtype.kind not in _ARRAY_KINDS
        or dtype.hasobject
        or dtype.fields is not None
        or dtype.shape != ()
    ):
        raise ValueError(f"{what}: arrays of dtype {dtype} are not allowed")
    if len(shape) > 32 or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"{what}: bad array shape {shape}")
    n_bytes = math.prod(shape) * dtype.itemsize
    if offset + n_bytes != size:
        raise ValueError(
            f"{what}: its header declares {shape} x {dtype} = {n_bytes} bytes, but "
            f"the member holds {size - offset}"
        )
    flat = np.empty(math.prod(shape), dtype=dtype)
    buffer = memoryview(flat.view(np.uint8)) if flat.size else memoryview(b"")
    got = len(head) - offset
    buffer[:got] = head[offset:]
    while got < n_bytes:
        n = stream.readinto(buffer[got : got + _CHUNK])
        if not n:
            raise ValueError(f"{what} is truncated")
        got += n
    if stream.read(1):  # also makes zipfile check the CRC-32
        raise ValueError(f"{what} is longer than its header says")
    return flat.reshape(shape, order="F" if fortran else "C")


def read_npy_member(archive, info, budget, what):
    """:func:`read_npy` on one member of an open zip archive."""
    with archive.open(info) as stream:
        return read_npy(stream, info.file_size, budget, what)


def h5_child(group, name, kind, what):
    """``group[name]``, a hard link to an object of class ``kind`` only.

    Soft and external links (which could point into other files) are
    refused before they are followed.
    """
    import h5py

    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{what}: {name!r} is a {type(link).__name__}, not data")
    obj = group[name]
    if not isinstance(obj, kind):
        raise ValueError(f"{what}: {name!r} is not a {kind.__name__}")
    return obj


def h5_dataset(group, name, what):
    """A checked HDF5 dataset: numeric, uncompressed, stored where it claims.

    Its shape is read from the header; its values only when the caller
    converts it, after checking that shape.
    """
    import h5py

    dataset = h5_child(group, name, h5py.Dataset, what)
    if (
        dataset.is_virtual
        or dataset.external is not None
        or dataset.id.get_create_plist().get_nfilters()
    ):
        raise ValueError(
            f"{what}: dataset {name!r} is compressed, virtual or stored outside "
            "the file; sktextcnn reads plain datasets only"
        )
    if dataset.dtype.kind not in "biuf" or dataset.ndim > 8:
        raise ValueError(f"{what}: dataset {name!r} has dtype {dataset.dtype}")
    n_bytes = math.prod(dataset.shape) * dataset.dtype.itemsize
    if dataset.id.get_storage_size() != n_bytes:
        raise ValueError(
            f"{what}: dataset {name!r} declares {dataset.shape} x {dataset.dtype} "
            f"but stores {dataset.id.get_storage_size()} bytes"
        )
    return dataset
