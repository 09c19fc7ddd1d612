"""Releasing Fleet (SPEC §2 "Releasing"): `release prepare` (prepare.py, prepare_steps.py), `release
check-migrations` (check_migrations.py), `release tag` (tag.py) and `release publish` (publish.py).

All of them read one `releasing:` section of the rituals file (branches, changelog, version files,
migrations) and share its checks: migrations.py (the rule), changelog.heading_version, bumps.matches.
"""
