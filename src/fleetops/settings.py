"""Settings: the endpoints, tokens and switches of one run, from the environment (SPEC §1).

Layers, lowest first: built-in defaults → rituals file (repository, people) → environment →
command-line flags. The sandbox replaces every endpoint and token in one place
(`Settings.for_sandbox`), so no client knows whether it talks to the real world.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from fleetops.errors import AuthError, UsageError
from fleetops.redaction import register_secret

DEFAULTS = {
    "github_api_url": "https://api.github.com",
    "mergefreeze_url": "https://www.mergefreeze.com",
    "zenhub_url": "https://api.zenhub.com",
    "dockerhub_url": "https://hub.docker.com",
    "godev_url": "https://go.dev",
    "npm_url": "https://registry.npmjs.org",
}


# The variables that hold a token, and those that hold an endpoint (SLACK_WEBHOOK_URL is both: its
# path is its secret). Each is checked when the settings are built, before any request.
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN", "MERGEFREEZE_TOKEN", "ZENHUB_TOKEN", "FLEETOPS_DOGFOOD_TOKEN")
URL_VARIABLES = (
    "GITHUB_API_URL", "FLEETOPS_MERGEFREEZE_URL", "FLEETOPS_ZENHUB_URL", "FLEETOPS_DOCKERHUB_URL", "FLEETOPS_GODEV_URL",
    "FLEETOPS_NPM_URL", "SLACK_WEBHOOK_URL", "FLEETOPS_DOGFOOD_URL", "FLEETOPS_NVD_FEED_URL", "FLEETOPS_CISA_FEED_URL",
)


def is_webhook_variable(name: str) -> bool:
    """SLACK_WEBHOOK_URL and every other channel's SLACK_*WEBHOOK_URL (`release publish`): each a secret URL."""
    return name.startswith("SLACK_") and name.endswith("WEBHOOK_URL")


