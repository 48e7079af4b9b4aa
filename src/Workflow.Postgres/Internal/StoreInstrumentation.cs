using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Workflow.Postgres.Storage;
using Workflow.Storage;
using Workflow.Telemetry;

namespace Workflow.Postgres.Internal;

/// <summary>The store's instruments, on the shared <c>Workflow</c> source and meter.</summary>
internal static class StoreInstrumentation
{
    private static readonly string Version =
        typeof(StoreInstrumentation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static readonly ActivitySource Source = new(WorkflowTelemetry.ActivitySourceName, Version);

    public static readonly Meter Meter = new(WorkflowTelemetry.MeterName, Version);

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        PostgresStoreTelemetry.CommitDuration, "s", "Duration of commit round trips to PostgreSQL.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Histogram<double> ClaimDuration = Meter.CreateHistogram(
        PostgresStoreTelemetry.ClaimDuration, "s", "Duration of claim round trips to PostgreSQL.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> Claimed = Meter.CreateCounter<long>(
        PostgresStoreTelemetry.WorkClaimed, "{item}", "Work items claimed.");

    public static readonly Counter<long> Dead = Meter.CreateCounter<long>(
        PostgresStoreTelemetry.WorkDead, "{item}", "Work items parked as dead.");

    public static string Outcome(CommitStatus status) => status switch
    {
        CommitStatus.Committed => "committed",
        CommitStatus.AlreadyCommitted => "already_committed",
        CommitStatus.VersionConflict => "version_conflict",
        CommitStatus.LeaseLost => "lease_lost",
        _ => "unknown",
    };

    public static Activity? StartSpan(string name, string schema)
    {
        var activity = Source.StartActivity(name, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag(PostgresStoreTelemetry.SchemaTag, schema);
            activity.SetTag("db.system.name", "postgresql");
        }

        return activity;
    }
}
