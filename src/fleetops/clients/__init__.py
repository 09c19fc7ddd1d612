"""The factory: one place that builds every service client from the settings.

Clients are built on first use, so a command only needs the tokens of the services it talks
to, and `fleetops --help` never imports PyGithub. The sandbox and the tests swap the whole
world by handing a different `Settings` to this factory; nothing else changes.

Every client of one run shares one `Network` (clients/network.py): one TLS context, one httpx
connection pool per host, and one `Costs` meter that `--json` reports as `"requests"`. A new
client is built inside `self._for(service)`, so that its HTTP attempts count under `service`;
a client that is not an httpx one (a GitHub GraphQL client, say) takes `self.costs` and calls
`add_graphql_points` itself.

A client may be built in a reader thread (a command's first requests then leave before the
libraries that only its other reads need are imported): each is built once per run, also when two
threads ask for it at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from fleetops.clients.network import Costs, Network

if TYPE_CHECKING:
    from fleetops.clients.dockerhub import DockerHubClient
    from fleetops.clients.dogfood import DogfoodClient
    from fleetops.clients.feeds import FeedsClient
    from fleetops.clients.github import GitHubClient
    from fleetops.clients.github_links import GitHubLinksClient
    from fleetops.clients.github_projects import GitHubProjectsClient
    from fleetops.clients.godev import GoDevClient
    from fleetops.clients.mergefreeze import MergeFreezeClient
    from fleetops.clients.npm import NpmClient
    from fleetops.clients.slack import SlackClient
    from fleetops.clients.zenhub import ZenHubClient
    from fleetops.settings import Settings


T = TypeVar("T")


class built_once(Generic[T]):  # noqa: N801 - used like functools.cached_property
    """`cached_property` that builds once per instance when threads race for it (one lock per client)."""

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> built_once[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | built_once[T]:
        if obj is None:
            return self
        cache = obj.__dict__
        if self.name in cache:
            return cache[self.name]
        with cache["_locks"].setdefault(self.name, threading.Lock()):  # dict.setdefault is atomic
            if self.name not in cache:
                cache[self.name] = self.build(obj)
            return cache[self.name]


class Clients:
    """Lazily built clients for one run."""

    def __init__(self, settings: Settings, repo: str, *, costs: Costs | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.network = Network(costs)
        self._built: list[object] = []
        self._locks: dict[str, threading.Lock] = {}  # for `built_once`

    @property
    def costs(self) -> Costs:
        return self.network.costs

    @contextmanager
    def _for(self, service: str) -> Iterator[None]:
        """httpx clients built inside send through the shared network and count under `service`."""
        from fleetops.clients.http import building

        with building(self.network, service):
            yield

    def _keep(self, client):  # noqa: ANN001, ANN202
        self._built.append(client)
        return client

    @built_once
    def github(self) -> GitHubClient:
        from fleetops.clients.github import GitHubClient

        return self._keep(GitHubClient(self.settings, self.repo, network=self.network))

    @built_once
    def github_projects(self) -> GitHubProjectsClient:
        """GitHub's GraphQL API for Projects v2 boards (same token, base URL and retries as `github`)."""
        from fleetops.clients.github_projects import GitHubProjectsClient

        return self._keep(GitHubProjectsClient(self.settings, network=self.network))

    @built_once
    def github_links(self) -> GitHubLinksClient:
        """Links between GitHub issues and pull requests (GraphQL, sent through `github_projects`)."""
        from fleetops.clients.github_links import GitHubLinksClient

        return GitHubLinksClient(self.github_projects)

    @built_once
    def mergefreeze(self) -> MergeFreezeClient:
        from fleetops.clients.mergefreeze import MergeFreezeClient

        with self._for("mergefreeze"):
            return self._keep(MergeFreezeClient(self.settings))

    @built_once
    def slack(self) -> SlackClient:
        from fleetops.clients.slack import SlackClient

        with self._for("slack"):
            return self._keep(SlackClient(self.settings))

    @built_once
    def zenhub(self) -> ZenHubClient:
        from fleetops.clients.zenhub import ZenHubClient

        with self._for("zenhub"):
            return self._keep(ZenHubClient(self.settings))

    @built_once
    def dockerhub(self) -> DockerHubClient:
        from fleetops.clients.dockerhub import DockerHubClient

        with self._for("dockerhub"):
            return self._keep(DockerHubClient(self.settings))

    @built_once
    def dogfood(self) -> DogfoodClient:
        from fleetops.clients.dogfood import DogfoodClient

        with self._for("dogfood"):
            return self._keep(DogfoodClient(self.settings))

    @built_once
    def godev(self) -> GoDevClient:
        from fleetops.clients.godev import GoDevClient

        with self._for("godev"):
            return self._keep(GoDevClient(self.settings))

    @built_once
    def feeds(self) -> FeedsClient:
        from fleetops.clients.feeds import FeedsClient

        with self._for("feeds"):
            return self._keep(FeedsClient(self.settings))

    def slack_for(self, variable: str) -> SlackClient:
        """The Slack client of the webhook in `variable` (one per variable; SLACK_WEBHOOK_URL's is `slack`)."""
        if variable == "SLACK_WEBHOOK_URL":
            return self.slack
        from fleetops.clients.slack import SlackClient

        with self._locks.setdefault("slack:" + variable, threading.Lock()):
            cache: dict[str, SlackClient] = self.__dict__.setdefault("_slack_by_variable", {})
            if variable not in cache:
                with self._for("slack"):
                    cache[variable] = self._keep(SlackClient(self.settings, variable=variable))
            return cache[variable]

    @built_once
    def npm(self) -> NpmClient:
        from fleetops.clients.npm import NpmClient

        with self._for("npm"):
            return self._keep(NpmClient(self.settings))

    def close(self) -> None:
        for client in self._built:
            close = getattr(client, "close", None)
            if close is not None:
                close()
        self._built.clear()
        self.network.close()
