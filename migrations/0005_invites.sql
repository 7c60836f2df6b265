-- Invites, and accounts an administrator can switch off.
--
-- An invite lets whoever holds its code join one session in one role, a
-- bounded number of times, until it expires or is revoked. Like API tokens,
-- the code is 256-bit random, shown once, and only its SHA-256 is kept.

CREATE TABLE invites (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    code_sha256  text NOT NULL UNIQUE CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
    role         session_role NOT NULL,
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    max_uses     integer NOT NULL CHECK (max_uses > 0),
    -- Redemption increments this under the row lock only while it is below
    -- max_uses, so concurrent redeemers never exceed it.
    uses         integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invites_session_idx ON invites (session_id);

-- A disabled user keeps their history (authorship, takes) but no token of
-- theirs authenticates any more.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
-- Guests are the users an invite created for someone who had no account.
ALTER TABLE users ADD COLUMN guest boolean NOT NULL DEFAULT false;
