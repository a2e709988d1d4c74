"""``python -m accel``: the read-only verbs of the accel CLI (devices, doctor, select, config),
for containers that have the package but not the binary. They are the binary's own code,
compiled into the extension (python/src/cli.c), so options, help, reports and exit codes are
the binary's."""
import signal
import sys

from ._accel import cli

# The process is the command: Ctrl-C, and a reader that goes away (`… | head`), end it as they
# end the binary, instead of waiting for Python's handlers that a C loop never returns to.
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.stdout.flush()
sys.exit(cli(sys.argv[1:]))
