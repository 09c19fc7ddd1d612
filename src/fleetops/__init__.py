"""fleetops: the release rituals of Fleet's engineering handbook as commands."""

__version__ = "0.1.0"
