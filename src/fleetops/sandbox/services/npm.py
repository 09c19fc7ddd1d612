"""The npm registry as fleetops uses it: a package's document (`GET /{name}`) and npm's publish (`PUT /{name}`).

The document (a "packument") carries `dist-tags` (`latest`, Fleet's `last-patched-version`),
`versions` and `time`, as registry.npmjs.org answers. A publish is what `npm publish` sends: the
new version under `versions`, the dist-tag it goes to under `dist-tags`; a version that exists
is 403, as npm never replaces a published version. State: `state["npm"]["packages"][name]`.
"""

from __future__ import annotations

import json

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("npm", "/npm")


def _package(ctx: Context, name: str) -> dict:
    package = ctx.state.get("npm", {}).get("packages", {}).get(name)
    if package is None:
        raise HTTPError(404, {"error": "Not found"})
    return package


def document(name: str, package: dict) -> dict:
    versions = package["versions"]
    return {
        "_id": name,
        "name": name,
        "dist-tags": dict(package["dist-tags"]),
        "versions": {v: {"name": name, "version": v, "dist": {"tarball": f"https://registry.npmjs.org/{name}/-/{name}-{v}.tgz"}} for v in versions},
        "time": {v: when for v, when in package.get("time", {}).items()},
    }


@router.route("GET", "/{name}")
def get_package(ctx: Context, req: Request) -> Response:
    return Response(body=document(req.params["name"], _package(ctx, req.params["name"])))


@router.route("PUT", "/{name}")
def publish(ctx: Context, req: Request) -> Response:
    package = _package(ctx, req.params["name"])
    try:
        body = json.loads(req.body.decode() or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HTTPError(400, {"error": "bad request"}) from err
    if not isinstance(body, dict) or not isinstance(body.get("versions"), dict) or not isinstance(body.get("dist-tags"), dict):
        raise HTTPError(400, {"error": "bad request"})
    new = list(body["versions"])
    if any(v in package["versions"] for v in new):
        raise HTTPError(403, {"error": "You cannot publish over the previously published versions: " + ", ".join(new)})
    now = ctx.now().isoformat().replace("+00:00", "Z")
    for version in new:
        package["versions"].append(version)
        package.setdefault("time", {})[version] = now
    package["dist-tags"].update({str(k): str(v) for k, v in body["dist-tags"].items()})
    return Response(status=201, body={"ok": True, "id": req.params["name"]})
