-- Each process keeps the enabled webhooks' event filters in memory, so that a change no webhook
-- subscribes to writes nothing and costs no query (src/modules/webhooks/subscriptions.ts). Every
-- change to `webhooks`, by the service, a command or hand-written SQL, is announced here once
-- per statement; the notification goes out when the transaction commits.
CREATE FUNCTION sentinel_notify_webhooks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sentinel_webhooks_changed', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER webhooks_notify_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhooks
  FOR EACH STATEMENT EXECUTE FUNCTION sentinel_notify_webhooks_changed();
