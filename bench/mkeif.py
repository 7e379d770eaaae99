#!/usr/bin/env python3
"""Wrap ramdisks into an AWS Nitro Enclaves image (EIF v4), independently of reproscope's writer.

    mkeif.py OUT.eif KERNEL CMDLINE RAMDISK...

KERNEL is a file, or "filler" for 4 MiB of deterministic pseudo-random bytes (a stand-in kernel:
the benchmark changes only the ramdisk).

Layout (big-endian): a 548-byte header (magic ".eif", version 4, flags 0, default_mem,
default_cpus, reserved u16, num_sections u16, 32 section offsets u64, 32 section sizes u64,
unused u32, crc32 u32), then back to back for each section a 12-byte header (type u16,
flags u16, size u64) and its data. Sections: kernel (1), cmdline (2), metadata (5, JSON),
then each ramdisk (3). The CRC-32 (zlib) covers header bytes [0, 544) and every section header
and data in file order.
"""

import json
import random
import struct
import sys
import zlib

HEADER_SIZE, CRC_OFFSET, MAX_SECTIONS = 548, 544, 32
KERNEL, CMDLINE, RAMDISK, METADATA = 1, 2, 3, 5


def build(kernel, cmdline, ramdisks, metadata):
    sections = [(KERNEL, kernel), (CMDLINE, cmdline), (METADATA, metadata)]
    sections += [(RAMDISK, r) for r in ramdisks]
    offsets, sizes, at = [], [], HEADER_SIZE
    for _, data in sections:
        offsets.append(at)
        sizes.append(len(data))
        at += 12 + len(data)
    pad = [0] * (MAX_SECTIONS - len(sections))
    header = b".eif" + struct.pack(">HHQQHH", 4, 0, 512 << 20, 2, 0, len(sections))
    header += struct.pack(">32Q", *(offsets + pad)) + struct.pack(">32Q", *(sizes + pad))
    header += struct.pack(">I", 0)
    assert len(header) == CRC_OFFSET
    body = b"".join(struct.pack(">HHQ", kind, 0, len(data)) + data for kind, data in sections)
    crc = zlib.crc32(body, zlib.crc32(header))
    return header + struct.pack(">I", crc) + body


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    out, kernel_path, cmdline = sys.argv[1], sys.argv[2], sys.argv[3]
    if kernel_path == "filler":
        kernel = random.Random(42).randbytes(4 << 20)
    else:
        with open(kernel_path, "rb") as f:
            kernel = f.read()
    ramdisks = []
    for p in sys.argv[4:]:
        with open(p, "rb") as f:
            ramdisks.append(f.read())
    metadata = json.dumps({"ImageName": "reproscope-bench", "ImageVersion": "1.0",
                           "BuildMetadata": {"BuildTool": "bench/mkeif.py"}},
                          sort_keys=True).encode()
    with open(out, "wb") as f:
        f.write(build(kernel, cmdline.encode(), ramdisks, metadata))
    return 0


if __name__ == "__main__":
    sys.exit(main())
