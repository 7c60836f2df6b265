-- Recorded audio: one Ogg Opus file per recorded stream per take, written by
-- the server from the relayed packets. The take itself (song, number,
-- rating) lives in the session state; these rows say where its audio is and
-- how whole it is. Deleting keeps the row (status 'deleted') for the audit.

CREATE TABLE take_files (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id       uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    take_id          text NOT NULL CHECK (length(take_id) BETWEEN 1 AND 100),  -- "tk<version>"
    song_id          text NOT NULL CHECK (length(song_id) <= 100),
    stream_kind      text NOT NULL CHECK (stream_kind IN ('program', 'cue')),
    participant_id   text NOT NULL,
    user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    path             text NOT NULL,
    channels         smallint NOT NULL CHECK (channels IN (1, 2)),
    -- Timeline position (48 kHz samples) of the first sample after pre-skip;
    -- NULL when the stream carried no timeline positions.
    start_position   bigint,
    pre_skip         integer NOT NULL DEFAULT 0,
    duration_samples bigint NOT NULL DEFAULT 0,  -- after pre-skip, per channel
    size_bytes       bigint NOT NULL DEFAULT 0,
    sha256           text,  -- hex, of the finished file
    healed_gaps      integer NOT NULL DEFAULT 0,  -- missing frames recovered (redundancy, resend)
    unhealed_gaps    integer NOT NULL DEFAULT 0,  -- frames written as concealment
    status           text NOT NULL DEFAULT 'recording'
                     CHECK (status IN ('recording', 'complete', 'incomplete', 'deleted')),
    started_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz,
    deleted_at       timestamptz,
    deleted_by       uuid REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX take_files_by_session ON take_files (session_id, song_id, take_id);

-- Who did what to what, for actions an operator may have to answer for.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
