using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Workflow.Telemetry;

/// <summary>The process-wide source and meter. Tags are low-cardinality: never an instance id in a metric.</summary>
internal static class WorkflowInstrumentation
{
    public const string WorkflowNameTag = "workflow.name";
    public const string WorkflowVersionTag = "workflow.version";
    public const string InstanceIdTag = "workflow.instance.id";
    public const string StepNameTag = "workflow.step.name";
    public const string StepPathTag = "workflow.step.path";
    public const string StepAttemptTag = "workflow.step.attempt";
    public const string StepOutcomeTag = "workflow.step.outcome";
    public const string ErrorTypeTag = "error.type";

    private static readonly string Version =
        typeof(WorkflowInstrumentation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static readonly ActivitySource Source = new(WorkflowTelemetry.ActivitySourceName, Version);

    public static readonly Meter Meter = new(WorkflowTelemetry.MeterName, Version);

    public static readonly Counter<long> Started = Meter.CreateCounter<long>(WorkflowTelemetry.InstancesStarted, "{instance}", "Workflow instances started.");

    public static readonly Counter<long> Completed = Meter.CreateCounter<long>(WorkflowTelemetry.InstancesCompleted, "{instance}", "Workflow instances completed.");

    public static readonly Counter<long> Failed = Meter.CreateCounter<long>(WorkflowTelemetry.InstancesFailed, "{instance}", "Workflow instances failed.");

    public static readonly Counter<long> Canceled = Meter.CreateCounter<long>(WorkflowTelemetry.InstancesCanceled, "{instance}", "Workflow instances canceled.");

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        WorkflowTelemetry.StepDuration, "s", "Duration of step attempts.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });

    public static readonly UpDownCounter<long> QueueDepth = Meter.CreateUpDownCounter<long>(WorkflowTelemetry.QueueDepth, "{instance}", "Runnable instances waiting in the node's queue.");
}
