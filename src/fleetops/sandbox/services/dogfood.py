"""The dogfood Fleet server's version endpoint (`GET /api/v1/fleet/version`).

It answers like Fleet: the build's version, branch, revision (full commit hash), Go version
and build date, to a request with a valid API token (`Authorization: Bearer ...`), and 401
with Fleet's error body otherwise. A successful deploy run changes what it reports (see
services/github/actions.py).
"""

from __future__ import annotations

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("dogfood", "/dogfood")


def _authenticate(ctx: Context, req: Request) -> None:
    if req.bearer() != ctx.state["tokens"]["dogfood"]:
        raise HTTPError(
            401,
            {
                "message": "Authentication required",
                "errors": [{"name": "base", "reason": "Authentication required"}],
            },
        )


@router.route("GET", "/api/v1/fleet/version")
def version(ctx: Context, req: Request) -> Response:
    _authenticate(ctx, req)
    server = ctx.state["dogfood"]
    return Response(
        body={
            "version": server["version"],
            "branch": server.get("branch", "HEAD"),
            "revision": server["revision"],
            "go_version": server.get("go_version", "go1.22.3"),
            "build_date": server.get("build_date"),
            "build_user": server.get("build_user", "runner"),
        }
    )
