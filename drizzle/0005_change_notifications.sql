-- Each process caches the users and sessions that access tokens name (no database round trip
-- per token check). Every change that could make a cached copy wrong is announced here, by the
-- database itself, so that imports, operator commands, purges and hand-written SQL invalidate
-- as surely as the service's own writes. The payload is `<kind>:<id>`; a transaction's
-- notifications go out when it commits. Inserts are not announced: nothing is cached for an
-- id before it exists.
CREATE FUNCTION sentinel_notify_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sentinel_rows_changed', TG_ARGV[0] || ':' || OLD.id::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER users_notify_changed
  AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION sentinel_notify_row_changed('user');
--> statement-breakpoint
-- Refresh rotation updates sessions constantly and changes nothing a token check reads: only
-- the end of a session (or its removal) is announced.
CREATE TRIGGER sessions_notify_ended
  AFTER UPDATE OF revoked_at, user_id OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION sentinel_notify_row_changed('session');
