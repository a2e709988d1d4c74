"""How the package's functions read their arguments: one wording for every refusal, the
extension's (python/src/args.c) and the CLI's.

- A value of the wrong type — a str or a list where a number is expected, a float where a
  whole number is, None where a value is required — raises :class:`accel.InputTypeError` (an
  InputError and a TypeError): ``"item_size: expected a whole number, got str '10'"``.
- A value of the right type that is not allowed raises :class:`accel.InputError` (a
  ValueError): ``"item_size: -1 (allowed: a whole number >= 0)"``; a word that is none of the
  allowed ones is named as the CLI names it, with the nearest allowed word:
  ``"interp 'AREA': did you mean 'area'? allowed: linear, area"``.

Words are compared exactly, as the CLI compares ``--interp``, ``--model``, ``--op`` and
``--preset`` (only a device's kind is read in any case, by the CLI's own reader).
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

from .errors import InputError, InputTypeError


def input_error(msg: str) -> InputError:
    """accel.InputError (ERR_INVALID_ARG) with this message, not raised."""
    return InputError(msg, status="ERR_INVALID_ARG", code=1)


def got(v: Any) -> str:
    """What a refused value is, for messages: its type, and its value when short
    (``str '10'``, ``float 1.5``, ``None``, ``list``). A str's repr escapes lone surrogates."""
    if v is None:
        return "None"
    name = type(v).__name__
    if isinstance(v, (str, bytes, bytearray, numbers.Number)):
        r = repr(v)
        return "%s %s" % (name, r if len(r) <= 40 else r[:36] + "...")
    return name


def type_error(name: str, what: str, v: Any, allowed: Optional[str] = None) -> InputTypeError:
    """accel.InputTypeError "name: expected WHAT, got TYPE VALUE (allowed: …)", not raised."""
    msg = "%s: expected %s, got %s" % (name, what, got(v))
    if allowed:
        msg += " (allowed: %s)" % allowed
    return InputTypeError(msg, status="ERR_INVALID_ARG", code=1)


def whole(name: str, v: Any, lo: Optional[int] = None, hi: Optional[int] = None,
          allowed: Optional[str] = None) -> int:
    """A whole number lo..hi (an int or another Integral such as numpy's int64; not a bool,
    not a float even when integral, as ``range()`` takes them)."""
    if allowed is None:
        allowed = ("a whole number %d..%d" % (lo, hi) if lo is not None and hi is not None else
                   "a whole number >= %d" % lo if lo is not None else "a whole number")
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise type_error(name, "a whole number", v, allowed)
    n = int(v)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise input_error("%s: %d (allowed: %s)" % (name, n, allowed))
    return n


def number(name: str, v: Any, allowed: Optional[str] = None) -> float:
    """A real number (int, float, numpy's scalars, a 0-d array; not a bool, not a str)."""
    if getattr(v, "ndim", None) == 0 and hasattr(v, "item"):  # a 0-d array: its one number
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise type_error(name, "a number", v, allowed)
    return float(v)


def text(name: str, v: Any, allowed: Optional[str] = None) -> str:
    """A str (the refusal lists ``allowed`` when given)."""
    if not isinstance(v, str):
        raise type_error(name, "a string", v, allowed)
    return v


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance, case-insensitive (as src/core/opnames.c)."""
    a, b = a.lower(), b.lower()
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            v = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, d[i - 2][j - 2] + 1)
            d[i][j] = v
    return d[len(a)][len(b)]


def nearest(word: str, names: Sequence[str]) -> Optional[str]:
    """The allowed word a misspelt one is nearest to, as the CLI suggests it
    (``accel__nearest_name``): a unique prefix of at least three characters, else the closest
    word within one edit (short words), two, or three (beyond eight characters); None."""
    if not word or len(word) > 64:  # nothing that long is near a name
        return None
    dashes = len(word) - len(word.lstrip("-"))
    low = word.lower()
    prefixes = {n for n in names
                if len(word) >= dashes + 3 and len(n) > len(word) and n.lower().startswith(low)}
    if len(prefixes) == 1:
        return prefixes.pop()
    limit = 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3
    best, best_d = None, limit + 1
    for n in names:
        dd = _distance(word, n)
        if dd < best_d:
            best, best_d = n, dd
    return best if best_d <= limit else None


def choice(name: str, v: Any, names: Sequence[str], extra: str = "") -> str:
    """One of ``names``, compared exactly. A str that is none of them raises accel.InputError
    "name 'v': did you mean 'x'? allowed: a, b" (``extra`` is appended to the list: ", or
    None for …"); anything else accel.InputTypeError."""
    allowed = ", ".join(names) + extra
    if not isinstance(v, str):
        raise type_error(name, "a string", v, allowed)
    if v in names:
        return v
    near = nearest(v, names)
    # the word as the caller wrote it, as the library's messages name it (a name with
    # surrogates included: see accel.Error)
    raise input_error("%s '%s': %sallowed: %s" % (name, v, "did you mean '%s'? " % near
                                                   if near else "", allowed))
