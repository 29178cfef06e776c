"""The gateway's transport encodings: plain JSON text, zlib-stream, zstd-stream, and per-payload zlib."""

from __future__ import annotations

import importlib
import zlib
from types import ModuleType
from typing import Any, Protocol

ZLIB_STREAM = "zlib-stream"
ZSTD_STREAM = "zstd-stream"


def _zstd_module() -> ModuleType | None:
    for name in ("compression.zstd", "backports.zstd"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_ZSTD = _zstd_module()


def zstd_available() -> bool:
    """Whether a zstd implementation (Python 3.14's ``compression.zstd`` or ``backports.zstd``) is installed."""
    return _ZSTD is not None


class Encoder(Protocol):
    """Turns one gateway payload (JSON text) into what goes on the wire for one connection."""

    def encode(self, payload: str) -> bytes | str:
        """The frame for ``payload``: bytes for a binary frame, str for a text frame."""
        ...


class PlainEncoder:
    """No compression: every payload is a text frame."""

    def encode(self, payload: str) -> str:
        """The payload itself."""
        return payload


class ZlibStreamEncoder:
    """Transport zlib-stream: one zlib context per connection, each payload flushed with Z_SYNC_FLUSH."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj()

    def encode(self, payload: str) -> bytes:
        """The payload's compressed bytes, ending with the 0000FFFF sync-flush suffix."""
        return self._compressor.compress(payload.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)


class ZstdStreamEncoder:
    """Transport zstd-stream: one zstd context per connection, each payload flushed as a complete block."""

    def __init__(self) -> None:
        if _ZSTD is None:
            raise RuntimeError("no zstd implementation installed (Python 3.14+ or backports.zstd)")
        self._module: Any = _ZSTD
        self._compressor: Any = _ZSTD.ZstdCompressor()

    def encode(self, payload: str) -> bytes:
        """The payload's compressed bytes, decodable on their own by the client's streaming decompressor."""
        data: bytes = self._compressor.compress(
            payload.encode(), mode=self._module.ZstdCompressor.FLUSH_BLOCK
        )
        return data


class PayloadZlibEncoder:
    """Payload compression (IDENTIFY ``compress: true``): each payload zlib-compressed on its own."""

    def encode(self, payload: str) -> bytes:
        """The payload as one complete zlib stream."""
        return zlib.compress(payload.encode())


def transport_encoder(compress: str | None) -> Encoder:
    """The encoder for a ``compress`` query parameter; ValueError for a mode the sandbox cannot speak."""
    if not compress:
        return PlainEncoder()
    if compress == ZLIB_STREAM:
        return ZlibStreamEncoder()
    if compress == ZSTD_STREAM:
        if not zstd_available():
            raise ValueError(
                "compress=zstd-stream needs a zstd implementation in the sandbox's Python "
                "(3.14+ or backports.zstd); use compress=zlib-stream or none"
            )
        return ZstdStreamEncoder()
    raise ValueError(f"unknown compress={compress!r}; the sandbox speaks zlib-stream, zstd-stream or none")
