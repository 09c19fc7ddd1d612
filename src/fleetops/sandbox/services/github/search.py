"""Search: `GET /search/issues` with the qualifiers fleetops sends."""

from __future__ import annotations

import re
import shlex

from fleetops.sandbox.routing import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    find_milestone,
    issue_json,
    JSON,
    paginate,
    router,
    viewer,
)


# --- routes: search ------------------------------------------------------------------------------------
def _search_terms(q: str) -> list[tuple[str, str]]:
    terms = []
    for token in shlex.split(q):
        key, sep, value = token.partition(":")
        # A qualifier is `word:value`; a quoted phrase such as "Release QA: 4.58.0" is text.
        if sep and re.fullmatch(r"-?[A-Za-z_]+", key):
            terms.append((key.lower(), value))
        else:
            terms.append(("text", token))
    return terms


def _date_match(value: str | None, spec: str) -> bool:
    if value is None:
        return False
    day = value[:10]
    if ".." in spec:
        lo, hi = spec.split("..", 1)
        return (lo in ("", "*") or day >= lo) and (hi in ("", "*") or day <= hi)
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            bound = spec[len(op):][:10]
            return {"<": day < bound, ">": day > bound, ">=": day >= bound, "<=": day <= bound}[op]
    return day == spec[:10]


@router.route("GET", "/search/issues")
def search_issues(ctx: Context, req: Request) -> Response:
    """The qualifiers fleetops uses: repo, is, state, label, milestone, in:title text, created, closed."""
    viewer(ctx, req)
    terms = _search_terms(req.arg("q", "") or "")
    repos = [v for k, v in terms if k == "repo"] or list(ctx.state["github"]["repos"])
    # `in:body` (or `in:title,body`) searches the body; without it the text is matched in titles.
    where = {part for k, v in terms if k == "in" for part in v.lower().split(",")}
    results: list[tuple[JSON, JSON]] = []
    for full in repos:
        repo = ctx.state["github"]["repos"].get(full)
        if repo is None:
            continue
        for issue in repo.get("issues", []):
            ok = True
            for key, value in terms:
                is_pr = bool(issue.get("pull_request"))
                if key == "is" and value in ("issue", "pr"):
                    ok &= (value == "pr") == is_pr
                elif key in ("is", "state") and value in ("open", "closed"):
                    ok &= issue["state"] == value
                elif key == "label":
                    ok &= value in issue.get("labels", [])
                elif key == "-label":
                    ok &= value not in issue.get("labels", [])
                elif key == "milestone":
                    ms = find_milestone(repo, issue.get("milestone"))
                    ok &= ms is not None and ms["title"] == value
                elif key == "created":
                    ok &= _date_match(issue["created_at"], value)
                elif key == "closed":
                    ok &= _date_match(issue.get("closed_at"), value)
                elif key == "text":
                    fields = [issue["title"]] if "title" in where or "body" not in where else []
                    fields += [issue.get("body") or ""] if "body" in where else []
                    ok &= any(value.lower() in f.lower() for f in fields)
            if ok:
                results.append((repo, issue))
    results.sort(key=lambda ri: ri[1]["created_at"], reverse=True)
    page, headers = paginate(ctx, req, results)
    items = [dict(issue_json(ctx, repo, issue), score=1.0) for repo, issue in page]
    return Response(
        body={"total_count": len(results), "incomplete_results": False, "items": items, "search_type": "lexical"},
        headers=headers,
    )


