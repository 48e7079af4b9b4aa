namespace Workflow.Postgres.Schema;

/// <summary>The event store's statements for one schema, built once per store. Values are always bound as positional
/// parameters; only the validated, quoted schema name is spliced in. Appends use the schema's <c>apply_commit</c>
/// function (<see cref="StoreSql.Commit"/>), shared with the workflow store.</summary>
internal sealed class EventStoreSql
{
    // The columns every event read returns, in this order (EventReader reads them by ordinal).
    private const string EventColumns = "stream_id, version, tx_id, global_position, event_id, type, data, metadata, created_at";

    public EventStoreSql(SchemaName schema)
    {
        var s = schema.Quoted;

        ReadStreamForward = $"""
            SELECT {EventColumns}
              FROM {s}.events
             WHERE stream_id = $1 AND version >= $2
             ORDER BY version
             LIMIT $3
            """;

        ReadStreamBackward = $"""
            SELECT {EventColumns}
              FROM {s}.events
             WHERE stream_id = $1 AND version <= $2
             ORDER BY version DESC
             LIMIT $3
            """;

        // The global order is (tx_id, global_position), read only below the oldest transaction still in flight: every
        // transaction with an id below the snapshot's xmin has ended, and any later one gets a larger id, so no event can
        // appear behind a position once a reader has passed it. Ordering by global_position alone would skip events: a
        // transaction can draw its position before another that commits first.
        ReadAll = $"""
            SELECT {EventColumns}
              FROM {s}.events
             WHERE (tx_id, global_position) > ($1, $2)
               AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY tx_id, global_position
             LIMIT $3
            """;

        // Whether committed events follow a checkpoint: when a read after it found none, they are held back behind a
        // transaction still in flight, and the reader should look again soon rather than wait for a notification.
        HeldBack = $"""
            SELECT EXISTS (SELECT 1 FROM {s}.events WHERE (tx_id, global_position) > ($1, $2))
            """;

        // Committed events after a checkpoint (those still held back behind an in-flight transaction included), capped,
        // and the age of the oldest of them.
        Lag = $"""
            SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
              FROM (SELECT created_at FROM {s}.events
                     WHERE (tx_id, global_position) > ($1, $2)
                     ORDER BY tx_id, global_position
                     LIMIT $3) AS behind
            """;

        // Creates the subscription at its start position, or claims it when nobody holds its lease (or when this consumer
        // holds it: it claims again after an interruption); every claim bumps the fencing token, so a previous owner can
        // no longer write a checkpoint.
        ClaimSubscription = $"""
            INSERT INTO {s}.subscriptions AS s (name, checkpoint_tx_id, checkpoint_position, owner, lease_until, fencing_token)
            VALUES ($1, $4, $5, $2, now() + $3, 1)
            ON CONFLICT (name) DO UPDATE
               SET owner = excluded.owner, lease_until = excluded.lease_until, fencing_token = s.fencing_token + 1, updated_at = now()
             WHERE s.owner IS NULL OR s.lease_until <= now() OR s.owner = excluded.owner
            RETURNING s.fencing_token, s.checkpoint_tx_id, s.checkpoint_position
            """;

        RenewSubscription = $"""
            UPDATE {s}.subscriptions
               SET lease_until = now() + $4, updated_at = now()
             WHERE name = $1 AND owner = $2 AND fencing_token = $3 AND lease_until > now()
            """;

        // Fenced twice: written only by the current owner, and only over the checkpoint it read (so a projection's retry
        // after a commit of unknown outcome finds the checkpoint moved and re-reads it instead of applying events twice).
        // Projections run it in their own transaction, with their writes.
        SaveCheckpoint = $"""
            UPDATE {s}.subscriptions
               SET checkpoint_tx_id = $4, checkpoint_position = $5, lease_until = greatest(lease_until, now() + $8), updated_at = now()
             WHERE name = $1 AND owner = $2 AND fencing_token = $3
               AND checkpoint_tx_id = $6 AND checkpoint_position = $7
               AND lease_until > now()
            """;

        ReleaseSubscription = $"""
            UPDATE {s}.subscriptions
               SET owner = NULL, lease_until = NULL, updated_at = now()
             WHERE name = $1 AND owner = $2 AND fencing_token = $3
            """;

        GetSubscription = $"""
            SELECT checkpoint_tx_id, checkpoint_position
              FROM {s}.subscriptions
             WHERE name = $1
            """;

        // Moves the checkpoint and fences the current owner off: its next checkpoint fails, and it (or another consumer)
        // claims the subscription again from the new checkpoint.
        ResetSubscription = $"""
            INSERT INTO {s}.subscriptions AS s (name, checkpoint_tx_id, checkpoint_position)
            VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE
               SET checkpoint_tx_id = excluded.checkpoint_tx_id, checkpoint_position = excluded.checkpoint_position,
                   owner = NULL, lease_until = NULL, fencing_token = s.fencing_token + 1, updated_at = now()
            """;

        // A snapshot is stored only at a version the stream has reached, and never replaces a later one.
        StoreSnapshot = $"""
            WITH stream AS (SELECT version FROM {s}.streams WHERE stream_id = $1),
            stored AS (
                INSERT INTO {s}.snapshots AS n (stream_id, type, version, state)
                SELECT $1, $2, $3, $4 FROM stream WHERE stream.version >= $3
                ON CONFLICT (stream_id, type) DO UPDATE
                   SET version = excluded.version, state = excluded.state, created_at = now()
                 WHERE n.version <= excluded.version
                RETURNING 1)
            SELECT (SELECT version FROM stream), (SELECT count(*) FROM stored)
            """;

        LoadSnapshot = $"""
            SELECT version, state, created_at
              FROM {s}.snapshots
             WHERE stream_id = $1 AND type = $2
            """;
    }

    public string ReadStreamForward { get; }

    public string ReadStreamBackward { get; }

    public string ReadAll { get; }

    public string HeldBack { get; }

    public string Lag { get; }

    public string ClaimSubscription { get; }

    public string RenewSubscription { get; }

    public string SaveCheckpoint { get; }

    public string ReleaseSubscription { get; }

    public string GetSubscription { get; }

    public string ResetSubscription { get; }

    public string StoreSnapshot { get; }

    public string LoadSnapshot { get; }
}
