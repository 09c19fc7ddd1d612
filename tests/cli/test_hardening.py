"""Issue 20: what a new user broke in an afternoon, one test per class (secrets, files, crashes, the journal)."""

from __future__ import annotations

import pytest

from tests.helpers import CliResult

# Each piece between blanks is 8 characters or more: the redactor masks pieces that long.
MALFORMED_TOKENS = ["ghp_SECRETAAA\nSECRETBBB", "ghp_SECRETCCC SECRETDDD", "ghp_SECRÉTEEEFFF", "ghp_SECRETGGG\tSECRETHHH"]


def _said(result: CliResult) -> str:
    """stderr with Rich's line folds undone."""
    return " ".join(result.stderr.split())


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
    assert f"{variable} cannot be a token" in _said(result)
    _no_secret(result, token, *token.split(), repr(token)[1:-1])
    assert sandbox.requests == []  # refused before the first request
    if json:
        assert result.json()["error"]["exit_code"] == 4


@pytest.mark.parametrize("value", ["not a url", "ftp://127.0.0.1:1", "http://[::1", "http://127.0.0.1:99999", "http://", "127.0.0.1:8080"])
@pytest.mark.parametrize(
    "variable",
    ["GITHUB_API_URL", "FLEETOPS_MERGEFREEZE_URL", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL", "FLEETOPS_GODEV_URL",
     "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL",
     "FLEETOPS_NPM_URL", "SLACK_GENERAL_WEBHOOK_URL"],
)
def test_a_malformed_url_variable_is_exit_2_one_line_and_nothing_is_written(cli, clean_env, variable, value) -> None:  # noqa: ANN001
    result = cli("release", "create-qa-issue", "4.59.0", "--yes", env={variable: value, "GH_TOKEN": "ghp_" + "x" * 36})
    assert result.code == 2, result.output
    assert result.stderr.startswith(f"error: {variable}")
    assert "unexpected" not in result.output and "Traceback" not in result.output
    assert not clean_env.exists() or not any(clean_env.rglob("*"))  # nothing written: no journal, no lock
    if variable.startswith("SLACK_"):  # a webhook's value is a secret: not even a malformed one is shown
        assert value not in result.output


def test_a_url_with_a_password_is_never_echoed(cli) -> None:  # noqa: ANN001
    result = cli("release", "create-qa-issue", "4.59.0", "--dry-run", env={"GITHUB_API_URL": "http://user:pa55word@[::1", "GH_TOKEN": "ghp_" + "x" * 36})
    assert result.code == 2
    assert "pa55word" not in result.output
    from fleetops.redaction import redact

    assert redact("GET http://user:pa55word@example.com/x failed") == "GET http://user:***@example.com/x failed"


# -- item 2: files at user-given paths ---------------------------------------------------------------
def _calendar(cli, sandbox, path, *extra):  # noqa: ANN001, ANN002, ANN202
    return cli("rituals", "calendar", "--ics", str(path), "--from", "2026-01-05", "--to", "2026-01-18", *extra, env=sandbox.env())


