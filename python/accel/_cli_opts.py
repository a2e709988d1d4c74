"""What the verbs of ``python -m accel`` share with the accel binary's (tools/accel/cli_opts.c,
cli_out.c, src/core/json.c restated): option tables, their parser and generated help, the
nearest-name suggestions, where a report goes (``--json``, ``--format table|json|csv|md``,
``-o FILE`` written atomically), the table renderer and the JSON writer — so that every byte
the package prints (help, errors, reports) is the binary's. python/tests/test_cli.py compares
them with the binary's output."""
from __future__ import annotations

import errno
import os
import re
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

FLAG, SWITCH, STR, INT, NUM, CHOICE = range(6)
OPTIONAL_VALUE, MIN_EXCLUSIVE = 1, 2
OK, HELP, USAGE = 0, 1, 2
TABLE, JSON, CSV, MD = range(4)
FORMATS = ("table", "json", "csv", "md")


@dataclass(frozen=True)
class Opt:
    """One option of a verb (cli_opt)."""

    name: str
    aliases: Optional[str]
    type: int
    arg: Optional[str]
    help: str
    min: float = 0
    max: float = 0
    choices: Optional[str] = None
    flags: int = 0


@dataclass(frozen=True)
class Verb:
    """A verb's options and help (cli_verb)."""

    name: str
    synopsis: str
    about: Optional[str]
    opts: Tuple[Opt, ...]
    operands: Optional[str] = None
    footer: Optional[str] = None


def opt_op(help_: str) -> Opt:
    """CLI_OPT_OP."""
    return Opt("--op", "--operation", STR, "NAME", help_)


OPT_JSON = Opt("--json", None, FLAG, None, "print the report as JSON on standard output")
OPT_OUTPUT = Opt("-o", "--output", STR, "FILE",
                 "write the report to FILE (atomically; - for standard output)")
OPT_FORMAT = Opt("--format", None, CHOICE, "table|json|csv|md",
                 "the report's format (default table)", choices="table|json|csv|md")
OPT_NO_CACHE = Opt("--no-cache", None, FLAG, None,
                   "probe every vendor stack afresh, ignoring cached verdicts")


@dataclass
class Value:
    """What the command line gave for one option (cli_value)."""

    set: int = 0
    s: Optional[str] = None
    i: int = 0
    d: float = 0.0
    on: bool = False


@dataclass
class Args:
    """The parsed command line (cli_args): one Value per option, in the table's order."""

    v: List[Value] = field(default_factory=list)
    operands: List[str] = field(default_factory=list)


def err(verb: Optional[str], msg: str) -> None:
    """"accel VERB: error: MSG" on standard error (accel_cli_error)."""
    sys.stderr.write("accel%s%s: error: %s\n" % (" " if verb else "", verb or "", msg))


# ---- nearest names (accel__nearest_name) ---------------------------------------------------

def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def _distance(a: bytes, b: bytes) -> int:
    """Optimal string alignment distance, ignoring ASCII case, on at most 63 bytes."""
    a, b = a[:63], b[:63]
    n, m = len(a), len(b)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            ca, cb = _lower(a[i - 1]), _lower(b[j - 1])
            v = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == _lower(b[j - 2]) and _lower(a[i - 2]) == cb:
                v = min(v, d[i - 2][j - 2] + 1)
            d[i][j] = v
    return d[n][m]


def nearest_name(word: str, cands: Sequence[str]) -> Optional[str]:
    """A unique prefix of at least three characters besides dashes, else the closest word
    within one edit (≤ 4 characters), two (≤ 8) or three."""
    if not word:
        return None
    w = word.encode()
    length, dashes = len(w), len(w) - len(w.lstrip(b"-"))
    prefix, prefixes = None, 0
    for c in cands:
        cb = c.encode()
        if length >= dashes + 3 and len(cb) > length and bytes(map(_lower, cb[:length])) == \
                bytes(map(_lower, w)):
            if prefix is None or prefix != c:
                prefixes += 1
            prefix = c
    if prefixes == 1:
        return prefix
    limit = 1 if length <= 4 else 2 if length <= 8 else 3
    best, best_d = None, limit + 1
    for c in cands:
        dd = _distance(w, c.encode())
        if dd < best_d:
            best, best_d = c, dd
    return best if best_d <= limit else None


