"""The vulnerability data feeds check-deps probes: NVD's CVE API and CISA's KEV catalog.

`GET /feeds/nvd` answers like `services.nvd.nist.gov/rest/json/cves/2.0?resultsPerPage=1`
(its `timestamp` is the time of the answer, UTC without a zone); `GET /feeds/cisa` like
`known_exploited_vulnerabilities.json` (its `dateReleased` is when the catalog was published).
The seeded dates live in the state's "feeds", so a test can make a feed stale.
"""

from __future__ import annotations

from typing import Any

from fleetops.sandbox.routing import Context, HTTPError, Request, Response, Router

router = Router("feeds", "/feeds")


def _feeds(ctx: Context) -> dict[str, Any]:
    feeds = ctx.state.get("feeds")
    if feeds is None:
        raise HTTPError(404, {"message": "This sandbox world predates the feeds: run `fleetops sandbox reset`"})
    return feeds


@router.route("GET", "/nvd")
def nvd(ctx: Context, req: Request) -> Response:
    seeded = _feeds(ctx)["nvd"].get("timestamp")
    stamp = seeded.removesuffix("Z") if seeded else ctx.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return Response(
        body={
            "resultsPerPage": 1,
            "startIndex": 0,
            "totalResults": 265_431,
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": stamp,
            "vulnerabilities": [
                {
                    "cve": {
                        "id": "CVE-1999-0095",
                        "sourceIdentifier": "cve@mitre.org",
                        "published": "1988-10-01T04:00:00.000",
                        "lastModified": "2019-06-11T20:29:00.263",
                        "vulnStatus": "Modified",
                        "descriptions": [{"lang": "en", "value": "A sandbox example entry."}],
                    }
                }
            ],
        }
    )


@router.route("GET", "/cisa")
def cisa(ctx: Context, req: Request) -> Response:
    feed = _feeds(ctx)["cisa"]
    return Response(
        body={
            "title": "CISA Catalog of Known Exploited Vulnerabilities",
            "catalogVersion": feed.get("catalogVersion"),
            "dateReleased": feed.get("dateReleased"),
            "count": 1,
            "vulnerabilities": [
                {
                    "cveID": "CVE-2021-44228",
                    "vendorProject": "Apache",
                    "product": "Log4j2",
                    "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
                    "dateAdded": "2021-12-10",
                    "shortDescription": "A sandbox example entry.",
                    "requiredAction": "Apply updates per vendor instructions.",
                    "dueDate": "2021-12-24",
                    "knownRansomwareCampaignUse": "Known",
                    "notes": "",
                }
            ],
        }
    )
