"""The merge freeze ("Begin a merge freeze", "Remove the freeze"): its status, begin and end (window.py), and the pull requests let through it (allow_pr.py plans, allow_rules.py decides)."""