def error_unknown(verb: Optional[str], what: str, word: str, cands: Sequence[str]) -> None:
    """cli_error_unknown: "unknown WHAT 'WORD'; did you mean 'X'? (allowed: …)"."""
    near = nearest_name(word, cands)
    sys.stderr.write("accel%s%s: error: unknown %s '%s'%s (allowed: %s)\n" % (
        " " if verb else "", verb or "", what, word,
        "; did you mean '%s'?" % near if near else "", ", ".join(cands)))


# ---- parsing ------------------------------------------------------------------------------

def _aliases(o: Opt) -> List[str]:
    return o.aliases.split("|") if o.aliases else []


def _find(v: Verb, arg: str) -> Tuple[int, bool]:
    eq = arg.find("=")
    word = arg[:eq] if eq >= 0 and arg.startswith("-") else arg
    for i, o in enumerate(v.opts):
        if word == o.name or word in _aliases(o):
            return i, False
    if word.startswith("--no-"):
        for i, o in enumerate(v.opts):
            if o.type == SWITCH and ("--" + word[5:] == o.name or "--" + word[5:] in _aliases(o)):
                return i, True
    return -1, False


def _spellings(v: Verb) -> List[str]:
    out = []
    for o in v.opts:
        out.append(o.name)
        if o.type == SWITCH:
            out.append("--no-" + o.name[2:])
        out += _aliases(o)
    return out + ["--help"]


def _allowed_list(v: Verb) -> str:
    parts = []
    for o in v.opts:
        s = o.name
        if o.type == SWITCH:
            s += "/--no-" + o.name[2:]
        for a in _aliases(o):
            s += "/" + a
        parts.append(s)
    return ", ".join(parts) + ", --help"


def _range_text(o: Opt) -> str:
    excl = bool(o.flags & MIN_EXCLUSIVE)
    if o.type == INT:
        if o.max < o.min:
            return "a whole number ≥ %.0f" % o.min
        return "a whole number %.0f..%.0f" % (o.min, o.max)
    if o.max < o.min:
        return "a number %s %s" % (">" if excl else "≥", "%g" % o.min)
    return "a number in %s%g, %g]" % ("(" if excl else "[", o.min, o.max)


