"""The running service's reliability: load, concurrency, crashes and store outages, with real
processes (gunicorn, `ledger worker`, PostgreSQL) on 127.0.0.1."""
