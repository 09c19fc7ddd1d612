"""Users and rate limits: `GET /user`, `GET /users/{username}`, `GET /rate_limit`."""

from __future__ import annotations

from fleetops.sandbox.routing import Context, Request, Response
from fleetops.sandbox.services.github.common import (
    JSON,
    not_found,
    require_writer,
    router,
    user_json,
    viewer,
)


# --- routes: users and limits ----------------------------------------------------------------------
def public_user_json(ctx: Context, login: str) -> JSON:
    """GitHub's `public-user` shape for a login of the world (what /user and /users/{username} answer)."""
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
    return body


@router.route("GET", "/user")
def get_user(ctx: Context, req: Request) -> Response:
    return Response(body=public_user_json(ctx, require_writer(ctx, req)))


@router.route("GET", "/users/{username}")
def get_user_by_login(ctx: Context, req: Request) -> Response:
    """Whether a login exists (`fleetops rituals check --online`)."""
    viewer(ctx, req)
    users = ctx.state["github"]["users"]
    # GitHub logins are case-insensitive; the answer spells the login as GitHub keeps it.
    login = next((name for name in users if name.lower() == req.params["username"].lower()), None)
    if login is None:
        raise not_found()
    return Response(body=public_user_json(ctx, login))


@router.route("GET", "/rate_limit")
def rate_limit(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    reset = int(ctx.now().timestamp()) + 3600
    core = {"limit": 5000, "remaining": 4999, "reset": reset, "used": 1}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return Response(body={"resources": {"core": core, "search": search}, "rate": core})


