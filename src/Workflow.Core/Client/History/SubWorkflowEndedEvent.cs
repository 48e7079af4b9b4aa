using System.Text.Json;

namespace Workflow.Client;

/// <summary>A sub-workflow instance ended; its result is journaled here, in the parent.</summary>
public sealed class SubWorkflowEndedEvent : WorkflowHistoryEvent
{
    internal SubWorkflowEndedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, string childInstanceId, WorkflowStatus status, JsonElement? output, WorkflowFailure? failure)
        : base(instanceId, position, timestamp, "subworkflow.ended.v1")
    {
        Path = path;
        ChildInstanceId = childInstanceId;
        Status = status;
        Output = output;
        Failure = failure;
    }

    /// <summary>Gets the path of the sub-workflow node.</summary>
    public string Path { get; }

    /// <summary>Gets the child instance's id.</summary>
    public string ChildInstanceId { get; }

    /// <summary>Gets how the child ended.</summary>
    public WorkflowStatus Status { get; }

    /// <summary>Gets the child's output, when it completed.</summary>
    public JsonElement? Output { get; }

    /// <summary>Gets the child's failure, when it failed.</summary>
    public WorkflowFailure? Failure { get; }
}
