"""Model access: where can a model be run? (docs/access.md)

An ordered list of route providers (entry-point group `hypewatch.access`, built-ins
registered the same way) is asked for routes to `REPO@REVISION`; the first usable
route is the one a benchmark runs on, and every route, usable or not, says why.
"""
