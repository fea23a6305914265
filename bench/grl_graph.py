"""Reads grl's binary graph format (DIR/graph.grl, written by `grl convert`) into NumPy arrays,
so peers can be benchmarked on exactly the graph grl trains on. Format: see
host/io/section_file.h (32-byte header, 80-byte table entries, 64-byte-aligned sections)."""
import json
import struct

import numpy as np

_DTYPES = {  # section name -> dtype
    "csr.offsets": np.int64, "csr.indices": np.int32, "csr.weights": np.float32,
    "features": np.float32, "labels.single": np.int32, "labels.multi_offsets": np.int64,
    "labels.multi_classes": np.int32, "split.train": np.int32, "split.valid": np.int32,
    "split.test": np.int32,
}


def read_grl_graph(directory):
    path = directory.rstrip("/") + "/graph.grl"
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    magic, version, count, size, _ = struct.unpack_from("<8sIIQQ", raw, 0)
    if magic != b"GRLGRAPH" or size != raw.size:
        raise ValueError(f"{path}: not a grl graph file, or truncated")
    sections = {}
    for i in range(count):
        name, offset, n, elem, _, _ = struct.unpack_from("<48sQQIIQ", raw, 32 + 80 * i)
        sections[name.rstrip(b"\0").decode()] = (offset, n, elem)
    meta = json.loads(bytes(raw[sections["meta"][0]:sections["meta"][0] + sections["meta"][1]]))
    out = {"meta": meta}
    for name, dtype in _DTYPES.items():
        if name in sections:
            offset, n, elem = sections[name]
            assert np.dtype(dtype).itemsize == elem, name
            out[name] = np.frombuffer(raw, dtype=dtype, count=n, offset=offset)
    if "features" in out:
        out["features"] = out["features"].reshape(meta["num_nodes"], meta["feature_dim"])
    return out
