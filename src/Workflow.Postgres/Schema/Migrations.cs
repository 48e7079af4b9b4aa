namespace Workflow.Postgres.Schema;

/// <summary>One step of the schema's history: applied once, in order, and recorded in <c>schema_version</c>.</summary>
/// <param name="Version">The version the schema is at after this step.</param>
/// <param name="Description">What the step does, as recorded.</param>
/// <param name="Script">The SQL of the step for a schema (quoted name).</param>
internal sealed record Migration(int Version, string Description, Func<string, string> Script);

/// <summary>
/// The schema's migrations. A released migration is never edited: a change to the schema is a new migration.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "streams, events, work items, pending approvals and the commit function", V1),
        new(2, "event store: subscription checkpoints and leases, snapshots", V2),
        new(3, "dead work items and the index of ended instances for retention", Operations),
        new(4, "the commit function keeps one plan per statement and session", GenericCommitPlans),
    ];

    public static int Latest => All[^1].Version;

    /// <summary>Creates the schema (when missing) and its version table; runs under the migration lock.</summary>
    public static string Bootstrap(string s) => $"""
        CREATE TABLE IF NOT EXISTS {s}.schema_version (
            version     integer     PRIMARY KEY,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE {s}.schema_version IS 'Migrations of the Workflow.Postgres store applied to this schema.';
        """;

    private static string V1(string s) => $$"""
        CREATE TABLE {{s}}.streams (
            stream_id        text COLLATE "C" PRIMARY KEY,
            version          bigint      NOT NULL DEFAULT 0,
            workflow_name    text,
            workflow_version integer,
            status           smallint,
            created_at       timestamptz,
            updated_at       timestamptz,
            completed_at     timestamptz
        );
        COMMENT ON TABLE {{s}}.streams IS 'One row per workflow instance (event stream): its version and its index entry (null until the runtime writes one).';
        CREATE INDEX streams_created_idx ON {{s}}.streams (created_at DESC, stream_id DESC) WHERE workflow_name IS NOT NULL;
        CREATE INDEX streams_workflow_created_idx ON {{s}}.streams (workflow_name, created_at DESC, stream_id DESC) WHERE workflow_name IS NOT NULL;
        CREATE INDEX streams_status_created_idx ON {{s}}.streams (status, created_at DESC, stream_id DESC) WHERE workflow_name IS NOT NULL;

        CREATE TABLE {{s}}.events (
            global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
            stream_id       text COLLATE "C" NOT NULL,
            version         bigint      NOT NULL,
            event_id        uuid        NOT NULL,
            type            text        NOT NULL,
            data            jsonb,
            metadata        jsonb,
            created_at      timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT events_stream_version_uq UNIQUE (stream_id, version),
            CONSTRAINT events_stream_event_id_uq UNIQUE (stream_id, event_id)
        );
        COMMENT ON TABLE {{s}}.events IS 'Append-only journal. Versions are 1..n per stream (a stream truncated by continue-as-new keeps only its later versions); global_position is unique but neither contiguous nor commit-ordered (order by tx_id, global_position below the snapshot xmin for a gap-free feed). Null data or metadata means empty.';
        CREATE INDEX events_tx_position_idx ON {{s}}.events (tx_id, global_position);

        CREATE TABLE {{s}}.work_items (
            id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            instance_id    text COLLATE "C" NOT NULL,
            available_at   timestamptz NOT NULL,
            lease_owner    text,
            fencing_token  bigint      NOT NULL DEFAULT 0,
            pending_due_at timestamptz,
            created_at     timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT work_items_instance_uq UNIQUE (instance_id)
        ) WITH (fillfactor = 70);
        COMMENT ON TABLE {{s}}.work_items IS 'At most one work item per instance. available_at is the due time while lease_owner is null and the lease expiry while it is set: an item is claimable once available_at <= now(). pending_due_at remembers a wake-up scheduled while leased. fencing_token grows with every claim.';
        CREATE INDEX work_items_available_idx ON {{s}}.work_items (available_at, id);
        ALTER TABLE {{s}}.work_items SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

        CREATE TABLE {{s}}.approvals (
            instance_id   text COLLATE "C" NOT NULL,
            step_path     text COLLATE "C" NOT NULL,
            workflow_name text        NOT NULL,
            request       jsonb,
            requested_at  timestamptz NOT NULL,
            deadline      timestamptz,
            CONSTRAINT approvals_pk PRIMARY KEY (instance_id, step_path)
        );
        COMMENT ON TABLE {{s}}.approvals IS 'Approvals waiting for an answer, across instances: opened and closed by the commits that request, answer or time them out, and cleared when the instance ends. Null request means empty.';
        CREATE INDEX approvals_requested_idx ON {{s}}.approvals (requested_at, instance_id, step_path);
        CREATE INDEX approvals_workflow_requested_idx ON {{s}}.approvals (workflow_name, requested_at, instance_id, step_path);

        -- One commit: idempotency by event ids, then the lease, then the expected version (also without events);
        -- then the stream row, the events, the scheduled work and the end of the lease. Conflicts are returned as a
        -- status, never raised: 0 committed, 1 already committed, 2 version conflict, 3 lease lost.
        CREATE FUNCTION {{s}}.apply_commit(
            p_stream_id        text,
            p_expected_version bigint,
            p_event_ids        uuid[],
            p_event_types      text[],
            p_event_data       jsonb[],
            p_event_metadata   jsonb[],
            p_lease_item_id    bigint,
            p_lease_owner      text,
            p_lease_token      bigint,
            p_complete_lease   boolean,
            p_set_instance     boolean,
            p_workflow_name    text,
            p_workflow_version integer,
            p_status           smallint,
            p_created_at       timestamptz,
            p_updated_at       timestamptz,
            p_completed_at     timestamptz,
            p_work_instances   text[],
            p_work_due         timestamptz[],
            p_claim_owners     text[],
            p_claim_durations  interval[],
            p_truncate_before  bigint,
            p_clear_approvals  boolean,
            p_open_paths       text[],
            p_open_workflows   text[],
            p_open_requests    jsonb[],
            p_open_requested   timestamptz[],
            p_open_deadlines   timestamptz[],
            p_closed_paths     text[],
            OUT status            smallint,
            OUT stream_version    bigint,
            OUT claimed_ids       bigint[],
            OUT claimed_instances text[],
            OUT claimed_owners    text[],
            OUT claimed_tokens    bigint[],
            OUT claimed_expiries  timestamptz[])
        LANGUAGE plpgsql
        AS $fn$
        DECLARE
            v_count         integer := coalesce(cardinality(p_event_ids), 0);
            v_now           timestamptz := now();
            v_version       bigint;
            v_exists        boolean;
            v_known         integer;
            v_base          bigint;
            v_matched       integer;
            v_lease_pending timestamptz;
            v_own_next      timestamptz;
            v_due           timestamptz;
            v_item_id       bigint;
            v_item_owner    text;
            v_item_at       timestamptz;
            v_token         bigint;
            v_attempt       integer := 0;
        BEGIN
            LOOP
                v_attempt := v_attempt + 1;
                -- The stream row lock serializes the writers of one stream: every event insert holds it.
                SELECT s.version INTO v_version FROM {{s}}.streams AS s WHERE s.stream_id = p_stream_id FOR UPDATE;
                v_exists := FOUND;
                IF NOT v_exists THEN
                    v_version := 0;
                END IF;

                -- 1. Idempotency: when the events (by id, in order) follow the expected version, an earlier attempt
                --    of this commit was applied in full, its lease and work included.
                IF v_count > 0 AND v_version > 0 THEN
                    -- One unique-index lookup per id (LATERAL ... LIMIT 1): a plan that scans the stream's events
                    -- would grow with the stream.
                    SELECT count(*) INTO v_known
                      FROM unnest(p_event_ids) AS x(event_id)
                      CROSS JOIN LATERAL (SELECT 1 FROM {{s}}.events AS e
                                           WHERE e.stream_id = p_stream_id AND e.event_id = x.event_id LIMIT 1) AS hit;
                    IF v_known > 0 THEN
                        IF p_expected_version >= 0 THEN
                            v_base := p_expected_version;
                        ELSE
                            SELECT e.version - 1 INTO v_base FROM {{s}}.events AS e
                             WHERE e.stream_id = p_stream_id AND e.event_id = p_event_ids[1];
                            v_base := coalesce(v_base, -1);
                        END IF;
                        IF v_known = v_count AND v_base >= 0 AND v_base + v_count <= v_version THEN
                            SELECT count(*) INTO v_matched
                              FROM unnest(p_event_ids) WITH ORDINALITY AS x(event_id, n)
                              CROSS JOIN LATERAL (SELECT 1 FROM {{s}}.events AS e
                                                   WHERE e.stream_id = p_stream_id AND e.version = v_base + x.n
                                                     AND e.event_id = x.event_id LIMIT 1) AS hit;
                            IF v_matched = v_count THEN
                                status := 1;
                                stream_version := v_base + v_count;
                                RETURN;
                            END IF;
                        END IF;
                        status := 2;
                        stream_version := v_version;
                        RETURN;
                    END IF;
                END IF;

                -- 2. The lease: still held with this fencing token (an expired lease nobody claimed still is).
                IF p_lease_item_id IS NOT NULL THEN
                    SELECT w.pending_due_at INTO v_lease_pending FROM {{s}}.work_items AS w
                     WHERE w.id = p_lease_item_id AND w.instance_id = p_stream_id
                       AND w.lease_owner = p_lease_owner AND w.fencing_token = p_lease_token
                       FOR UPDATE;
                    IF NOT FOUND THEN
                        status := 3;
                        stream_version := v_version;
                        RETURN;
                    END IF;
                END IF;

                -- 3. The expected version, checked even without events.
                IF p_expected_version >= 0 AND p_expected_version <> v_version THEN
                    status := 2;
                    stream_version := v_version;
                    RETURN;
                END IF;

                -- 4. The stream row.
                IF v_exists THEN
                    IF p_set_instance THEN
                        UPDATE {{s}}.streams AS s
                           SET version = s.version + v_count, workflow_name = p_workflow_name,
                               workflow_version = p_workflow_version, status = p_status, created_at = p_created_at,
                               updated_at = p_updated_at, completed_at = p_completed_at
                         WHERE s.stream_id = p_stream_id;
                    ELSIF v_count > 0 THEN
                        UPDATE {{s}}.streams AS s SET version = s.version + v_count WHERE s.stream_id = p_stream_id;
                    END IF;
                    EXIT;
                END IF;

                EXIT WHEN v_count = 0 AND NOT p_set_instance;
                INSERT INTO {{s}}.streams AS s
                       (stream_id, version, workflow_name, workflow_version, status, created_at, updated_at, completed_at)
                VALUES (p_stream_id, v_count,
                        CASE WHEN p_set_instance THEN p_workflow_name END, CASE WHEN p_set_instance THEN p_workflow_version END,
                        CASE WHEN p_set_instance THEN p_status END, CASE WHEN p_set_instance THEN p_created_at END,
                        CASE WHEN p_set_instance THEN p_updated_at END, CASE WHEN p_set_instance THEN p_completed_at END)
                ON CONFLICT (stream_id) DO NOTHING;
                EXIT WHEN FOUND;

                -- Another commit created the stream after the SELECT above (the insert waited for it): check again.
                IF v_attempt >= 3 THEN
                    RAISE EXCEPTION 'stream % kept changing while it was being created', p_stream_id USING ERRCODE = '40001';
                END IF;
            END LOOP;

            -- 5. The events, versions following the stream's.
            IF v_count > 0 THEN
                INSERT INTO {{s}}.events (stream_id, version, event_id, type, data, metadata)
                SELECT p_stream_id, v_version + x.n, x.event_id, x.type, x.data, x.metadata
                  FROM unnest(p_event_ids, p_event_types, p_event_data, p_event_metadata)
                       WITH ORDINALITY AS x(event_id, type, data, metadata, n)
                 ORDER BY x.n;
                v_version := v_version + v_count;
            END IF;

            -- 6. Truncation (an instance that continued as new keeps its last events), then the approvals index.
            IF p_truncate_before IS NOT NULL THEN
                DELETE FROM {{s}}.events AS e
                 WHERE e.stream_id = p_stream_id AND e.version < least(p_truncate_before, v_version);
            END IF;

            IF p_clear_approvals THEN
                DELETE FROM {{s}}.approvals AS a WHERE a.instance_id = p_stream_id;
            END IF;

            IF cardinality(p_open_paths) > 0 THEN
                INSERT INTO {{s}}.approvals AS a (instance_id, step_path, workflow_name, request, requested_at, deadline)
                SELECT p_stream_id, x.step_path, x.workflow_name, x.request, x.requested_at, x.deadline
                  FROM unnest(p_open_paths, p_open_workflows, p_open_requests, p_open_requested, p_open_deadlines)
                       AS x(step_path, workflow_name, request, requested_at, deadline)
                ON CONFLICT (instance_id, step_path) DO UPDATE SET
                    workflow_name = excluded.workflow_name, request = excluded.request,
                    requested_at = excluded.requested_at, deadline = excluded.deadline;
            END IF;

            IF cardinality(p_closed_paths) > 0 THEN
                DELETE FROM {{s}}.approvals AS a
                 WHERE a.instance_id = p_stream_id AND a.step_path = ANY (p_closed_paths);
            END IF;

            -- 7. Scheduled work: one item per instance, keeping the earliest due time; while leased, the wake-up is
            --    remembered; ClaimFor leases an item that is due and free at once.
            FOR i IN 1 .. coalesce(cardinality(p_work_instances), 0) LOOP
                v_due := coalesce(p_work_due[i], v_now);
                IF p_complete_lease AND p_work_instances[i] = p_stream_id THEN
                    v_own_next := least(v_own_next, v_due);
                    CONTINUE;
                END IF;

                INSERT INTO {{s}}.work_items AS w (instance_id, available_at)
                VALUES (p_work_instances[i], v_due)
                ON CONFLICT (instance_id) DO UPDATE SET
                    available_at = CASE WHEN w.lease_owner IS NULL THEN least(w.available_at, excluded.available_at) ELSE w.available_at END,
                    pending_due_at = CASE WHEN w.lease_owner IS NULL THEN w.pending_due_at ELSE least(w.pending_due_at, excluded.available_at) END
                RETURNING w.id, w.lease_owner, w.available_at INTO v_item_id, v_item_owner, v_item_at;

                IF p_claim_owners[i] IS NOT NULL AND v_item_owner IS NULL AND v_item_at <= v_now THEN
                    UPDATE {{s}}.work_items AS w
                       SET lease_owner = p_claim_owners[i], available_at = v_now + p_claim_durations[i],
                           fencing_token = w.fencing_token + 1
                     WHERE w.id = v_item_id
                    RETURNING w.fencing_token, w.available_at INTO v_token, v_item_at;
                    claimed_ids := array_append(claimed_ids, v_item_id);
                    claimed_instances := array_append(claimed_instances, p_work_instances[i]);
                    claimed_owners := array_append(claimed_owners, p_claim_owners[i]);
                    claimed_tokens := array_append(claimed_tokens, v_token);
                    claimed_expiries := array_append(claimed_expiries, v_item_at);
                END IF;
            END LOOP;

            -- 8. The end of the lease: the item runs again at the earliest remembered or requested wake-up, or goes.
            IF p_complete_lease THEN
                v_due := least(v_lease_pending, v_own_next);
                IF v_due IS NULL THEN
                    DELETE FROM {{s}}.work_items AS w WHERE w.id = p_lease_item_id;
                ELSE
                    UPDATE {{s}}.work_items AS w
                       SET lease_owner = NULL, available_at = v_due, pending_due_at = NULL
                     WHERE w.id = p_lease_item_id;
                END IF;
            END IF;

            status := 0;
            stream_version := v_version;
        END;
        $fn$;
        """;

    private static string V2(string s) => $$"""
        CREATE TABLE {{s}}.subscriptions (
            name                text COLLATE "C" PRIMARY KEY,
            checkpoint_tx_id    xid8        NOT NULL DEFAULT '0',
            checkpoint_position bigint      NOT NULL DEFAULT 0,
            owner               text,
            lease_until         timestamptz,
            fencing_token       bigint      NOT NULL DEFAULT 0,
            created_at          timestamptz NOT NULL DEFAULT now(),
            updated_at          timestamptz NOT NULL DEFAULT now()
        ) WITH (fillfactor = 70);
        COMMENT ON TABLE {{s}}.subscriptions IS 'Event store subscriptions: the checkpoint (tx_id, global_position) of the last event handled, and the lease of the one consumer that owns the subscription (held while lease_until > now(); fencing_token grows with every claim, and checkpoints are only written with the current token).';

        CREATE TABLE {{s}}.snapshots (
            stream_id  text COLLATE "C" NOT NULL,
            type       text COLLATE "C" NOT NULL,
            version    bigint      NOT NULL,
            state      jsonb       NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT snapshots_pk PRIMARY KEY (stream_id, type)
        );
        COMMENT ON TABLE {{s}}.snapshots IS 'The latest snapshot of each stream per snapshot type: the state folded from the stream''s events up to version (inclusive). A snapshot never moves back to an earlier version.';
        """;

    // A column added with a constant default is metadata only (no table rewrite).
    private static string Operations(string s) => $"""
        ALTER TABLE {s}.work_items
            ADD COLUMN expired_leases  integer NOT NULL DEFAULT 0,
            ADD COLUMN claimed_version bigint,
            ADD COLUMN expired_owner   text,
            ADD COLUMN dead_at         timestamptz;
        COMMENT ON COLUMN {s}.work_items.expired_leases IS 'Leases of this item that expired in a row without its stream moving on: a run that kills or hangs its node every time. At the store''s limit the item is dead.';
        COMMENT ON COLUMN {s}.work_items.claimed_version IS 'The stream version when the item was last claimed: a later expiry with the stream still there made no progress.';
        COMMENT ON COLUMN {s}.work_items.expired_owner IS 'The node whose lease on the item expired last.';
        COMMENT ON COLUMN {s}.work_items.dead_at IS 'When the item was parked as dead. A dead item has the empty lease owner (no node is ever named so) and never comes due; wake-ups meanwhile are kept in pending_due_at. Retrying it makes it due again.';
        CREATE INDEX work_items_dead_idx ON {s}.work_items (dead_at, id) WHERE dead_at IS NOT NULL;
        CREATE INDEX streams_ended_idx ON {s}.streams (completed_at, stream_id) WHERE completed_at IS NOT NULL AND workflow_name IS NOT NULL;
        """;

    // PL/pgSQL caches each statement's plan per session, but under plan_cache_mode = auto a statement over the commit's
    // arrays (unnest of the event ids) keeps getting custom plans: the generic plan's estimate of ten elements looks
    // dearer than a custom plan's one, so every call planned its statements again, a tenth of the server's time under
    // load. Every statement of the function is an index lookup or an insert, whose generic plan is the right one.
    private static string GenericCommitPlans(string s) => $"""
        ALTER FUNCTION {s}.apply_commit(
            text, bigint, uuid[], text[], jsonb[], jsonb[], bigint, text, bigint, boolean, boolean, text, integer, smallint,
            timestamptz, timestamptz, timestamptz, text[], timestamptz[], text[], interval[], bigint, boolean, text[], text[],
            jsonb[], timestamptz[], timestamptz[], text[])
            SET plan_cache_mode = force_generic_plan;
        """;
}
