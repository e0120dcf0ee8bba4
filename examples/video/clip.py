"""A tiny, playable MP4 video, written in pure Python (no ffmpeg needed).

Browsers play it, so the example (and its browser tests) can show a real
``<video>`` playing and seeking without a video file being committed::

    .venv/bin/python -m examples.video.clip /tmp/clip.mp4
    VIDEO_PATH=/tmp/clip.mp4 QUART_APP=examples.video.app:app .venv/bin/quart run

How: every frame is an H.264 IDR picture made only of ``I_PCM`` macroblocks,
which carry raw pixel samples, so no real encoder is needed (ITU-T H.264
7.3.5: ``mb_type`` 25, then byte-aligned samples). Each frame is a key frame,
so a player can seek to any of them. The frames go in an MP4 file (ISO/IEC
14496-12 and -15) with its index (``moov``) first, as a streamed video has it.

The picture: a dark blue field, a yellow square crossing it and, on the top
row, a green bar growing with time.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

#: Frame size in pixels (multiples of the 16-pixel macroblock).
WIDTH, HEIGHT = 160, 112
#: Frames per second.
FPS = 8
#: Length of the clip, in seconds.
SECONDS = 4

_PROFILE, _CONSTRAINTS, _LEVEL = 66, 0xC0, 30  # Baseline, level 3
_TIMESCALE = 1000  # media time units per second

Colour = tuple[int, int, int]  # Y, Cb, Cr (video range: no sample is ever 0)
_FIELD: Colour = (50, 160, 110)
_SQUARE: Colour = (210, 16, 146)
_BAR: Colour = (145, 54, 34)


class _BitWriter:
    """Big-endian bit packing, with H.264's Exp-Golomb codes (9.1)."""

    def __init__(self) -> None:
        self._bits: list[int] = []
        self._bytes = bytearray()

    def bits(self, value: int, count: int) -> None:
        self._bits.extend((value >> shift) & 1 for shift in range(count - 1, -1, -1))
        self._flush()

    def ue(self, value: int) -> None:
        code = value + 1
        self.bits(0, code.bit_length() - 1)
        self.bits(code, code.bit_length())

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align(self) -> None:
        self.bits(0, -len(self._bits) % 8)

    def raw(self, data: bytes) -> None:
        assert not self._bits, "raw bytes need a byte-aligned position"
        self._bytes += data

    def trailing(self) -> bytes:
        """The RBSP trailing bits (a one, then zeros to a byte boundary)."""
        self.bits(1, 1)
        self.align()
        return bytes(self._bytes)

    def _flush(self) -> None:
        while len(self._bits) >= 8:
            byte = 0
            for bit in self._bits[:8]:
                byte = byte << 1 | bit
            self._bytes.append(byte)
            del self._bits[:8]


def _nal(header: int, rbsp: bytes) -> bytes:
    """A NAL unit: its header byte, then the payload with emulation prevention
    (7.4.1: no ``00 00 0x`` with x <= 3 inside, so ``03`` is inserted)."""
    out = bytearray([header])
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps() -> bytes:
    bits = _BitWriter()
    bits.bits(_PROFILE, 8)
    bits.bits(_CONSTRAINTS, 8)
    bits.bits(_LEVEL, 8)
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4
    bits.ue(2)  # pic_order_cnt_type: output order is decoding order
    bits.ue(1)  # max_num_ref_frames
    bits.bits(0, 1)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(WIDTH // 16 - 1)
    bits.ue(HEIGHT // 16 - 1)
    bits.bits(0b110, 3)  # frame_mbs_only, direct_8x8_inference, no cropping
    bits.bits(0, 1)  # no VUI
    return _nal(0x67, bits.trailing())


def _pps() -> bytes:
    bits = _BitWriter()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.bits(0b00, 2)  # CAVLC; no bottom-field picture order
    bits.ue(0)  # one slice group
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.bits(0b000, 3)  # no weighted prediction
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.bits(0b100, 3)  # deblocking control present; no constrained intra; no redundant
    return _nal(0x68, bits.trailing())


def _frame_colours(index: int, frames: int) -> list[Colour]:
    """The colour of each macroblock of frame ``index``, row by row."""
    columns, rows = WIDTH // 16, HEIGHT // 16
    colours = [_FIELD] * (columns * rows)
    for column in range(columns * (index + 1) // frames):
        colours[column] = _BAR
    colours[(rows // 2) * columns + index % columns] = _SQUARE
    return colours


def _idr_slice(index: int, frames: int) -> bytes:
    bits = _BitWriter()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I (every slice of the picture)
    bits.ue(0)  # pic_parameter_set_id
    bits.bits(0, 4)  # frame_num (always 0 for an IDR picture)
    bits.ue(index % 2)  # idr_pic_id: differs between consecutive IDR pictures
    bits.bits(0b00, 2)  # no_output_of_prior_pics, long_term_reference
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc: off
    for y, cb, cr in _frame_colours(index, frames):
        bits.ue(25)  # mb_type I_PCM
        bits.align()  # pcm_alignment_zero_bit
        bits.raw(bytes([y]) * 256 + bytes([cb]) * 64 + bytes([cr]) * 64)
    return _nal(0x65, bits.trailing())


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(sizes: list[int], mdat_offset: int, sps: bytes, pps: bytes) -> bytes:
    delta = _TIMESCALE // FPS
    duration = delta * len(sizes)
    avcc = _box(
        b"avcC",
        bytes([1, _PROFILE, _CONSTRAINTS, _LEVEL, 0xFF, 0xE1]),
        struct.pack(">H", len(sps)) + sps,
        bytes([1]) + struct.pack(">H", len(pps)) + pps,
    )
    avc1 = _box(
        b"avc1",
        bytes(6) + struct.pack(">H", 1) + bytes(16),
        struct.pack(">HHIIIH", WIDTH, HEIGHT, 0x480000, 0x480000, 0, 1),
        bytes(32) + struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, len(sizes), delta)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),
        _full_box(b"stsz", 0, 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, mdat_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, _TIMESCALE, duration, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, bytes(4) + b"vide" + bytes(12) + b"Video\0"),
        minf,
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,  # enabled, in the movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration) + bytes(8) + struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX + struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIIH", 0, 0, _TIMESCALE, duration, 0x10000, 0x100) + bytes(10),
        _MATRIX + bytes(24) + struct.pack(">I", 2),
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


def clip_bytes(seconds: int = SECONDS) -> bytes:
    """The MP4 file: ``seconds`` long, at :data:`FPS` frames a second."""
    frames = seconds * FPS
    samples = [_idr_slice(index, frames) for index in range(frames)]
    sample_data = [struct.pack(">I", len(nal)) + nal for nal in samples]  # 4-byte lengths
    sizes = [len(sample) for sample in sample_data]
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    sps, pps = _sps(), _pps()
    # The moov's size does not depend on the offset it records: measure it first.
    moov_size = len(_moov(sizes, 0, sps, pps))
    moov = _moov(sizes, len(ftyp) + moov_size + 8, sps, pps)
    return ftyp + moov + _box(b"mdat", *sample_data)


def write_clip(path: str | Path, seconds: int = SECONDS) -> None:
    """Write the clip to ``path``."""
    Path(path).write_bytes(clip_bytes(seconds))


if __name__ == "__main__":
    write_clip(sys.argv[1] if len(sys.argv) > 1 else "clip.mp4")
