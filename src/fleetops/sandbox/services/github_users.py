"""GET /users/{username}: whether a login exists (`fleetops rituals check --online`).

Registered on the GitHub router; the answer has the shape of GitHub's `public-user`.
"""

from __future__ import annotations

from fleetops.sandbox.server import Context, Request, Response
from fleetops.sandbox.services.github import not_found, router, user_json, viewer


@router.route("GET", "/users/{username}")
def get_user_by_login(ctx: Context, req: Request) -> Response:
    viewer(ctx, req)
    users = ctx.state["github"]["users"]
    # GitHub logins are case-insensitive; the answer spells the login as GitHub keeps it.
    login = next((name for name in users if name.lower() == req.params["username"].lower()), None)
    if login is None:
        raise not_found()
    info = users[login]
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