_INT_RE = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")  # what strtoll reads whole
_NUM_RE = re.compile(r"[ \t\n\v\f\r]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _take(v: Verb, o: Opt, as_: str, s: str, out: Value) -> bool:
    if o.type == INT:
        x = int(s) if _INT_RE.fullmatch(s) else None
        if x is None or x < o.min or (o.max >= o.min and x > o.max):
            err(v.name, "%s %s: expected %s" % (as_, s, _range_text(o)))
            return False
        out.i = x
    elif o.type == NUM:
        x = float(s) if _NUM_RE.fullmatch(s) else None
        excl = bool(o.flags & MIN_EXCLUSIVE)
        if x is None or x in (float("inf"), float("-inf")) or \
                (x <= o.min if excl else x < o.min) or (o.max >= o.min and x > o.max):
            err(v.name, "%s %s: expected %s" % (as_, s, _range_text(o)))
            return False
        out.d = x
    elif o.type == CHOICE:
        c = (o.choices or "").split("|")
        if s not in c:
            near = nearest_name(s, c)
            sys.stderr.write("accel %s: error: %s %s: %sallowed: %s\n" % (
                v.name, as_, s, "did you mean '%s'? " % near if near else "", ", ".join(c)))
            return False
    out.s = s
    return True


def _looks_like_value(o: Opt, s: str) -> bool:
    if o.type in (INT, NUM):
        return s[:1].isdigit() or (s[:1] == "." and s[1:2].isdigit())
    return not s.startswith("-")


def parse(v: Verb, argv: Sequence[str]) -> Tuple[int, Args]:
    """cli_parse over the arguments after the verb: (OK, args), (HELP, …) after printing the
    help on standard output, or (USAGE, …) after printing the error on standard error."""
    a = Args([Value() for _ in v.opts], [])
    only_operands = False
    prev_flag: Optional[Opt] = None
    i = 0
    args = list(argv)
    while i < len(args):
        arg = args[i]
        after_flag, prev_flag = prev_flag, None
        if only_operands or not arg.startswith("-") or arg == "-":
            if not v.operands and after_flag is not None:
                err(v.name, "unexpected argument '%s': %s takes no value%s" % (
                    arg, after_flag.name,
                    " (it prints JSON on standard output; -o FILE writes it to a file)"
                    if after_flag.name == "--json" else ""))
                return USAGE, a
            if not v.operands:
                err(v.name, "unexpected argument '%s' (%s takes options only; see `accel help "
                            "%s`)" % (arg, v.name, v.name))
                return USAGE, a
            a.operands.append(arg)
            i += 1
            continue
        if arg == "--":
            only_operands = True
            i += 1
            continue
        if arg in ("-h", "--help"):
            help_text(v, sys.stdout)
            return HELP, a
        k, negated = _find(v, arg)
        if k < 0:
            eq = arg.find("=")
            word = arg[:eq] if eq >= 0 else arg
            near = nearest_name(word, _spellings(v))
            sys.stderr.write("accel %s: error: unknown option '%s'%s (allowed: %s)\n" % (
                v.name, word, "; did you mean '%s'?" % near if near else "", _allowed_list(v)))
            return USAGE, a
        o, val = v.opts[k], a.v[k]
        eq = arg.find("=")
        as_ = arg[:eq] if eq >= 0 else arg
        val.set += 1
        if o.type in (FLAG, SWITCH):
            if eq >= 0:
                err(v.name, "%s takes no value (given '%s')" % (as_, arg[eq + 1:]))
                return USAGE, a
            val.on = not negated
            prev_flag = o
            i += 1
            continue
        value: Optional[str] = None
        if eq >= 0:
            value = arg[eq + 1:]
        elif o.flags & OPTIONAL_VALUE:
            if i + 1 < len(args) and _looks_like_value(o, args[i + 1]):
                i += 1
                value = args[i]
        else:
            nxt = args[i + 1] if i + 1 < len(args) else None
            if nxt is None or (nxt.startswith("--") and _find(v, nxt)[0] >= 0):
                err(v.name, "%s needs a value (%s)" % (as_, o.arg or "a value"))
                return USAGE, a
            i += 1
            value = nxt
        if value is not None and not _take(v, o, as_, value, val):
            return USAGE, a
        i += 1
    return OK, a


def help_text(v: Verb, f: TextIO) -> None:
    """cli_help: usage line, about, every option with its spellings, the footer."""
    f.write("usage: accel %s %s\n" % (v.name, v.synopsis or "[options]"))
    if v.about:
        f.write("\n%s%s" % (v.about, "" if v.about.endswith("\n") else "\n"))
    f.write("\noptions:\n")
    col = 24
    rows: List[Tuple[str, str]] = []
    for o in v.opts:
        left = "  " + o.name
        if o.type == SWITCH:
            left += ", --no-" + o.name[2:]
        for al in _aliases(o):
            left += ", " + al
        if o.arg and o.type not in (FLAG, SWITCH):
            left += (" [%s]" if o.flags & OPTIONAL_VALUE else " %s") % o.arg
        rows.append((left, o.help or ""))
    rows.append(("  -h, --help", "print this help"))
    for left, hp in rows:
        n = len(left.encode())  # bytes, as the binary pads with printf
        if n + 2 <= col:
            f.write(left + " " * (col - n))
        else:
            f.write("%s\n%s" % (left, " " * col))
        lines = hp.split("\n")
        for k, line in enumerate(lines):
            f.write(line + "\n")
            if k + 1 < len(lines):
                f.write(" " * col)
    if v.footer:
        f.write("\n%s%s" % (v.footer, "" if v.footer.endswith("\n") else "\n"))


# ---- where the report goes (cli_out) --------------------------------------------------------

class Out:
    """A report's stream: standard output, or FILE written atomically — a temporary file
    ``.FILE.tmp-XXXXXX`` in FILE's directory, renamed over FILE once complete, removed on any
    failure or on SIGINT/SIGTERM/SIGHUP."""

    def __init__(self, verb: str, fmt: int, path: Optional[str]) -> None:
        self.verb = verb
        self.fmt = fmt
        self.path = path
        self.tmp: Optional[str] = None
        self.f: Optional[TextIO] = None
        self._old: Dict[int, Any] = {}

    @classmethod
    def open(cls, verb: str, a: Args, i_json: int, i_format: int, i_output: int) -> Optional["Out"]:
        """cli_out_open: --json and --format must agree; -o opened at once. None after the
        error was printed (exit 2)."""
        fmt = TABLE
        json_ = i_json >= 0 and a.v[i_json].set > 0
        format_ = a.v[i_format].s if i_format >= 0 and a.v[i_format].set else None
        if format_ is not None:
            fmt = FORMATS.index(format_) if format_ in FORMATS else TABLE
            if json_ and fmt != JSON:
                sys.stderr.write("accel %s: error: --json and --format %s disagree (--json is "
                                 "--format json)\n" % (verb, format_))
                return None
        if json_:
            fmt = JSON
        path = a.v[i_output].s if i_output >= 0 and a.v[i_output].set else None
        return cls.open_file(verb, path, fmt)

    @classmethod
    def open_file(cls, verb: str, path: Optional[str], fmt: int) -> Optional["Out"]:
        o = cls(verb, fmt, None)
        if path is None or path == "-":
            o.f = sys.stdout
            return o
        if not path:
            sys.stderr.write("accel %s: error: -o needs a file name\n" % verb)
            return None
        o.path = path
        if os.path.isdir(path):
            o._error("it is a directory")
            return None
        d, base = os.path.dirname(path) or ".", os.path.basename(path)
        try:
            fd, o.tmp = tempfile.mkstemp(prefix=".%s.tmp-" % base, dir=d)
        except OSError as e:
            o._error(os.strerror(e.errno) if e.errno else str(e))
            return None
        um = os.umask(0)
        os.umask(um)
        try:  # the permissions a plain open would give, not mkstemp's 0600
            os.fchmod(fd, 0o666 & ~um)
        except OSError:
            pass
        o._watch()
        o.f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return o

    def _error(self, why: str) -> None:
        sys.stderr.write("accel %s: error: cannot write %s: %s\n" % (self.verb, self.path, why))

    def _watch(self) -> None:
        def on_signal(sig: int, frame: Any) -> None:
            if self.tmp:
                try:
                    os.unlink(self.tmp)
                except OSError:
                    pass
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)

        if threading_main():
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                self._old[s] = signal.signal(s, on_signal)

    def _unwatch(self) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old.clear()

    def text(self) -> Optional[TextIO]:
        """cli_out_text: standard output when the report goes to a file in a machine format."""
        return sys.stdout if self.path and self.fmt != TABLE else None

    def discard(self) -> None:
        """cli_out_discard: remove the unfinished report."""
        if self.path and self.f:
            self.f.close()
        if self.tmp:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
        self.tmp = None
        self.f = None
        self._unwatch()

    def close(self) -> int:
        """cli_out_close: flush, sync, rename over FILE; 0, or 2 after the error."""
        if self.f is None:
            return 0
        if not self.path:
            self.f.flush()
            return 0
        why, code = None, 0
        try:
            self.f.flush()
        except OSError as e:
            why, code = "the write failed", e.errno or errno.EIO
        if why is None:
            try:
                os.fsync(self.f.fileno())
            except OSError as e:
                if e.errno not in (errno.EINVAL, errno.EROFS):
                    why, code = "sync failed", e.errno
        try:
            self.f.close()
        except OSError as e:
            if why is None:
                why, code = "close failed", e.errno
        self.f = None
        if why is None:
            try:
                os.rename(self.tmp, self.path)
            except OSError as e:
                why, code = "rename failed", e.errno
        if why is not None:
            self._error("%s (%s)" % (os.strerror(code), why))
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None
            self._unwatch()
            return 2
        self.tmp = None
        self._unwatch()
        return 0


