"""OFD (GB/T 33190) documents with GB/T 38540 / GM/T 0031 signatures (GM/T 0099): reading
packages safely (`package.py`), verifying every signature (`verify.py`) and sealing
(`seal.py`). Plain functions over bytes; no Django, no app module."""
