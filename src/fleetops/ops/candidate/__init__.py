"""The release candidate of the current handbook: cut it (cut.py) and show how it stands (status.py)."""
