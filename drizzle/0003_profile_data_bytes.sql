-- The per-user byte limit adds up each profile's size as Sentinel wrote it (compact JSON).
-- Existing rows are measured by PostgreSQL's own text form, a few bytes larger (a space after
-- each colon and comma): the limit only ever errs on the safe side for them.
ALTER TABLE "profiles" ADD COLUMN "data_bytes" integer NOT NULL DEFAULT 0;--> statement-breakpoint
UPDATE "profiles" SET "data_bytes" = octet_length("profile_data"::text);--> statement-breakpoint
ALTER TABLE "profiles" ALTER COLUMN "data_bytes" DROP DEFAULT;
