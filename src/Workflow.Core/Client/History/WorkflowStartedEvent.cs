using System.Text.Json;

namespace Workflow.Client;

/// <summary>The instance started: its definition and input.</summary>
public sealed class WorkflowStartedEvent : WorkflowHistoryEvent
{
    internal WorkflowStartedEvent(
        string instanceId, long position, DateTimeOffset timestamp, string workflowName, int workflowVersion, JsonElement input, string? traceParent, string? traceState,
        string? parentInstanceId = null, string? parentStepPath = null)
        : base(instanceId, position, timestamp, "workflow.started.v1")
    {
        ParentInstanceId = parentInstanceId;
        ParentStepPath = parentStepPath;
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
        Input = input;
        TraceParent = traceParent;
        TraceState = traceState;
    }

    /// <summary>Gets the name of the definition.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the version of the definition.</summary>
    public int WorkflowVersion { get; }

    /// <summary>Gets the input, as JSON.</summary>
    public JsonElement Input { get; }

    /// <summary>Gets the W3C trace parent the instance's spans continue, if any.</summary>
    public string? TraceParent { get; }

    /// <summary>Gets the W3C trace state, if any.</summary>
    public string? TraceState { get; }

    /// <summary>Gets the instance that started this one as a sub-workflow, or <see langword="null"/>.</summary>
    public string? ParentInstanceId { get; }

    /// <summary>Gets the path of the parent's sub-workflow node, or <see langword="null"/>.</summary>
    public string? ParentStepPath { get; }
}
