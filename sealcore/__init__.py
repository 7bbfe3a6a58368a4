"""Pure building blocks shared by the seal core (`seals/ca.py`, `keys.py`, `image.py`) and the
PDF engine (`documents/pdf/`): SM2, the national seal format (GB/T 38540), the pdfium lock and
the master-key envelope. No Django and no app imports (checked by the import contracts in
pyproject.toml), so both cores can depend on this package without depending on each other."""
