namespace Workflow.Postgres.Storage;

/// <summary>
/// The spans and metrics of the PostgreSQL workflow store, on the <see cref="Workflow.Telemetry.WorkflowTelemetry.ActivitySourceName"/>
/// activity source and the <see cref="Workflow.Telemetry.WorkflowTelemetry.MeterName"/> meter (both <c>Workflow</c>): an
/// OpenTelemetry set-up that listens to the runtime receives them too.
/// </summary>
public static class PostgresStoreTelemetry
{
    /// <summary>The name of the span of a commit (<c>workflow.store.commit</c>) and of a batch of commits
    /// (<c>workflow.store.commit_many</c>), tagged with <see cref="SchemaTag"/>, the instance id and the event count.</summary>
    public const string CommitSpan = "workflow.store.commit";

    /// <summary>The name of the span of a claim of work, tagged with <see cref="SchemaTag"/> and the items claimed.</summary>
    public const string ClaimSpan = "workflow.store.claim";

    /// <summary>Histogram of commit round trips in seconds (one per <c>CommitAsync</c>, one per batch of
    /// <c>CommitManyAsync</c>), tagged with <see cref="SchemaTag"/> and <see cref="OutcomeTag"/>.</summary>
    public const string CommitDuration = "workflow.store.commit.duration";

    /// <summary>Histogram of claim round trips in seconds, tagged with <see cref="SchemaTag"/>.</summary>
    public const string ClaimDuration = "workflow.store.claim.duration";

    /// <summary>Counter of work items claimed, tagged with <see cref="SchemaTag"/>.</summary>
    public const string WorkClaimed = "workflow.store.work.claimed";

    /// <summary>Counter of work items parked as dead, tagged with <see cref="SchemaTag"/>.</summary>
    public const string WorkDead = "workflow.store.work.dead";

    /// <summary>The tag naming the store's schema.</summary>
    public const string SchemaTag = "workflow.store.schema";

    /// <summary>The tag of a commit's outcome: <c>committed</c>, <c>already_committed</c>, <c>version_conflict</c>,
    /// <c>lease_lost</c>, <c>batch</c> (for a batch) or <c>error</c>.</summary>
    public const string OutcomeTag = "workflow.store.outcome";
}
