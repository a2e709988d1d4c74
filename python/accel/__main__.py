"""``python -m accel``: the read-only verbs of the accel CLI (devices, doctor, select, config),
for containers that have the package but not the binary."""
import sys

from ._cli import main

sys.exit(main())
