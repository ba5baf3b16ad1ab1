"""The audit key: the secret that makes each entry's hash an HMAC and signs checkpoints.

It lives in a file outside the database (``settings.AUDIT_KEY_FILE``, by default
``GONGSHU_VAR_DIR/audit_key``), generated once with mode 0600, so that someone who can
write the database but not read that file cannot recompute the chain after changing it.
Two keys are derived from it, one per purpose, so an entry hash can never pass for a
checkpoint signature. The key is never logged and never stored in the database: only
the file's path appears in messages.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

KEY_BYTES = 32
_ENTRY_LABEL = b"gongshu audit entry v1"
_CHECKPOINT_LABEL = b"gongshu audit checkpoint v1"


class KeyMissing(ImproperlyConfigured):
    """The key file is absent (or unreadable) where the log needs the key it was made with."""


@dataclass(frozen=True)
class Keys:
    entry: bytes
    checkpoint: bytes

    def __repr__(self) -> str:  # never print key material, not even in a traceback
        return "Keys(<hidden>)"


_loaded: dict[Path | str, Keys] = {}


def key_file() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def load(*, create: bool) -> Keys | None:
    """The derived keys, read once per process. ``create`` makes a new key file when
    there is none; without it a missing file gives None."""
    # Looked up by the setting's own object: it keeps its hash, a new Path would not
    # (every audit entry passes here).
    keys = _loaded.get(settings.AUDIT_KEY_FILE)
    if keys is not None:
        return keys
    path = key_file()
    master = _read(path)
    if master is None:
        if not create:
            return None
        master = _generate(path)
    keys = Keys(entry=_derive(master, _ENTRY_LABEL), checkpoint=_derive(master, _CHECKPOINT_LABEL))
    _loaded[settings.AUDIT_KEY_FILE] = keys
    return keys


def obtain() -> Keys:
    """The keys, made (once, for good) if there is no key file yet."""
    keys = load(create=True)
    if keys is None:  # load(create=True) always makes one; this keeps the type checker sure
        raise KeyMissing(missing_message())
    return keys


def require() -> Keys:
    """The keys, for a log that already has keyed entries: never a new key."""
    keys = load(create=False)
    if keys is None:
        raise KeyMissing(missing_message())
    return keys


def missing_message() -> str:
    return _(
        "The audit key file %(path)s is missing, but the audit log already has entries "
        "hashed with it. Restore the file from a backup, or point GONGSHU_AUDIT_KEY_FILE "
        "at it; a new key could not verify the entries written before."
    ) % {"path": key_file()}


def forget() -> None:
    """Drop the keys read so far (tests that move the key file)."""
    _loaded.clear()


def _derive(master: bytes, label: bytes) -> bytes:
    return hmac.digest(master, label, hashlib.sha256)


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMissing(
            _("The audit key file %(path)s cannot be read (%(error)s): fix its permissions.")
            % {"path": path, "error": type(exc).__name__}
        ) from None
    try:
        master = bytes.fromhex(text)
    except ValueError:
        master = b""
    if len(master) < KEY_BYTES:
        raise KeyMissing(
            _(
                "The audit key file %(path)s does not hold an audit key (%(n)s hexadecimal "
                "digits): restore it from a backup."
            )
            % {"path": path, "n": KEY_BYTES * 2}
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("The audit key file %s can be read by other users: chmod 600 it.", path)
    return master


def _generate(path: Path) -> bytes:
    """Write a new key to a private temporary file, then link it into place: the key
    file appears whole or not at all, and of two processes racing the first one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    master = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(master.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:  # another process made it first: use theirs
        existing = _read(path)
        if existing is None:
            raise
        return existing
    finally:
        temporary.unlink(missing_ok=True)
    logger.info("Generated the audit key file %s; back it up with the database.", path)
    return master
