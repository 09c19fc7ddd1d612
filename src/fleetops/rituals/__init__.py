"""Rituals files: Fleet's process as data, validated (SPEC §3)."""

from fleetops.rituals.loader import bundled_path, load_rituals
from fleetops.rituals.models import Rituals

__all__ = ["Rituals", "bundled_path", "load_rituals"]
