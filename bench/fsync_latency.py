#!/usr/bin/env python3
"""fsync latency with several concurrent writers, as several nodes on one disk see it.

Each of WRITERS processes appends 236-byte records (the size of a 1-command slot in the WAL) to its
own file and syncs after each, SYNCS times, sleeping 0.3 ms between syncs; prints p50 and p90 per
writer. Modes: append (grow the file, fsync: what the WAL does), falloc (posix_fallocate 64 MiB
first, then fdatasync), zero (write 16 MiB of zeros first, then overwrite with fdatasync).

    python3 bench/fsync_latency.py [WRITERS] [SYNCS] [DIR]      # defaults: 5 1500 /tmp
"""
import os
import sys
import tempfile
import time
from multiprocessing import Pool


def writer(args):
    mode, directory, syncs = args
    fd, path = tempfile.mkstemp(dir=directory, prefix="fsync-latency-")
    try:
        if mode == "falloc":
            os.posix_fallocate(fd, 0, 64 << 20)
            os.fsync(fd)
        elif mode == "zero":
            os.write(fd, b"\0" * (16 << 20))
            os.fsync(fd)
            os.lseek(fd, 0, os.SEEK_SET)
        sync = os.fsync if mode == "append" else os.fdatasync
        latencies = []
        for _ in range(syncs):
            os.write(fd, b"x" * 236)
            start = time.perf_counter()
            sync(fd)
            latencies.append(time.perf_counter() - start)
            time.sleep(0.0003)
        latencies.sort()
        return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.9)]
    finally:
        os.close(fd)
        os.remove(path)


def main():
    writers = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    syncs = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    directory = sys.argv[3] if len(sys.argv) > 3 else "/tmp"
    for mode in ("append", "falloc", "zero"):
        with Pool(writers) as pool:
            results = pool.map(writer, [(mode, directory, syncs)] * writers)
        cells = "  ".join(f"p50 {p50 * 1e6:.0f} us p90 {p90 * 1e6:.0f} us" for p50, p90 in results)
        print(f"{mode:7} {cells}")


if __name__ == "__main__":
    main()
