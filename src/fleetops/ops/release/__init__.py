"""Releasing Fleet (SPEC §2 "Releasing"): `release prepare` (prepare.py, prepare_steps.py), `release
check-migrations` (check_migrations.py), `release tag` (tag.py) and `release publish` (publish.py).

`interim.py` holds the release branch name, the version files and the migration directories
for tag and publish until they read the rituals file's `releasing:` section (issue 21).
"""
