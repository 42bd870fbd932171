CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"public_jwk" jsonb,
	"private_key_sealed" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"superseded_at" timestamp with time zone,
	"retires_at" timestamp with time zone,
	CONSTRAINT "signing_keys_alg_check" CHECK ("signing_keys"."alg" IN ('HS256', 'EdDSA', 'ES256', 'RS256'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_one_active_key" ON "signing_keys" USING btree (("superseded_at" IS NULL)) WHERE "signing_keys"."superseded_at" IS NULL;