"""The handbook's own `*.rituals.yml` files (SPEC §3): models, loader, calendar maths, iCalendar.

Not to be confused with `fleetops.rituals`, the tool's own configuration (rituals/fleet.yml).
"""
