"""The sandbox: a rehearsal world behind a real HTTP server on 127.0.0.1 (SPEC §4)."""
