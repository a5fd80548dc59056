#!/usr/bin/env python3
"""Marks a version need of an ELF64 shared library weak (VER_FLG_WEAK), so the loader no longer refuses the
library when that version is missing: usage weak_verneed.py LIB VERSION (e.g. GLIBCXX_3.4.32)."""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def main(path, version):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            sys.exit(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        changed = 0
        for sh in sections:
            if sh[1] != SHT_GNU_VERNEED:
                continue
            strtab = sections[sh[6]][4]  # sh_link -> .dynstr, its file offset
            off = sh[4]
            while True:
                _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, off)
                a = off + aux
                for _ in range(cnt):
                    _, flags, other, name, anext = struct.unpack_from("<IHHII", data, a)
                    end = data.index(0, strtab + name)
                    if data[strtab + name:end].decode() == version and not flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, a + 4, flags | VER_FLG_WEAK)
                        changed += 1
                    if anext == 0:
                        break
                    a += anext
                if nxt == 0:
                    break
                off += nxt
        f.seek(0)
        f.write(data)
    print(f"{path}: {changed} need(s) of {version} marked weak")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
