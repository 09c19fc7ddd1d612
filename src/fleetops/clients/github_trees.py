"""Directory listings of several refs in ONE GitHub GraphQL query (`release check-migrations`, `prepare`, `tag`).

The migrations rule needs the file names of two directories on the release branch (or, before it
exists, on the tags of its minor), on the default branch and on every open minor branch: with
REST that is a request per directory per ref, or recursive trees of 100,000 entries. One GraphQL
document asks for all of them: `ref(qualifiedName:)` for named refs, `refs(refPrefix:, query:)`
for the families (branches named like `rc-minor-fleet-v*`, tags `fleet-v4.68.*`), and for each
commit `file(path:)` of every directory. A family with more than 100 refs is read on by cursor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleetops.clients.github_projects import REPO_SCOPE
from fleetops.clients.github_projects_documents import RATE

if TYPE_CHECKING:
    from fleetops.clients.github_projects import GitHubProjectsClient


@dataclass(frozen=True)
class RefFiles:
    """One ref: its name, its commit, and the file names of each directory asked for (None: no such directory)."""

    name: str
    sha: str | None
    dirs: dict[str, list[str] | None] = field(default_factory=dict)

    def paths(self) -> list[str]:
        return [f"{d}/{name}" for d, names in self.dirs.items() for name in names or []]


def _commit_fields(count: int) -> str:
    files = " ".join(f"d{i}: file(path: $d{i}) {{ object {{ ... on Tree {{ entries {{ name }} }} }} }}" for i in range(count))
    return f"oid ... on Commit {{ {files} }}"


def trees_document(dirs: int, named: int, families: int) -> str:
    """A query for `named` refs (`$r0`..) and `families` (`$f0`.. prefix, `$q0`.. name filter), each with `dirs` directories (`$d0`..)."""
    variables = ["$owner: String!", "$name: String!"]
    variables += [f"$d{i}: String!" for i in range(dirs)]
    variables += [f"$r{i}: String!" for i in range(named)]
    variables += [f"$f{i}: String!, $q{i}: String, $a{i}: String" for i in range(families)]
    fields = [f"    r{i}: ref(qualifiedName: $r{i}) {{ ...Files }}" for i in range(named)]
    fields += [
        f"    f{i}: refs(refPrefix: $f{i}, query: $q{i}, first: 100, after: $a{i}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ ...Files }} }}"
        for i in range(families)
    ]
    commit = _commit_fields(dirs)
    return (
        f"query RefTrees({', '.join(variables)}) {{\n  repository(owner: $owner, name: $name) {{\n" + "\n".join(fields) + f"\n  }}\n  {RATE}\n}}\n"
        f"fragment Files on Ref {{\n  name prefix\n  target {{ {commit} ... on Tag {{ target {{ {commit} }} }} }}\n}}\n"
    )


def _ref_files(node: dict[str, Any], dirs: list[str]) -> RefFiles:
    target = node.get("target") or {}
    if "target" in target:  # an annotated tag: its commit
        target = target.get("target") or {}
    found: dict[str, list[str] | None] = {}
    for i, path in enumerate(dirs):
        entry = target.get(f"d{i}") or {}
        entries = (entry.get("object") or {}).get("entries")
        found[path] = None if entries is None else [e["name"] for e in entries]
    return RefFiles(name=node.get("name", ""), sha=target.get("oid"), dirs=found)


def ref_trees(client: GitHubProjectsClient, repo: str, dirs: list[str], named: list[str],
              families: list[tuple[str, str]]) -> tuple[dict[str, RefFiles | None], list[list[RefFiles]]]:
    """`named` qualified refs (refs/heads/x) → their files (None: no such ref); each family (prefix, query) → its refs."""
    owner, name = repo.split("/", 1)
    doing = f"reading {', '.join(dirs)} on {len(named) + len(families)} refs of {repo}"
    variables: dict[str, Any] = {"owner": owner, "name": name}
    variables.update({f"d{i}": d for i, d in enumerate(dirs)})
    variables.update({f"r{i}": r for i, r in enumerate(named)})
    out_families: list[list[RefFiles]] = [[] for _ in families]
    pending = list(range(len(families)))
    cursors: dict[int, str | None] = dict.fromkeys(pending)
    first = True
    out_named: dict[str, RefFiles | None] = {}
    while first or pending:
        asked = pending
        doc_vars = dict(variables) if first else {"owner": owner, "name": name, **{f"d{i}": d for i, d in enumerate(dirs)}}
        for slot, index in enumerate(asked):
            prefix, query = families[index]
            doc_vars.update({f"f{slot}": prefix, f"q{slot}": query, f"a{slot}": cursors[index]})
        data = client.execute(trees_document(len(dirs), len(named) if first else 0, len(asked)), doc_vars, doing, needs=REPO_SCOPE)
        repository = data.get("repository") or {}
        if first:
            out_named = {r: (None if repository.get(f"r{i}") is None else _ref_files(repository[f"r{i}"], dirs)) for i, r in enumerate(named)}
        pending = []
        for slot, index in enumerate(asked):
            conn = repository.get(f"f{slot}") or {}
            out_families[index] += [_ref_files(n, dirs) for n in conn.get("nodes") or [] if n]
            page = conn.get("pageInfo") or {}
            if page.get("hasNextPage"):
                cursors[index] = page.get("endCursor")
                pending.append(index)
        first = False
    return out_named, out_families


def all_documents() -> dict[str, str]:
    """Every document this module sends for Fleet's two migrations directories, by name (for the schema tests)."""
    return {
        # check-migrations and prepare (check_migrations.read_lines): the release and default branches; the minor branches, the minor's tags
        "trees:check-migrations": trees_document(2, 2, 2),
        # release tag's guards (check_migrations.read_refs without the tags): the release and default branches; the minor branches
        "trees:tag": trees_document(2, 2, 1),
        # a family's next page, or both families' next pages
        "trees:more": trees_document(2, 0, 1),
        "trees:more-both": trees_document(2, 0, 2),
    }
