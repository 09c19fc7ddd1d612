"""check-deps: the readiness of Fleet's dependencies (check.py), the parsers of what it reads (parsers.py), the fleetd components' changes (fleetd.py) and the run's summary lines (view.py)."""