# What a token can be: printable ASCII without blanks (what an HTTP header value may carry).
_TOKEN = re.compile(r"[\x21-\x7e]+")
_BARE_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/*")  # `https://` alone is no secret, whatever variable held it


def _register_pieces(value: str) -> None:
    """Register a secret whole, as Python would quote it, and each run of it between blanks.

    A malformed value reaches messages in pieces (a header split at its line break) or quoted
    (`'ghp_A\\nB'` in a library's exception): every form is masked. A piece shorter than 8
    characters is not registered: masking it everywhere would mask ordinary words.
    """
    for form in (value, repr(value)[1:-1], *re.split(r"[\s\x00-\x1f\x7f]+", value)):
        if len(form) >= 8 and not _BARE_SCHEME.fullmatch(form):
            register_secret(form)


def check_token(variable: str, value: str | None) -> None:
    """Refuse (exit 4, the value never shown) a token that cannot be one: blanks, line breaks, non-ASCII."""
    if value is None:
        return
    _register_pieces(value)
    if not _TOKEN.fullmatch(value):
        raise AuthError(
            f"{variable} cannot be a token: it holds blanks, a line break or characters outside printable ASCII (its value is not shown).",
            hint=f"Set {variable} to the token alone, on one line (copy it again), and re-run.",
        )


def url_problem(value: str) -> str | None:
    """Why `value` is not an http(s) URL with a host (None when it is one)."""
    if not _TOKEN.fullmatch(value):
        return "it holds blanks or control characters"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as err:
        return f"it cannot be parsed ({err})"
    if parts.scheme.lower() not in ("http", "https"):
        return "it does not start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    return None


def check_url(variable: str, value: str | None) -> None:
    """Refuse (exit 2) an endpoint that is not an http(s) URL with a host; a password in it is a secret."""
    if value is None:
        return
    secret = is_webhook_variable(variable)
    if secret:
        _register_pieces(value)
    try:
        password = urlsplit(value).password
    except ValueError:
        password = None
    if password:
        _register_pieces(password)
    problem = url_problem(value)
    if problem is None:
        return
    shown = "" if secret or "@" in value else f" ({value!r})"
    raise UsageError(
        f"{variable}{shown} is not an http(s) URL with a host: {problem}.",
        hint=f"Set {variable} to a URL such as https://host/path (or unset it), and re-run; nothing was changed.",
    )


def check_environment(get, names: Iterable[str] = ()) -> None:  # noqa: ANN001 - the reader of `from_env`
    """Every token and endpoint of the environment (`names`: all its variables, for the other channels'
    webhooks), checked before anything uses one."""
    for variable in TOKEN_VARIABLES:
        check_token(variable, get(variable))
    for variable in (*URL_VARIABLES, *sorted({n for n in names if is_webhook_variable(n)} - set(URL_VARIABLES))):
        check_url(variable, get(variable))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def default_state_dir() -> Path:
    """Where the journal and the sandbox's world live when FLEETOPS_STATE_DIR is unset."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("fleetops", appauthor=False))


class Settings(BaseModel):
    """Everything a run needs to know about the outside world; immutable once built."""

    model_config = ConfigDict(frozen=True)

    github_api_url: str = DEFAULTS["github_api_url"]
    github_token: SecretStr | None = None
    github_token_var: str = "GH_TOKEN"  # which variable the token came from, for messages
    repo: str | None = None  # owner/name; None means "from the rituals file"
    mergefreeze_url: str = DEFAULTS["mergefreeze_url"]
    mergefreeze_token: SecretStr | None = None
    zenhub_url: str = DEFAULTS["zenhub_url"]
    zenhub_token: SecretStr | None = None
    dockerhub_url: str = DEFAULTS["dockerhub_url"]
    godev_url: str = DEFAULTS["godev_url"]
    npm_url: str = DEFAULTS["npm_url"]
    slack_webhook_url: SecretStr | None = None
    # Other channels' webhooks (`release publish`): every SLACK_*WEBHOOK_URL variable, by name.
    slack_webhooks: dict[str, SecretStr] = {}
    dogfood_url: str | None = None
    dogfood_token: SecretStr | None = None
    nvd_feed_url: str | None = None
    cisa_feed_url: str | None = None
    rituals_path: Path | None = None
    release_dri: str | None = None
    oncall: str | None = None
    state_dir: Path
    step_summary_path: Path | None = None  # $GITHUB_STEP_SUMMARY in GitHub Actions
    debug: bool = False
    ci: bool = False
    sandbox: bool = False
    # Timeouts and retries for every HTTP call (seconds; attempts after the first).
    timeout: float = 15.0
    retries: int = 3
    retry_backoff: float = 0.5
    # GitHub asks integrators to leave about one second between writes; the sandbox is
    # not GitHub and rehearses at full speed.
    github_write_interval: float = 1.0
    # GitHub GraphQL mutation documents (up to 50 aliased changes each), start to start: at most
    # 75 a minute, under GitHub's documented secondary limits for GraphQL (80 content-generating
    # requests a minute; 2,000 points a minute at 5 per request with mutations). docs/github-projects.md.
    github_mutation_interval: float = 0.8

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables (SPEC §1), then apply explicit overrides."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        check_environment(get, env)
        gh_var = "GH_TOKEN" if get("GH_TOKEN") else "GITHUB_TOKEN"
        values: dict[str, object] = {
            "github_api_url": (get("GITHUB_API_URL") or DEFAULTS["github_api_url"]).rstrip("/"),
            "github_token": get(gh_var),
            "github_token_var": gh_var,
            "repo": get("FLEETOPS_REPO"),
            "mergefreeze_url": (get("FLEETOPS_MERGEFREEZE_URL") or DEFAULTS["mergefreeze_url"]).rstrip("/"),
            "mergefreeze_token": get("MERGEFREEZE_TOKEN"),
            "zenhub_url": (get("FLEETOPS_ZENHUB_URL") or DEFAULTS["zenhub_url"]).rstrip("/"),
            "zenhub_token": get("ZENHUB_TOKEN"),
            "dockerhub_url": (get("FLEETOPS_DOCKERHUB_URL") or DEFAULTS["dockerhub_url"]).rstrip("/"),
            "godev_url": (get("FLEETOPS_GODEV_URL") or DEFAULTS["godev_url"]).rstrip("/"),
            "npm_url": (get("FLEETOPS_NPM_URL") or DEFAULTS["npm_url"]).rstrip("/"),
            "slack_webhook_url": get("SLACK_WEBHOOK_URL"),
            "slack_webhooks": {
                name: value.strip() for name, value in env.items()
                if is_webhook_variable(name) and name != "SLACK_WEBHOOK_URL" and value.strip()
            },
            "dogfood_url": (get("FLEETOPS_DOGFOOD_URL") or "").rstrip("/") or None,
            "dogfood_token": get("FLEETOPS_DOGFOOD_TOKEN"),
            "nvd_feed_url": get("FLEETOPS_NVD_FEED_URL"),
            "cisa_feed_url": get("FLEETOPS_CISA_FEED_URL"),
            "rituals_path": Path(get("FLEETOPS_RITUALS")) if get("FLEETOPS_RITUALS") else None,
            "release_dri": get("FLEETOPS_RELEASE_DRI"),
            "oncall": get("FLEETOPS_ONCALL"),
            "state_dir": Path(get("FLEETOPS_STATE_DIR")) if get("FLEETOPS_STATE_DIR") else default_state_dir(),
            "step_summary_path": Path(get("GITHUB_STEP_SUMMARY")) if get("GITHUB_STEP_SUMMARY") else None,
            "debug": _truthy(get("FLEETOPS_DEBUG")),
            "ci": _truthy(get("CI")),
            "sandbox": _truthy(get("FLEETOPS_SANDBOX")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.register_secrets()
        return settings

    def for_sandbox(self, base_url: str, tokens: Mapping[str, str]) -> Settings:
        """The same settings pointed at the sandbox server at `base_url` (one place to swap)."""
        base = base_url.rstrip("/")
        swapped = self.model_copy(
            update={
                "sandbox": True,
                "github_api_url": f"{base}/github",
                "github_token": SecretStr(tokens["github"]),
                "github_token_var": "GH_TOKEN",
                "mergefreeze_url": f"{base}/mergefreeze",
                "mergefreeze_token": SecretStr(tokens["mergefreeze"]),
                "zenhub_url": f"{base}/zenhub",
                "zenhub_token": SecretStr(tokens["zenhub"]),
                "dockerhub_url": f"{base}/dockerhub",
                "godev_url": f"{base}/godev",
                "npm_url": f"{base}/npm",
                "slack_webhook_url": SecretStr(f"{base}/slack/services/{tokens['slack']}"),
                "slack_webhooks": {},
                "dogfood_url": f"{base}/dogfood",
                "dogfood_token": SecretStr(tokens["dogfood"]),
                "nvd_feed_url": f"{base}/feeds/nvd",
                "cisa_feed_url": f"{base}/feeds/cisa",
                "github_write_interval": 0.0,
                "github_mutation_interval": 0.0,
            }
        )
        swapped.register_secrets()
        return swapped

    def register_secrets(self) -> None:
        """Tell the redactor about every secret this run holds."""
        for value in (
            *self.slack_webhooks.values(),
            self.github_token,
            self.mergefreeze_token,
            self.zenhub_token,
            self.slack_webhook_url,
            self.dogfood_token,
        ):
            if value is not None:
                register_secret(value.get_secret_value())

    def webhook(self, variable: str) -> SecretStr | None:
        """The Slack webhook in `variable`; in the sandbox every channel's variable is the sandbox's webhook."""
        if variable == "SLACK_WEBHOOK_URL" or self.sandbox:
            return self.slack_webhook_url
        return self.slack_webhooks.get(variable)

    def require(self, field: str, variable: str, purpose: str) -> str:
        """The secret in `field`, or an AuthError (exit 4) that names `variable` and how to set it."""
        value = getattr(self, field)
        if value is None:
            raise AuthError(
                f"{variable} is not set; it is needed to {purpose}.",
                hint=f"Export {variable}=<token> and run again (or rehearse with --sandbox).",
            )
        return value.get_secret_value()

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "journal.jsonl"
