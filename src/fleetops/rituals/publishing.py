"""The rituals file's `publishing:` section: what `release tag` and `release publish` need to know about Fleet.

The release workflow a tag starts, the draft release's notes template (Fleet's newest, from the
contributor guide: releasing-facts §4), fleetctl's npm package and its directory, the two
announcements (channel, the environment variable holding that channel's webhook, text) and the
osquery Slack topic. Templates are checked when the file loads (fleetops.text).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fleetops import text

NOTES_PLACEHOLDERS = ("version", "tag", "repository", "changelog", "orbit", "fleet_desktop", "fleetd_chrome", "checksums")
ANNOUNCE_PLACEHOLDERS = ("version", "tag", "release_url", "dogfood", "channel")
TOPIC_PLACEHOLDERS = ("version", "release_url")

FLEET_NOTES = """{changelog}

> Fleet-maintained app updates and vulnerability fixes are applied, whether or not you upgrade.

### Fleet's agent

The following version of Fleet's agent (`fleetd`) support the latest changes to Fleet:

1. [{orbit}](https://github.com/{repository}/releases/tag/{orbit})
2. `{fleet_desktop}` (included with Orbit)
3. [{fleetd_chrome}](https://github.com/{repository}/releases/tag/{fleetd_chrome})

> While newer versions of `fleetd` still function with older versions of the Fleet server (and vice versa), Fleet does not actively test these scenarios and some newer features won't be available.

### Upgrading

Please visit our [upgrade guide](https://fleetdm.com/docs/deploying/upgrading-fleet) for upgrade instructions.

### Documentation

Documentation for Fleet is available at [fleetdm.com/docs](https://fleetdm.com/docs).

### Binary Checksum

**SHA256**

```
{checksums}
```
"""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Npm(_Section):
    package: str = "fleetctl"
    directory: str = "tools/fleetctl-npm"  # where `npm publish` runs, in a working copy
    older_patch_tag: str = "last-patched-version"  # the dist-tag of a version below npm's `latest`


class Announcement(_Section):
    key: str = Field(pattern=r"^[a-z0-9-]+$")  # names the step and its marker lines
    channel: str
    webhook_variable: str = Field("SLACK_WEBHOOK_URL", pattern=r"^[A-Z][A-Z0-9_]*$")
    text: str
    # For a release that is not the latest (a patch of an older minor): Fleet's text says "the latest
    # version of Fleet is X.Y.Z", which would be false then. None: `text` is posted for every release.
    text_not_latest: str | None = None

    @field_validator("text", "text_not_latest")
    @classmethod
    def _placeholders(cls, value: str | None) -> str | None:
        return None if value is None else text.check(value, ANNOUNCE_PLACEHOLDERS)

    def text_for(self, *, latest: bool) -> str:
        return self.text if latest or self.text_not_latest is None else self.text_not_latest


def _fleet_announcements() -> list[Announcement]:
    general = ":cloud: :rocket: The latest version of Fleet is {version}.\nMore info: {release_url}"
    patch = ":cloud: :rocket: Fleet {version} is out, a patch of an older minor release.\nMore info: {release_url}"
    return [
        Announcement(key="general", channel="#general", webhook_variable="SLACK_GENERAL_WEBHOOK_URL", text=general, text_not_latest=patch),
        Announcement(
            key="help-infrastructure", channel="#help-infrastructure", webhook_variable="SLACK_HELP_INFRA_WEBHOOK_URL",
            text=general + "\nDogfood Deployed {dogfood}", text_not_latest=patch + "\nDogfood Deployed {dogfood}",
        ),
    ]


class Publishing(_Section):
    release_workflow: str = "goreleaser-fleet.yaml"
    release_title: str = "{version}"
    notes_template: str = FLEET_NOTES
    orbit_tag_prefix: str = "orbit-v"
    fleet_desktop_tag_prefix: str = "fleet-desktop-v"  # Fleet Desktop ships with Orbit, at Orbit's version
    fleetd_chrome_tag_prefix: str = "fleetd-chrome-v"
    checksums_asset: str = "checksums.txt"
    npm: Npm = Npm()
    announcements: list[Announcement] = Field(default_factory=_fleet_announcements)
    osquery_topic: str = "Fleet {version} is out: {release_url}"

    @field_validator("notes_template")
    @classmethod
    def _notes(cls, value: str) -> str:
        return text.check(value, NOTES_PLACEHOLDERS, required=("changelog", "checksums"))

    @field_validator("release_title")
    @classmethod
    def _title(cls, value: str) -> str:
        return text.check(value, ("version", "tag"))

    @field_validator("osquery_topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return text.check(value, TOPIC_PLACEHOLDERS)

    @model_validator(mode="after")
    def _unique_keys(self) -> Publishing:
        keys = [a.key for a in self.announcements]
        if len(keys) != len(set(keys)):
            raise ValueError("publishing.announcements: each key must be unique")
        return self
