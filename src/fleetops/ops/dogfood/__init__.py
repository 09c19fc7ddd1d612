"""deploy-dogfood: the plan (deploy.py), REF and its parsing (ref.py), what the reads hold (reads.py), the policy (policy.py), the dispatch and the watch (watch.py)."""
