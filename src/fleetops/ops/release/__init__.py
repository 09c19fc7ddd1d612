"""The release itself (SPEC §2 "Releasing"): `release prepare` and `release check-migrations`."""
