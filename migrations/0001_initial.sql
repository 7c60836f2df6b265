-- Controlroom initial schema: people, their API tokens, studios, sessions and
-- who may join them in which roles.

CREATE TABLE users (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    admin       boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Tokens are 256-bit random strings handed to the user once; only their
-- SHA-256 is kept, so a database dump does not leak working credentials.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE studios (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The studio a session lands in when the client names none.
INSERT INTO studios (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default');

CREATE TYPE session_role AS ENUM ('engineer', 'producer', 'artist', 'listener');

CREATE TABLE sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    studio_id        uuid NOT NULL REFERENCES studios (id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    scheduled_start  timestamptz,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_studio_idx ON sessions (studio_id);

-- Who may join a session, and with which roles.
CREATE TABLE session_members (
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    roles       session_role[] NOT NULL CHECK (cardinality(roles) > 0),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_members_user_idx ON session_members (user_id);
