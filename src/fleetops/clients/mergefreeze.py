"""Merge Freeze's Web API (../apis/mergefreeze.md): read a branch's freeze, freeze, unfreeze,
and unblock single pull requests while the branch stays frozen.

The token travels in the query string (`access_token`), the only way Merge Freeze accepts it;
it is redacted from every URL fleetops prints or logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from fleetops.clients.answers import read_answer
from fleetops.clients.http import HttpService, build_client
from fleetops.errors import NotFound, UsageError
from fleetops.settings import Settings


class _Answer(BaseModel):
    """A branch's state as Merge Freeze answers it; only `frozen` and `frozen_by` are documented."""

    model_config = ConfigDict(extra="ignore")
    branch: str | None = None
    frozen: bool | None = None
    frozen_by: str | None = None
    note: str | None = None
    unblocked_prs: list[int] | None = None  # numbers; "3" is read as 3, "#3" or an object is refused


@dataclass(frozen=True)
class FreezeState:
    """A branch's state in Merge Freeze."""

    branch: str
    frozen: bool
    frozen_by: str | None = None
    note: str | None = None
    unblocked_prs: list[int] = field(default_factory=list)

    @classmethod
    def from_json(cls, branch: str, data: Any) -> FreezeState:
        """The state in Merge Freeze's answer; ServiceError naming the field of an unexpected shape."""
        answer = read_answer(_Answer, data, service="Merge Freeze", what=f"the state of branch {branch!r}")
        return cls(
            branch=answer.branch or branch,
            frozen=bool(answer.frozen),
            frozen_by=answer.frozen_by,
            note=answer.note,
            unblocked_prs=answer.unblocked_prs or [],
        )


class MergeFreezeClient(HttpService):
    service = "Merge Freeze"
    token_var = "MERGEFREEZE_TOKEN"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self._token = settings.require("mergefreeze_token", "MERGEFREEZE_TOKEN", "read and change the freeze in Merge Freeze")
        super().__init__(client or build_client(settings, settings.mergefreeze_url))

    def _path(self, repo: str, branch: str) -> str:
        return f"/api/branches/{repo}/{branch}"

    def _not_a_project(self, repo: str, branch: str) -> UsageError:
        return UsageError(
            f"Merge Freeze does not manage {repo} branch {branch!r}.",
            hint="Use the protected branch set up in Merge Freeze (see freeze.branch in the rituals file).",
        )

    def status(self, repo: str, branch: str) -> FreezeState:
        """GET the branch's freeze state."""
        try:
            data = self.request("GET", self._path(repo, branch), params={"access_token": self._token})
        except NotFound:
            raise self._not_a_project(repo, branch) from None
        return FreezeState.from_json(branch, data)

    def _post(self, repo: str, branch: str, form: dict[str, str], note: str | None) -> Any:
        """One POST of form fields (never retried: it is a write)."""
        if note:
            form["note"] = note
        try:
            return self.request("POST", self._path(repo, branch), params={"access_token": self._token}, data=form)
        except NotFound:
            raise self._not_a_project(repo, branch) from None

    def set_frozen(self, repo: str, branch: str, *, frozen: bool, user_name: str, note: str | None = None) -> FreezeState:
        """Freeze or unfreeze the branch (form fields, as Merge Freeze's own examples send them)."""
        form = {"frozen": "true" if frozen else "false", "user_name": user_name}
        data = self._post(repo, branch, form, note)
        return FreezeState.from_json(branch, data if isinstance(data, dict) else {"frozen": frozen})

    def set_unblocked(self, repo: str, branch: str, prs: list[int], *, user_name: str, note: str | None = None) -> FreezeState:
        """Keep the branch frozen and make `prs` its whole list of unblocked pull requests.

        Merge Freeze replaces the list on every call, so callers send every PR that must stay
        unblocked. `frozen=true` always goes with it: a request without `frozen` unfroze the whole
        branch (Fleet PR #19449). The note is sent again so that it is not cleared.
        """
        numbers = sorted(set(prs))
        form = {"frozen": "true", "user_name": user_name, "unblocked_prs": "[" + ",".join(str(n) for n in numbers) + "]"}
        data = self._post(repo, branch, form, note)
        # The answer's shape is not documented: what it leaves out is taken to be what was sent.
        sent: dict[str, Any] = {"frozen": True, "unblocked_prs": numbers, "note": note}
        return FreezeState.from_json(branch, {**sent, **data} if isinstance(data, dict) else sent)
