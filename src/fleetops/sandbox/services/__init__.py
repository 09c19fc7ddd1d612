"""The sandbox's services, one module (and one Router) each."""

from __future__ import annotations

from fleetops.sandbox.routing import Router


def all_routers() -> list[Router]:
    """Every service the sandbox speaks, each under its own path prefix."""
    from fleetops.sandbox.services import dockerhub, dogfood, feeds, github, godev, mergefreeze, npm, slack, zenhub
    from fleetops.sandbox.services import github_graphql

    return [
        github_graphql.router,  # `/github/graphql` before the REST router's `/github`
        github.router,
        mergefreeze.router,
        zenhub.router,
        dockerhub.router,
        dogfood.router,
        godev.router,
        feeds.router,
        slack.router,
        npm.router,
    ]
