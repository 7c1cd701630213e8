"""Search across the public archive: agenda items, published deliberations and what was
said (transcript segments of the cut replay), in one index (`SearchEntry`), searched with
PostgreSQL's full-text search or SQLite's FTS5 (`backends`)."""
