namespace Workflow.Postgres.Schema;

/// <summary>The statements of the store's operations (retention, dead work, health) for one schema.</summary>
internal sealed class OperationsSql
{
    // Statuses that end an instance: Completed, Failed, Canceled, Terminated.
    private const string Ended = "status IN (2, 3, 4, 5)";

    public OperationsSql(SchemaName schema)
    {
        var s = schema.Quoted;

        // Instances with work still scheduled (a parent's wake-up, a pending lease) are left for a later pass.
        PurgeCandidates = $"""
            SELECT st.stream_id, st.workflow_name, st.workflow_version, st.status, st.created_at, st.updated_at, st.completed_at
              FROM {s}.streams AS st
             WHERE st.completed_at < $1 AND st.workflow_name IS NOT NULL AND st.{Ended}
               AND ($2::text IS NULL OR st.workflow_name = $2)
               AND NOT EXISTS (SELECT 1 FROM {s}.work_items AS w WHERE w.instance_id = st.stream_id)
             ORDER BY st.completed_at, st.stream_id
             LIMIT $3
            """;

        // The conditions are checked again under the row lock: an instance that changed since it was picked stays.
        Purge = $"""
            WITH doomed AS (
                SELECT st.stream_id FROM {s}.streams AS st
                 WHERE st.stream_id = ANY ($1) AND st.completed_at < $2 AND st.workflow_name IS NOT NULL AND st.{Ended}
                   AND NOT EXISTS (SELECT 1 FROM {s}.work_items AS w WHERE w.instance_id = st.stream_id)
                   FOR UPDATE OF st),
            events AS (DELETE FROM {s}.events AS e USING doomed AS d WHERE e.stream_id = d.stream_id),
            approvals AS (DELETE FROM {s}.approvals AS a USING doomed AS d WHERE a.instance_id = d.stream_id)
            DELETE FROM {s}.streams AS st USING doomed AS d WHERE st.stream_id = d.stream_id
            """;

        DeadWorkItems = $"""
            SELECT w.instance_id, st.workflow_name, w.dead_at, w.expired_leases, w.expired_owner
              FROM {s}.work_items AS w
              LEFT JOIN {s}.streams AS st ON st.stream_id = w.instance_id
             WHERE w.dead_at IS NOT NULL
             ORDER BY w.dead_at, w.id
             LIMIT $1
            """;

        // Due now, or at the earliest wake-up that arrived while it was parked.
        RetryDead = $"""
            UPDATE {s}.work_items
               SET lease_owner = NULL, available_at = now(), pending_due_at = NULL, dead_at = NULL,
                   expired_leases = 0, claimed_version = NULL, fencing_token = fencing_token + 1
             WHERE instance_id = $1 AND dead_at IS NOT NULL
            """;

        // Bounded counts: a health probe must stay cheap on a large backlog.
        Probe = $"""
            SELECT (SELECT coalesce(max(version), 0) FROM {s}.schema_version),
                   (SELECT count(*) FROM (SELECT 1 FROM {s}.work_items WHERE dead_at IS NOT NULL LIMIT 10000) AS d),
                   (SELECT count(*) FROM (SELECT 1 FROM {s}.work_items WHERE available_at <= now() LIMIT 10000) AS o),
                   (SELECT extract(epoch FROM now() - min(available_at))::float8 FROM {s}.work_items WHERE available_at <= now())
            """;
    }

    public string PurgeCandidates { get; }

    public string Purge { get; }

    public string DeadWorkItems { get; }

    public string RetryDead { get; }

    public string Probe { get; }
}
