#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/: a few small valid files per reader and some edge cases
(empty, zero-sized, gzip, other versions and dtypes). Run from the repository root; the output is
committed, so this runs only when the seeds change."""
import gzip
import json
import struct
import zlib
from pathlib import Path

root = Path("fuzz/corpus")


def put(target, name, data):
    folder = root / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# CSV: header detection, delimiters, quoting, CRLF and BOM, missing cells, categories.
put("csv", "header.csv", "age,colour,score,label\n31,red,1.5,yes\n45,blue,0.2,no\n"
    "52,green,,yes\n38,red,0.9,no\n")
put("csv", "semicolon_crlf_bom.csv", "\ufeffa;b;c\r\n1;\"x;y\";3\r\n4;\"he said \"\"hi\"\"\";6\r\n"
    "7;z;9\r\n")
put("csv", "missing.csv", "x,y,t\n1,NA,a\nN/A,2,b\n3,null,a\nnan,4,c\n")
put("csv", "tab_no_header.csv", "1\t2.5\t0.1\n2\t3.5\t0.2\n3\t4.5\t0.3\n")
put("csv", "quoted_newline.csv", "id,text,v\n1,\"two\nlines\",3\n2,plain,4\n")
put("csv", "one_column.csv", "v\n1\n2\n1\n")
put("csv", "empty.csv", "")


# IDX: 4-byte little-endian length of the image file, the image file, then the label file.
def idx(count, rows, cols, gz=False):
    images = struct.pack(">IIII", 0x803, count, rows, cols) + bytes(range(count * rows * cols))
    labels = struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count))
    if gz:
        images, labels = gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)
    return struct.pack("<I", len(images)) + images + labels


put("idx", "three_2x2", idx(3, 2, 2))
put("idx", "gzip_2_3x3", idx(2, 3, 3, gz=True))
put("idx", "zero_images", idx(0, 28, 28))
put("idx", "truncated", idx(4, 2, 2)[:-3])


# .npy: versions 1.0 and 2.0, several dtypes and shapes.
def npy(descr, shape, data, major=1):
    shape_text = "(" + "".join(f"{d}, " for d in shape).rstrip(" ") + ")"
    if len(shape) > 1:
        shape_text = shape_text.replace(",)", ")")
    head = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}"
    prefix_len = 10 if major == 1 else 12
    head += " " * ((64 - (prefix_len + len(head) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(head)) if major == 1 else struct.pack("<I", len(head))
    return b"\x93NUMPY" + bytes([major, 0]) + size + head.encode() + data


put("npy", "f4_2x3.npy", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
put("npy", "i8_vector.npy", npy("<i8", (3,), struct.pack("<3q", -1, 0, 1 << 40)))
put("npy", "bool.npy", npy("|b1", (4,), bytes([0, 1, 2, 0])))
put("npy", "f8_scalar.npy", npy("<f8", (), struct.pack("<d", 2.5)))
put("npy", "u1_v2.npy", npy("|u1", (2, 2, 2), bytes(range(8)), major=2))
put("npy", "empty_0x3.npy", npy("<f4", (0, 3), b""))


# safetensors: F32 with a checksum, the other dtypes plexus converts, an empty file.
def safetensors(tensors, metadata=None, crc=True):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    metadata = dict(metadata or {})
    if crc:
        metadata["plexus.crc32"] = f"{zlib.crc32(data):08x}"
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + data


put("safetensors", "f32_crc.safetensors",
    safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                 ("b", "F32", [2], struct.pack("<2f", 0.5, -0.5))], {"note": "seed"}))
put("safetensors", "f64_f16_bf16.safetensors",
    safetensors([("d", "F64", [2], struct.pack("<2d", 1.5, -2)),
                 ("h", "F16", [2], struct.pack("<2e", 1.0, -0.5)),
                 ("b", "BF16", [1], b"\x80\x3f")], crc=False))
put("safetensors", "scalar_and_empty.safetensors",
    safetensors([("s", "F32", [], struct.pack("<f", 7)), ("e", "F32", [0, 3], b"")]))
put("safetensors", "no_tensors.safetensors", safetensors([], crc=False))

# Model files: the golden file and variants of its metadata (the checksum covers the data only).
golden = Path("tests/golden/model_v1.plx").read_bytes()
put("model", "model_v1.plx", golden)
length = struct.unpack("<Q", golden[:8])[0]
header, data = json.loads(golden[8:8 + length]), golden[8 + length:]


def with_metadata(**changes):
    h = json.loads(json.dumps(header))
    h["__metadata__"].update(changes)
    text = json.dumps(h, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + data


put("model", "scale_pipeline.plx",
    with_metadata(**{"plexus.preprocessing": '{"kind":"scale","scale":0.5}'}))
put("model", "regression.plx", with_metadata(**{"plexus.task": "regression",
                                                 "plexus.classes": "[]"}))
put("model", "version_2.plx", with_metadata(**{"plexus.format_version": "2"}))
