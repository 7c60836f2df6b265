-- Several controlroomd nodes share one database. Each live session is owned
-- by one node at a time through a lease it keeps renewing; a join that
-- reaches another node is redirected to the owner, and when a node dies its
-- leases expire and any node may take its sessions over.

CREATE TABLE nodes (
    node_id       text PRIMARY KEY CHECK (length(node_id) BETWEEN 1 AND 200),
    url           text NOT NULL,  -- the WebSocket URL clients use to reach it
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    draining      boolean NOT NULL DEFAULT false
);

CREATE TABLE session_leases (
    session_id   uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    node_id      text NOT NULL,
    acquired_at  timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

CREATE INDEX session_leases_by_node ON session_leases (node_id);
