"""Releasing Fleet (SPEC §2 "Releasing"): `release tag` (tag.py) and `release publish` (publish.py).

`interim.py` holds the release branch name, the version files and the migration directories
until the rituals file's `releasing:` section (issue 21, `release prepare`) says them.
"""
