"""The live layer of a sitting, above the sittings and their votes: the snapshots that
compose both for each audience (desk, seats, public), and the fan-out that sends them
after each commit, subscribed to the domain events (council.domain_events)."""
