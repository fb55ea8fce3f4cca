#!/usr/bin/python3
"""Reads plexus model files (.plx, the safetensors layout) with torch alone, by the layout itself.

  read_safetensors.py FILE
      prints each tensor's name, dtype and shape, and the metadata; checks plexus.crc32.
  read_safetensors.py --check-sequential MODEL EXPECTED
      loads MODEL into torch.nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) with
      load_state_dict(strict=True) and checks its output for EXPECTED's "input" against
      EXPECTED's "output" (what plexus computed).

Exits 77 (ctest's "skipped") when torch is not installed, 1 when a check fails.
"""
import json
import struct
import sys
import zlib

try:
    import torch
except ImportError:
    print("torch is not installed: skipped")
    sys.exit(77)

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def read_plx(path):
    """Returns ({name: tensor}, metadata) from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    body = bytearray(data[8 + n :])  # writable, so torch.frombuffer does not warn
    tensors = {}
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        count = (end - begin) // torch.empty(0, dtype=dtype).element_size()
        # frombuffer refuses count 0, which empty tensors have
        flat = torch.frombuffer(body, dtype=dtype, count=count, offset=begin) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    if "plexus.crc32" in metadata and metadata["plexus.crc32"] != "%08x" % zlib.crc32(body):
        raise ValueError(f"{path}: bad checksum: the file is corrupt")
    return tensors, metadata


def check_sequential(model_path, expected_path):
    state, metadata = read_plx(model_path)
    expected, _ = read_plx(expected_path)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        output = model(expected["input"])
    difference = (output - expected["output"]).abs().max().item()
    print(f"{model_path}: metadata {metadata}")
    print(f"torch output:\n{output}\nplexus output:\n{expected['output']}")
    print(f"max |difference| {difference:.3g}")
    if not torch.allclose(output, expected["output"], rtol=1e-5, atol=1e-6):
        print("FAILED: torch and plexus disagree")
        return 1
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--check-sequential":
        return check_sequential(argv[2], argv[3])
    if len(argv) == 2:
        tensors, metadata = read_plx(argv[1])
        for name, tensor in tensors.items():
            print(f"{name}: {tensor.dtype} {list(tensor.shape)}")
        print(f"metadata: {json.dumps(metadata, indent=2)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
