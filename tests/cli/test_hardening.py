"""Issue 20: what a new user broke in an afternoon, one test per class (secrets, files, crashes, the journal)."""

from __future__ import annotations

import pytest

from tests.helpers import CliResult

# Each piece between blanks is 8 characters or more: the redactor masks pieces that long.
MALFORMED_TOKENS = ["ghp_SECRETAAA\nSECRETBBB", "ghp_SECRETCCC SECRETDDD", "ghp_SECRÉTEEEFFF", "ghp_SECRETGGG\tSECRETHHH"]


def _no_secret(result: CliResult, *pieces: str) -> None:
    for piece in pieces:
        assert piece not in result.output, piece
    assert "Traceback" not in result.output


@pytest.mark.parametrize("variable", ["GH_TOKEN", "ZENHUB_TOKEN", "FLEETOPS_DOGFOOD_TOKEN", "MERGEFREEZE_TOKEN"])
@pytest.mark.parametrize("token", MALFORMED_TOKENS)
@pytest.mark.parametrize("json", [False, True])
def test_a_token_that_cannot_be_a_token_is_exit_4_naming_the_variable_and_never_shown(cli, sandbox, variable, token, json) -> None:  # noqa: ANN001
    env = {**sandbox.env(), variable: token}
    result = cli("release", "create-qa-issue", "4.59.0", "--dry-run", *(["--json"] if json else []), env=env)
    assert result.code == 4, result.output
    assert f"{variable} cannot be a token" in result.stderr
    _no_secret(result, token, *token.split(), repr(token)[1:-1])
    assert sandbox.requests == []  # refused before the first request
    if json:
        assert result.json()["error"]["exit_code"] == 4


@pytest.mark.parametrize("value", ["not a url", "ftp://127.0.0.1:1", "http://[::1", "http://127.0.0.1:99999", "http://", "127.0.0.1:8080"])
@pytest.mark.parametrize(
    "variable",
    ["GITHUB_API_URL", "FLEETOPS_MERGEFREEZE_URL", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL", "FLEETOPS_GODEV_URL",
     "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL"],
)
def test_a_malformed_url_variable_is_exit_2_one_line_and_nothing_is_written(cli, clean_env, variable, value) -> None:  # noqa: ANN001
    result = cli("release", "create-qa-issue", "4.59.0", "--yes", env={variable: value, "GH_TOKEN": "ghp_" + "x" * 36})
    assert result.code == 2, result.output
    assert result.stderr.startswith(f"error: {variable}")
    assert "unexpected" not in result.output and "Traceback" not in result.output
    assert not clean_env.exists() or not any(clean_env.rglob("*"))  # nothing written: no journal, no lock
    if variable == "SLACK_WEBHOOK_URL":  # its value is a secret: not even a malformed one is shown
        assert value not in result.output


def test_a_url_with_a_password_is_never_echoed(cli) -> None:  # noqa: ANN001
    result = cli("release", "create-qa-issue", "4.59.0", "--dry-run", env={"GITHUB_API_URL": "http://user:pa55word@[::1", "GH_TOKEN": "ghp_" + "x" * 36})
    assert result.code == 2
    assert "pa55word" not in result.output
    from fleetops.redaction import redact

    assert redact("GET http://user:pa55word@example.com/x failed") == "GET http://user:***@example.com/x failed"
