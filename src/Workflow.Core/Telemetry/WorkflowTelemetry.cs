namespace Workflow.Telemetry;

/// <summary>
/// The names under which Workflow emits traces and metrics. Add them to your OpenTelemetry set-up:
/// <c>.AddSource(WorkflowTelemetry.ActivitySourceName)</c> and <c>.AddMeter(WorkflowTelemetry.MeterName)</c>.
/// </summary>
public static class WorkflowTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: a span per instance run
    /// (<c>run_workflow {name}</c>) with a child span per step (<c>execute_step {step}</c>), and a span per start
    /// (<c>start_workflow {name}</c>).</summary>
    public const string ActivitySourceName = "Workflow";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "Workflow";

    /// <summary>Counter of instances started, tagged with <c>workflow.name</c>.</summary>
    public const string InstancesStarted = "workflow.instances.started";

    /// <summary>Counter of instances completed, tagged with <c>workflow.name</c>.</summary>
    public const string InstancesCompleted = "workflow.instances.completed";

    /// <summary>Counter of instances failed, tagged with <c>workflow.name</c> and <c>error.type</c>.</summary>
    public const string InstancesFailed = "workflow.instances.failed";

    /// <summary>Counter of instances canceled, tagged with <c>workflow.name</c>.</summary>
    public const string InstancesCanceled = "workflow.instances.canceled";

    /// <summary>Histogram of step attempt durations in seconds, tagged with <c>workflow.name</c>,
    /// <c>workflow.step.name</c> and <c>workflow.step.outcome</c> (<c>completed</c>, <c>retried</c>, <c>failed</c>).</summary>
    public const string StepDuration = "workflow.step.duration";

    /// <summary>Up-down counter of runnable instances waiting in this node's queue.</summary>
    public const string QueueDepth = "workflow.queue.depth";
}
