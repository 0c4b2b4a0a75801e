"""Packs a provider binary as the registry ships it: a zip holding `terraform-provider-trdr_vX.Y.Z`,
executable. Reproducible (fixed timestamp, fixed order), so the same binary always gives the same
archive and the same checksums.

    python3 scripts/package.py BINARY ARCHIVE.zip NAME_IN_ARCHIVE
"""

import sys
import zipfile

binary, archive, name = sys.argv[1:4]
info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 & 0xFFFF) << 16
info.compress_type = zipfile.ZIP_DEFLATED
info.create_system = 3  # Unix, so the mode above is honoured
with open(binary, "rb") as f:
    data = f.read()
with zipfile.ZipFile(archive, "w") as z:
    z.writestr(info, data, compresslevel=6)