def threading_main() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


# ---- tables (cli_table) ----------------------------------------------------------------------

def _csv_cell(s: str) -> str:
    if not any(c in s for c in ',"\n\r'):
        return s
    return '"' + s.replace('"', '""') + '"'


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def table_write(head: Sequence[str], align: str, rows: Sequence[Sequence[Optional[str]]],
                fmt: int, f: TextIO) -> None:
    """table: every column as wide as its widest cell, two spaces apart (right-aligned where
    `align` says 'r'); csv: RFC 4180 with \\r\\n; md: a pipe table."""
    cells = [list(head)] + [[c or "" for c in r] for r in rows]
    nc = len(head)
    if fmt == CSV:
        for r in cells:
            f.write(",".join(_csv_cell(c) for c in r) + "\r\n")
        return
    if fmt == MD:
        for k, r in enumerate(cells):
            f.write("|" + "".join(" %s |" % _md_cell(c) for c in r) + "\n")
            if k == 0:
                f.write("|" + "".join(" ---: |" if align[c] == "r" else " --- |"
                                      for c in range(nc)) + "\n")
        return
    w = [max(len(r[c]) for r in cells) for c in range(nc)]
    for r in cells:
        line = []
        for c in range(nc):
            s = r[c]
            pad = w[c] - len(s)
            last = c + 1 == nc
            if align[c] == "r":
                s = " " * pad + s
            elif not last:
                s = s + " " * pad
            line.append(s)
        f.write("  ".join(line) + "\n")


