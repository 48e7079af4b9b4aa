using System.Diagnostics.Metrics;
using System.Reflection;
using Workflow.Telemetry;

namespace Workflow.Postgres.EventStore;

/// <summary>The event store's instruments, on a meter of the shared name: listeners of <c>Workflow</c> receive them.</summary>
internal static class EventStoreInstrumentation
{
    /// <summary>The most events the lag query counts.</summary>
    public const int LagCap = 100_000;

    private static readonly string Version =
        typeof(EventStoreInstrumentation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static readonly Meter Meter = new(WorkflowTelemetry.MeterName, Version);

    public static readonly Gauge<long> Lag = Meter.CreateGauge<long>(
        EventStoreTelemetry.SubscriptionLag, "{event}", "Committed events a subscription has still to handle (capped at 100,000).");

    public static readonly Gauge<double> LagTime = Meter.CreateGauge<double>(
        EventStoreTelemetry.SubscriptionLagTime, "s", "Age of the oldest event a subscription has still to handle.");
}
