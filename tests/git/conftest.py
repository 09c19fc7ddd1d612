"""Every test here runs git with a fixed identity and no user or system configuration."""

from __future__ import annotations

import pytest

from tests.git.gitrepo import ENV


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, ENV[key])