# ---- JSON (accel__json) ----------------------------------------------------------------------

def _json_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_number(v: float) -> str:
    """The shortest of %.15g, %.16g, %.17g that reads back as the same double; null for NaN
    and infinities (accel__json_num)."""
    if v != v or v in (float("inf"), float("-inf")):
        return "null"
    s = ""
    for digits in (15, 16, 17):
        s = "%.*g" % (digits, v)
        if float(s) == v:
            break
    return s


def json_text(doc: Any, pretty: bool = True) -> str:
    """A document as accel's JSON writer prints it: two-space indentation, ": " after keys
    (compact, one line, with ``pretty`` False), empty containers as [] and {}, integers as
    integers, numbers in their shortest exact form, strings with only the escapes JSON needs
    (UTF-8 kept), a final newline."""
    out: List[str] = []

    def value(v: Any, depth: int) -> None:
        if v is None:
            out.append("null")
        elif v is True:
            out.append("true")
        elif v is False:
            out.append("false")
        elif isinstance(v, int):
            out.append("%d" % v)
        elif isinstance(v, float):
            out.append(json_number(v))
        elif isinstance(v, str):
            out.append(_json_str(v))
        elif isinstance(v, dict):
            container("{", "}", [(k, x) for k, x in v.items()], depth)
        elif isinstance(v, (list, tuple)):
            container("[", "]", [(None, x) for x in v], depth)
        else:
            raise TypeError("not JSON: %r" % (v,))

    def container(o: str, c: str, items: List[Tuple[Optional[str], Any]], depth: int) -> None:
        out.append(o)
        for k, (key, x) in enumerate(items):
            if k:
                out.append(",")
            if pretty:
                out.append("\n" + "  " * (depth + 1))
            if key is not None:
                out.append(_json_str(key) + (": " if pretty else ":"))
            value(x, depth + 1)
        if items and pretty:
            out.append("\n" + "  " * depth)
        out.append(c)

    value(doc, 0)
    return "".join(out) + "\n"
