"""The Release QA issue (issue.py, from the template of template.py) and the readiness of a release by its groups' boards (readiness.py on ZenHub, readiness_projects.py on GitHub Projects)."""
