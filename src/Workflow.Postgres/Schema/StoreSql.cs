using System.Text;

namespace Workflow.Postgres.Schema;

/// <summary>The store's statements for one schema, built once per store. Values are always bound as positional
/// parameters; only the validated, quoted schema name is spliced in.</summary>
internal sealed class StoreSql
{
    public StoreSql(SchemaName schema)
    {
        var s = schema.Quoted;
        Schema = schema;

        Commit = $"""
            SELECT status, stream_version, claimed_ids, claimed_instances, claimed_owners, claimed_tokens, claimed_expiries
              FROM {s}.apply_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                                 $22, $23, $24, $25, $26, $27, $28, $29)
            """;

        ReadForward = $"""
            SELECT version, global_position, event_id, type, data, metadata, created_at
              FROM {s}.events
             WHERE stream_id = $1 AND version >= $2
             ORDER BY version
             LIMIT $3
            """;

        ReadBackward = $"""
            SELECT version, global_position, event_id, type, data, metadata, created_at
              FROM {s}.events
             WHERE stream_id = $1 AND version <= $2
             ORDER BY version DESC
             LIMIT $3
            """;

        // Due items and expired leases share one index: available_at is the due time of a free item and the
        // expiry of a leased one. SKIP LOCKED lets claimers on many nodes take disjoint items without waiting.
        // A claim of an item whose lease expired (its node died or hung) without the stream moving on since the last
        // claim counts one more expiry in a row; at the limit ($4, 0 for none) the item is parked as dead instead of
        // handed out, so one poisonous instance cannot take down node after node.
        Claim = $"""
            WITH due AS (
                SELECT w.id, st.version,
                       CASE WHEN w.lease_owner IS NULL THEN 0
                            WHEN st.version IS DISTINCT FROM w.claimed_version THEN 1
                            ELSE w.expired_leases + 1 END AS expired_leases,
                       w.lease_owner AS expired_owner
                  FROM {s}.work_items AS w
                  LEFT JOIN {s}.streams AS st ON st.stream_id = w.instance_id
                 WHERE w.available_at <= now()
                 ORDER BY w.available_at, w.id
                 LIMIT $2
                   FOR UPDATE OF w SKIP LOCKED),
            claimed AS (
                UPDATE {s}.work_items AS w
                   SET lease_owner = CASE WHEN $4 > 0 AND due.expired_leases >= $4 THEN '' ELSE $1 END,
                       available_at = CASE WHEN $4 > 0 AND due.expired_leases >= $4 THEN 'infinity' ELSE now() + $3 END,
                       dead_at = CASE WHEN $4 > 0 AND due.expired_leases >= $4 THEN now() END,
                       fencing_token = w.fencing_token + 1,
                       expired_leases = due.expired_leases,
                       claimed_version = due.version,
                       expired_owner = coalesce(due.expired_owner, w.expired_owner)
                  FROM due
                 WHERE w.id = due.id
                RETURNING w.id, w.instance_id, w.fencing_token, w.available_at, w.dead_at, w.expired_owner)
            SELECT id, instance_id, fencing_token, available_at, dead_at IS NOT NULL, expired_owner FROM claimed
            """;

        Renew = $"""
            UPDATE {s}.work_items AS w
               SET available_at = now() + $5
              FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS l(id, instance_id, owner, token)
             WHERE w.id = l.id AND w.instance_id = l.instance_id AND w.lease_owner = l.owner AND w.fencing_token = l.token
            RETURNING w.id, w.fencing_token, w.available_at, w.lease_owner, w.instance_id
            """;

        // A wake-up that arrived while leased is kept if it is earlier than the requested due time.
        Release = $"""
            UPDATE {s}.work_items
               SET lease_owner = NULL, available_at = least(pending_due_at, coalesce($5, now())), pending_due_at = NULL
             WHERE id = $1 AND instance_id = $2 AND lease_owner = $3 AND fencing_token = $4
            """;

        GetInstance = $"""
            SELECT stream_id, workflow_name, workflow_version, status, created_at, updated_at, completed_at
              FROM {s}.streams
             WHERE stream_id = $1 AND workflow_name IS NOT NULL
            """;

        Notify = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS p(payload)";
        Listen = $"LISTEN \"{schema.NotificationChannel}\"";
        Unlisten = $"UNLISTEN \"{schema.NotificationChannel}\"";
    }

    public SchemaName Schema { get; }

    public string Commit { get; }

    public string ReadForward { get; }

    public string ReadBackward { get; }

    public string Claim { get; }

    public string Renew { get; }

    public string Release { get; }

    public string GetInstance { get; }

    public string Notify { get; }

    public string Listen { get; }

    public string Unlisten { get; }

    /// <summary>Builds a pending-approval query, oldest request first, with only the filters in use. Parameters are
    /// numbered in this order: workflow name, after (requested at, instance id, path), limit.</summary>
    public string QueryApprovals(bool byName, bool after)
    {
        var sql = new StringBuilder($"""
            SELECT instance_id, workflow_name, step_path, request, requested_at, deadline
              FROM {Schema.Quoted}.approvals
             WHERE true
            """);
        var parameter = 0;
        if (byName)
        {
            sql.Append(" AND workflow_name = $").Append(++parameter);
        }

        if (after)
        {
            sql.Append(" AND (requested_at, instance_id, step_path) > ($").Append(++parameter)
               .Append(", $").Append(++parameter).Append(", $").Append(++parameter).Append(')');
        }

        sql.Append(" ORDER BY requested_at, instance_id, step_path LIMIT $").Append(++parameter);
        return sql.ToString();
    }

    /// <summary>Builds an instance query with only the filters in use, so each shape gets a plan of its own.
    /// Parameters are numbered in this order: name, status, created from, created before, after (created, id), limit.</summary>
    public string QueryInstances(bool byName, bool byStatus, bool createdFrom, bool createdBefore, bool after)
    {
        var sql = new StringBuilder($"""
            SELECT stream_id, workflow_name, workflow_version, status, created_at, updated_at, completed_at
              FROM {Schema.Quoted}.streams
             WHERE workflow_name IS NOT NULL
            """);
        var parameter = 0;
        if (byName)
        {
            sql.Append(" AND workflow_name = $").Append(++parameter);
        }

        if (byStatus)
        {
            sql.Append(" AND status = $").Append(++parameter);
        }

        if (createdFrom)
        {
            sql.Append(" AND created_at >= $").Append(++parameter);
        }

        if (createdBefore)
        {
            sql.Append(" AND created_at < $").Append(++parameter);
        }

        if (after)
        {
            sql.Append(" AND (created_at, stream_id) < ($").Append(++parameter).Append(", $").Append(++parameter).Append(')');
        }

        sql.Append(" ORDER BY created_at DESC, stream_id DESC LIMIT $").Append(++parameter);
        return sql.ToString();
    }
}