def test_calendar_refuses_a_fifo_and_leaves_it_a_fifo(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    import os
    import stat

    fifo = tmp_path / "cal.fifo"
    os.mkfifo(fifo)
    result = _calendar(cli, sandbox, fifo)
    assert result.code == 2, result.output
    assert "is a FIFO (named pipe), not a regular file" in _said(result)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sandbox.requests == []  # refused before the first read


def test_calendar_refuses_a_directory_and_a_device_made_in_tmp_path(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    """Never a real /dev node: run against code that replaces what it is given, that would replace it."""
    import os
    import stat

    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = _calendar(cli, sandbox, folder)
    assert result.code == 2 and "is a directory, not a regular file" in _said(result), result.output
    assert folder.is_dir() and not any(folder.iterdir())
    device = tmp_path / "null-device"
    try:  # a character device like /dev/null (1, 3), made here: root in a container may not be allowed to
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        return  # the FIFO and the folder above take the same stat-based path (files.target_of)
    result = _calendar(cli, sandbox, device)
    assert result.code == 2 and "is a character device" in _said(result), result.output
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_calendar_writes_through_a_symlink_to_its_target(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    target = tmp_path / "real.ics"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.ics"
    link.symlink_to(target)
    result = _calendar(cli, sandbox, link)
    assert result.code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text().startswith("BEGIN:VCALENDAR")
    assert (target.stat().st_mode & 0o777) == 0o640  # the replaced file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.ics", "real.ics"]  # no temporary left


def test_calendar_dash_is_standard_output(cli, sandbox, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    result = _calendar(cli, sandbox, "-")
    assert result.code == 0, result.output
    assert result.stdout.startswith("BEGIN:VCALENDAR")
    assert not (tmp_path / "-").exists()
    assert _calendar(cli, sandbox, "-", "--json").code == 2  # two things on one stdout: refused


# -- item 4: the sandbox's state dir --------------------------------------------------------------------
def _blocked_state_dirs(tmp_path):  # noqa: ANN001, ANN202
    import os

    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    sandbox_file = tmp_path / "with-sandbox-file"
    sandbox_file.mkdir()
    (sandbox_file / "sandbox").write_text("in the way")
    cases = {"a file": a_file, "its sandbox entry a file": sandbox_file}
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        cases["unwritable"] = locked
    return cases


@pytest.mark.parametrize("command", [["sandbox", "reset"], ["sandbox", "serve", "--port", "0"], ["--sandbox", "freeze", "status"]])
def test_a_state_dir_the_sandbox_cannot_use_is_exit_2_naming_it(cli, tmp_path, command) -> None:  # noqa: ANN001
    for name, state_dir in _blocked_state_dirs(tmp_path).items():
        result = cli(*command, env={"FLEETOPS_STATE_DIR": str(state_dir)})
        assert result.code == 2, (name, result.output)
        assert f"FLEETOPS_STATE_DIR {state_dir} is not a writable directory" in _said(result), name
        assert "unexpected" not in result.output and "Traceback" not in result.output


# -- item 5: a corrupt sandbox world ----------------------------------------------------------------------
def _worlds():  # noqa: ANN202
    import json

    from fleetops.sandbox.world import build_world

    good = build_world("default")
    wrong_section = {**good, "mergefreeze": []}
    wrong_field = {**good, "github": {**good["github"], "repos": "fleetdm/fleet"}}
    return {
        "empty object": b"{}",
        "a list": b"[]",
        "not UTF-8": b"\xff\xfe\x00garbage",
        "not JSON": b"{\"world\": ",
        "a service section of the wrong type": json.dumps(wrong_section).encode(),
        "a field of the wrong type": json.dumps(wrong_field).encode(),
        "a directory": None,
    }


@pytest.mark.parametrize("case", list(_worlds()))
@pytest.mark.parametrize("command", [["--sandbox", "freeze", "status"], ["--sandbox", "freeze", "begin", "--yes"], ["sandbox", "serve", "--port", "0"]])
def test_a_corrupt_sandbox_world_is_exit_2_saying_reset(cli, clean_env, case, command) -> None:  # noqa: ANN001
    world = clean_env / "sandbox" / "state.json"
    world.parent.mkdir(parents=True)
    data = _worlds()[case]
    if data is None:
        world.mkdir()
    else:
        world.write_bytes(data)
    result = cli(*command)
    assert result.code == 2, result.output
    said = _said(result)
    assert f"the sandbox world {world} is damaged" in said and "run `fleetops sandbox reset`" in said.lower()
    assert "unexpected" not in said and "HTTP 500" not in said and "Traceback" not in result.output
    assert cli("sandbox", "reset").code == 0  # and the reset it names repairs it
    assert world.is_file()


# -- item 6: far dates ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["rituals", "due", "--date", "9999-12-30", "--days", "7"],
        ["rituals", "due", "--date", "0001-01-01"],
        ["rituals", "calendar", "--ics", "ICS", "--from", "9999-12-01"],
        ["rituals", "calendar", "--ics", "ICS", "--from", "8999-12-01", "--to", "9999-12-31"],
        ["rituals", "create-issues", "--date", "9999-12-31", "--dry-run"],
    ],
)
def test_a_date_far_from_today_is_exit_2_one_line(cli, sandbox, tmp_path, args) -> None:  # noqa: ANN001
    ics = tmp_path / "out.ics"
    result = cli(*[str(ics) if a == "ICS" else a for a in args], env=sandbox.env())
    assert result.code == 2, result.output
    assert "is too far from today" in _said(result) and "unexpected" not in result.output
    assert not ics.exists()


def test_the_last_accepted_day_still_works(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    assert cli("rituals", "due", "--date", "8999-12-31", "--days", "366", env=sandbox.env()).code == 0
    assert cli("rituals", "calendar", "--ics", str(tmp_path / "a.ics"), "--from", "8999-12-31", env=sandbox.env()).code == 0


# -- item 10: a key given twice in a rituals file -----------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "lines"),
    [
        (lambda text: text.replace("default_branch: main\n", "default_branch: main\nrepository: someone/else\n"), (9, 11)),
        (lambda text: text.replace("  release_dri: lukeheath\n", "  release_dri: lukeheath\n  release_dri: somebody\n"), (13, 14)),
    ],
)
def test_a_key_given_twice_in_a_rituals_file_is_exit_2_naming_both_lines(cli, sandbox, tmp_path, edit, lines) -> None:  # noqa: ANN001
    from pathlib import Path

    import fleetops

    text = (Path(fleetops.__file__).parent.parent.parent / "rituals" / "fleet.yml").read_text()
    path = tmp_path / "mine.yml"
    path.write_text(edit(text))
    result = cli("freeze", "status", env={**sandbox.env(), "FLEETOPS_RITUALS": str(path)})
    assert result.code == 2, result.output
    assert f"is given twice, at lines {lines[0]} and {lines[1]}" in _said(result)
    assert sandbox.requests == []


def test_a_handbook_ritual_with_a_key_twice_names_both_lines(cli, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "x.rituals.yml"
    path.write_text('- task: "A"\n  startedOn: "2024-01-01"\n  frequency: "Daily"\n  description: "d"\n  dri: "me"\n  dri: "you"\n')
    result = cli("rituals", "check", str(path))
    assert result.code == 2, result.output
    assert "dri is given twice (lines 5 and 6)" in result.output


# -- items 12, 13: the journal and interruptions --------------------------------------------------------------
def _journal(state_dir):  # noqa: ANN001, ANN202
    import json

    return [json.loads(line) for line in (state_dir / "journal.jsonl").read_text().splitlines() if line.startswith("{") and line.endswith("}")]


def test_a_journal_whose_last_record_was_cut_short_gets_the_next_on_a_new_line(cli, sandbox, clean_env) -> None:  # noqa: ANN001
    clean_env.mkdir(parents=True, exist_ok=True)
    damaged = '{"time": "2026-01-01T00:00:00+00:00", "command": "freeze begin", "st'
    (clean_env / "journal.jsonl").write_text('{"step": "earlier", "status": "done"}\n' + damaged)
    result = cli("freeze", "begin", "--yes", env=sandbox.env())
    assert result.code == 0, result.output
    lines = (clean_env / "journal.jsonl").read_text().splitlines()
    assert lines[1] == damaged  # left as it was, not glued to the next record
    assert [e["status"] for e in _journal(clean_env)] == ["done", "done"]
    assert _said(result).count("was cut short") == 1
    again = cli("freeze", "end", "--yes", env=sandbox.env())
    assert again.code == 0 and "cut short" not in again.output  # said once: the file ends with a line break now


def _spawn(args: list[str], env: dict[str, str]):  # noqa: ANN202
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    full = {k: v for k, v in {**os.environ, **env, "PYTHONPATH": str(src), "CI": "true", "COLUMNS": "400"}.items() if k != "FLEETOPS_TEST_NOW"}
    from tests.helpers import default_sigint

    return subprocess.Popen([sys.executable, "-m", "fleetops", *args], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)  # noqa: PLW1509


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_an_interrupted_run_says_so_and_the_rerun_records_the_step_it_finds_done(cli, sandbox, clean_env, signame) -> None:  # noqa: ANN001
    import signal
    import time

    from fleetops.sandbox.server import Fault

    # The freeze is applied and its answer held back: the process is interrupted while it waits.
    sandbox.inject(Fault("POST", r"^/mergefreeze/api/branches/", delay=3.0))
    proc = _spawn(["freeze", "begin", "--yes"], sandbox.env())
    try:
        deadline = time.monotonic() + 30
        while not [r for r in sandbox.requests if r["method"] == "POST"]:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(getattr(signal, signame))
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted: re-run to finish" in stderr and "Traceback" not in stderr
    records = _journal(clean_env)
    assert [r["status"] for r in records] == ["interrupted"]
    step = records[0]["unfinished"][0]
    sandbox.clear_faults()
    again = cli("freeze", "begin", "--yes", "--json", env=sandbox.env())
    assert again.code == 0, again.output
    assert [s["status"] for s in again.json()["steps"]] == ["skipped"]  # found done: not applied twice
    found = _journal(clean_env)[-1]
    assert (found["step"], found["status"], found["found"]) == (step, "found", True)
    assert cli("freeze", "begin", "--yes", env=sandbox.env()).code == 0
    assert len(_journal(clean_env)) == 2  # recorded once


# -- item 17: the README's set-up line ends with exit 3, on purpose, and says so --------------------------
def test_the_readme_says_that_its_set_up_line_ends_with_exit_3_and_it_does(cli, sandbox) -> None:  # noqa: ANN001
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    set_up = readme.split("## Set up", 1)[1].split("## ", 1)[0]
    command = re.search(r"&& \.venv/bin/fleetops (--sandbox release check-deps)\n", set_up)
    assert command is not None
    beside = " ".join(set_up[command.end():].split("```sh", 1)[0].split())
    assert "ends with exit code 3, and that is intended" in beside
    assert cli(*command[1].split(), env=sandbox.env()).code == 3  # the default world, as the README's run gets


# -- item 9: one version parser for every command, before the sandbox starts -------------------------------------
VERSION_COMMANDS = [
    ("fleet", ["release", "create-qa-issue"]),
    ("fleet", ["release", "readiness"]),
    ("fleet", ["release", "conclude-milestone"]),
    ("fleet-rc", ["release", "readiness"]),
    ("fleet-rc", ["release", "conclude-milestone"]),
    ("fleet-rc", ["release", "cut-rc"]),
    ("fleet-rc", ["release", "rc-status"]),
]


@pytest.mark.parametrize("bad", ["٤.٥٨.٠", "4.58", "4.5x.0", "4.58.0.1"])
@pytest.mark.parametrize(("process", "command"), VERSION_COMMANDS, ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_every_command_refuses_a_bad_version_the_same_way_before_the_sandbox_starts(cli, clean_env, process, command, bad) -> None:  # noqa: ANN001
    result = cli("--sandbox", *command, bad, env={"FLEETOPS_RITUALS": process})
    assert result.code == 2, result.output
    assert _said(result) == f"error: VERSION {bad!r} is not a release version. Use MAJOR.MINOR.PATCH, e.g. 4.58.0."
    assert not (clean_env / "sandbox").exists()  # no sandbox was started, no world written


def test_deploy_dogfood_refuses_digits_that_are_not_ascii(cli, clean_env) -> None:  # noqa: ANN001
    result = cli("--sandbox", "release", "deploy-dogfood", "٤.٥٨.٠")
    assert result.code == 2 and "unexpected" not in result.output, result.output
    assert not (clean_env / "sandbox").exists()


def test_the_one_parser_takes_ascii_digits_only() -> None:
    from fleetops.versions import parse_release, release_text

    assert parse_release("v4.58.0") is not None and parse_release(" 4.058.0 ") is not None
    assert parse_release("٤.٥٨.٠") is None and release_text("4.５8.0") is None


# -- item 11: a world rehearses one process ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("world", "rituals", "args"),
    [
        ("rc", None, ["release", "conclude-milestone", "4.59.0", "--dry-run"]),
        ("rc", "fleet", ["freeze", "status"]),
        ("default", "fleet-rc", ["release", "rc-status", "4.59.0"]),
        ("released", "fleet-rc", ["release", "conclude-milestone", "4.58.0", "--yes"]),
    ],
)
def test_a_world_of_the_other_process_is_exit_2_naming_fleetops_rituals(cli, clean_env, monkeypatch, world, rituals, args) -> None:  # noqa: ANN001
    assert cli("sandbox", "reset", "--world", world).code == 0
    if rituals is not None:
        monkeypatch.setenv("FLEETOPS_RITUALS", rituals)
    result = cli("--sandbox", *args)
    assert result.code == 2, result.output
    said = _said(result)
    assert f"the sandbox's world {world!r} rehearses the" in said and "FLEETOPS_RITUALS" in said
    assert not (clean_env / "sandbox" / "requests.jsonl").exists()  # not one request: nothing planned, nothing written


def test_the_world_records_its_process() -> None:
    from fleetops.sandbox.world import build_world, world_process

    assert build_world("rc")["process"] == "release-candidate"
    assert {build_world(w)["process"] for w in ("default", "current", "release-qa", "released")} == {"merge-freeze"}
    assert world_process({"world": "rc"}) == "release-candidate"  # a world saved before the field existed


# -- item 19: a QA lead played on either board backend ---------------------------------------------------------
def test_move_issue_plays_a_qa_lead_on_the_github_projects_boards_and_readiness_sees_it(cli, clean_env, monkeypatch) -> None:  # noqa: ANN001
    from fleetops.sandbox.world.rc import QA_ISSUE

    monkeypatch.setenv("FLEETOPS_RITUALS", "fleet-rc")
    assert cli("sandbox", "reset", "--world", "rc").code == 0
    before = cli("--sandbox", "release", "readiness", "4.59.0", "--json")
    assert before.code == 3 and before.json()["ready"] is False, before.output
    for board in ("orchestration", "g-orchestration", "71"):
        moved = cli("sandbox", "move-issue", str(QA_ISSUE), "ready for release", "--board", board)
        assert moved.code == 0, moved.output
    assert "moved #24020" in _said(moved) or "already" in _said(moved)
    after = cli("--sandbox", "release", "readiness", "4.59.0", "--json")
    assert after.code == 0 and after.json()["ready"] is True, after.output


@pytest.mark.parametrize(("world", "rituals", "board"), [("default", None, "g-mdm"), ("rc", "fleet-rc", "mdm")])
def test_move_issue_with_an_unknown_issue_is_exit_2(cli, monkeypatch, world, rituals, board) -> None:  # noqa: ANN001
    if rituals:
        monkeypatch.setenv("FLEETOPS_RITUALS", rituals)
    assert cli("sandbox", "reset", "--world", world).code == 0
    result = cli("sandbox", "move-issue", "99999", "Ready for release", "--board", board)
    assert result.code == 2, result.output
    assert "fleetdm/fleet has no issue #99999" in _said(result)
    unknown_board = cli("sandbox", "move-issue", "1", "Ready for release", "--board", "nope")
    assert unknown_board.code == 2 and "Choose one of: ." not in _said(unknown_board) and "Choose one of: " in _said(unknown_board)


# -- item 16: messages a person reads -----------------------------------------------------------------------------
def test_an_empty_rituals_file_says_it_is_empty(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    empty = tmp_path / "empty.yml"
    empty.write_text("")
    result = cli("freeze", "status", env={**sandbox.env(), "FLEETOPS_RITUALS": str(empty)})
    assert result.code == 2 and f"rituals file {empty} is empty." in _said(result) and "NoneType" not in result.output


def test_a_login_with_an_at_sign_is_said_in_words(cli, sandbox) -> None:  # noqa: ANN001
    result = cli("freeze", "status", env={**sandbox.env(), "FLEETOPS_ONCALL": "@lukeheath"})
    assert result.code == 2
    assert "'@lukeheath' is not a GitHub login (without the @)" in _said(result) and "A-Za-z" not in result.output


def test_a_zenhub_401_says_zenhubs_words_not_a_python_list(tmp_path) -> None:  # noqa: ANN001
    import httpx
    import respx

    from fleetops.clients.zenhub import ZenHubClient
    from fleetops.errors import AuthError
    from fleetops.settings import Settings

    settings = Settings.from_env({"FLEETOPS_STATE_DIR": str(tmp_path), "ZENHUB_TOKEN": "zh_tokentoken", "FLEETOPS_ZENHUB_URL": "https://zh.test"})
    body = {"errors": [{"message": "Invalid token", "extensions": {"code": "UNAUTHENTICATED"}}]}
    with respx.mock:
        respx.post("https://zh.test/public/graphql").mock(return_value=httpx.Response(401, json=body))
        with pytest.raises(AuthError) as caught:
            ZenHubClient(settings).board("w1")
    assert "(HTTP 401: Invalid token)" in str(caught.value) and "{'message'" not in str(caught.value)


@pytest.mark.parametrize("given", ["#23103", "23103", "https://github.com/fleetdm/fleet/pull/23103", "https://GHE.example/fleetdm/fleet/pull/23103/files"])
def test_allow_pr_takes_a_number_with_a_hash_or_the_pull_requests_url(cli, sandbox, given) -> None:  # noqa: ANN001
    result = cli("freeze", "allow-pr", given, "--dry-run", "--json", env=sandbox.env())
    assert result.code in (0, 3), result.output
    assert "#23103" in result.json()["steps"][0]["title"]


@pytest.mark.parametrize("given", ["#x", "https://github.com/other/repo/pull/23103", "-1", "https://github.com/fleetdm/fleet/issues/23103"])
def test_allow_pr_refuses_anything_else_in_words(cli, sandbox, given) -> None:  # noqa: ANN001
    result = cli("freeze", "allow-pr", "--dry-run", "--", given, env=sandbox.env())
    assert result.code == 2, result.output
    assert f"N {given!r} is not a pull request of fleetdm/fleet" in _said(result) and "Input should be" not in result.output
    assert sandbox.requests == []


def test_rituals_list_takes_a_dri_with_an_at_sign_and_says_when_none_has_it(cli, sandbox) -> None:  # noqa: ANN001
    with_at = cli("rituals", "list", "--dri", "@lukeheath", "--json", env=sandbox.env())
    assert with_at.code == 0 and with_at.json()["rituals"] and {r["dri"].lower() for r in with_at.json()["rituals"]} == {"lukeheath"}
    nobody = cli("rituals", "list", "--dri", "nobody-here", env=sandbox.env())
    assert nobody.code == 0 and "No ritual has DRI nobody-here." in _said(nobody)


def test_a_missing_milestone_is_named_once_when_both_names_are_the_same(cli, make_sandbox) -> None:  # noqa: ANN001
    server = make_sandbox("rc")
    result = cli("release", "conclude-milestone", "4.49.0", "--dry-run", env={**server.env(), "FLEETOPS_RITUALS": "fleet-rc"})
    assert result.code == 2, result.output
    assert "has no milestone '4.49.0': nothing to conclude" in _said(result) and "nor" not in _said(result)


def test_a_short_hash_is_said_to_be_too_short(cli, sandbox) -> None:  # noqa: ANN001
    result = cli("release", "deploy-dogfood", "98c12", "--dry-run", env=sandbox.env())
    assert result.code == 2
    assert "looks like a commit hash, but 5 hex digits are too few to be unique" in _said(result)


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["freeze", "allow-pr"], "[OPTIONS] N"),
        (["release", "create-qa-issue"], "[OPTIONS] VERSION"),
        (["rituals", "list"], "[OPTIONS] [FILE]..."),
        (["rituals", "due"], "[OPTIONS] [FILE]..."),
        (["rituals", "check"], "[OPTIONS] FILE..."),
        (["sandbox", "move-issue"], "[OPTIONS] NUMBER PIPELINE"),
    ],
)
def test_usage_lines_write_arguments_in_one_style(cli, command, usage) -> None:  # noqa: ANN001
    result = cli(*command, "--help")
    assert result.code == 0
    assert result.stdout.splitlines()[0] == f"Usage: fleetops {' '.join(command)} {usage}"


# -- item 18: due, create-issues and calendar read a handbook checkout as list does ----------------------------------
MINE = """- task: "Water the plants"
  startedOn: "2024-01-01"
  frequency: "Daily"
  description: "Each plant, a little."
  dri: "lukeheath"
  autoIssue:
    labels: ["#g-mdm"]
    repo: "fleet"
"""


def test_due_create_issues_and_calendar_take_files(cli, sandbox, tmp_path) -> None:  # noqa: ANN001
    mine = tmp_path / "mine.rituals.yml"
    mine.write_text(MINE)
    due = cli("rituals", "due", str(mine), "--date", "2026-12-01", "--json", env=sandbox.env())
    assert due.code == 0, due.output
    assert [(d["file"], d["task"]) for d in due.json()["due"]] == [(str(mine), "Water the plants")]
    issues = cli("rituals", "create-issues", str(mine), "--date", "2026-12-01", "--dry-run", "--json", env=sandbox.env())
    assert issues.code == 0, issues.output
    assert [s["title"] for s in issues.json()["steps"]] == ["File 'Water the plants' in fleetdm/fleet"]
    ics = tmp_path / "out.ics"
    calendar = cli("rituals", "calendar", str(mine), "--ics", str(ics), "--from", "2026-12-01", "--to", "2026-12-02", env=sandbox.env())
    assert calendar.code == 0, calendar.output
    assert ics.read_text().count("SUMMARY:Water the plants") == 2
    assert not [r for r in sandbox.requests if "/contents/" in r["path"]]  # the files given, not the repository's
