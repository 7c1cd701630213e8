"""R31: in PostgreSQL the vote log refuses UPDATE and DELETE from every role, and TRUNCATE
from every role but a superuser (Django's test flush runs as one; the application's role
is not). To change a record one must first disable the trigger, which needs the table's
owner, and even then the chain's HMAC and the published anchors tell (voting/chain.py).
SQLite has no roles: there, `AppendOnly` refuses in Python (sessions/models.py)."""

from django.db import migrations

FUNCTION = "voting_voterecord_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the vote log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'R31: a vote record is written once and never changed or removed.';
END;
$$;
CREATE TRIGGER voting_voterecord_append_only
    BEFORE UPDATE OR DELETE ON voting_voterecord
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER voting_voterecord_no_truncate
    BEFORE TRUNCATE ON voting_voterecord
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS voting_voterecord_no_truncate ON voting_voterecord;
DROP TRIGGER IF EXISTS voting_voterecord_append_only ON voting_voterecord;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def _on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)  # no parameters: the % of RAISE stay as they are

    return run


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
