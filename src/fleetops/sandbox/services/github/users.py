"""Users and rate limits: `GET /user`, `GET /rate_limit`."""

from __future__ import annotations

from fleetops.sandbox.server import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    require_writer,
    router,
    user_json,
    viewer,
)


# --- routes: users and limits ----------------------------------------------------------------------
@router.route("GET", "/user")
def get_user(ctx: Context, req: Request) -> Response:
    login = require_writer(ctx, req)
    info = ctx.state["github"]["users"].get(login, {})
    body = user_json(ctx, login)
    body.update(
        {
            "name": info.get("name"), "company": None, "blog": "", "location": None, "email": None,
            "hireable": None, "bio": None, "public_repos": 0, "public_gists": 0, "followers": 0,
            "following": 0, "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
            "user_view_type": "public",
        }
    )
    return Response(body=body)


@router.route("GET", "/rate_limit")
def rate_limit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    reset = int(ctx.now().timestamp()) + 3600
    core = {"limit": 5000, "remaining": 4999, "reset": reset, "used": 1}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return Response(body={"resources": {"core": core, "search": search}, "rate": core})


