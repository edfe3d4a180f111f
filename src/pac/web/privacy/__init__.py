"""Data protection: a team's data exported whole, a person or a contact erased on request (and the erasure
logged), the database backed up and restored. It reads every other app, so it sits on top of them and
nothing imports it but the URLs and the CLI."""
