namespace Workflow.Postgres.EventStore;

/// <summary>
/// The metrics of the PostgreSQL event store, on the <see cref="Workflow.Telemetry.WorkflowTelemetry.MeterName"/> meter
/// (<c>Workflow</c>). Add it to your OpenTelemetry set-up with <c>.AddMeter(WorkflowTelemetry.MeterName)</c>.
/// </summary>
public static class EventStoreTelemetry
{
    /// <summary>Gauge of how many committed events a subscription has still to handle (those held back behind a
    /// transaction in flight included), capped at 100,000, tagged with <see cref="SubscriptionTag"/> and
    /// <see cref="SchemaTag"/>. Recorded whenever the owner of the subscription reads.</summary>
    public const string SubscriptionLag = "workflow.eventstore.subscription.lag";

    /// <summary>Gauge of how long (in seconds) the oldest event a subscription has still to handle has been waiting,
    /// 0 when it is caught up, with the same tags as <see cref="SubscriptionLag"/>.</summary>
    public const string SubscriptionLagTime = "workflow.eventstore.subscription.lag_time";

    /// <summary>The tag naming the subscription.</summary>
    public const string SubscriptionTag = "workflow.eventstore.subscription";

    /// <summary>The tag naming the schema of the event store.</summary>
    public const string SchemaTag = "workflow.eventstore.schema";
}
