-- The authoritative log of every session: one row per accepted intent, in
-- version order, plus periodic snapshots so that loading a session reads a
-- snapshot and the events after it rather than the whole history.

CREATE TABLE session_events (
    session_id    uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    version       bigint NOT NULL CHECK (version > 0),
    -- Client-chosen; unique per session so a retried intent applies once.
    operation_id  text NOT NULL CHECK (length(operation_id) BETWEEN 1 AND 200),
    author_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    event         bytea NOT NULL,  -- a serialized controlroom.v1.Event
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, version),
    UNIQUE (session_id, operation_id)
);

CREATE TABLE session_snapshots (
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    version     bigint NOT NULL CHECK (version >= 0),
    state       bytea NOT NULL,  -- a serialized controlroom.v1.SessionState
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, version)
);
