"""The handbook's own *.rituals.yml: list, due, check, create-issues (commands.py) and the iCalendar export (calendar.py)."""
