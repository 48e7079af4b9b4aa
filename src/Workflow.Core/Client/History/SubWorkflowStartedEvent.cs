namespace Workflow.Client;

/// <summary>A sub-workflow instance was started from this instance.</summary>
public sealed class SubWorkflowStartedEvent : WorkflowHistoryEvent
{
    internal SubWorkflowStartedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, string childInstanceId)
        : base(instanceId, position, timestamp, "subworkflow.started.v1")
    {
        Path = path;
        ChildInstanceId = childInstanceId;
    }

    /// <summary>Gets the path of the sub-workflow node.</summary>
    public string Path { get; }

    /// <summary>Gets the child instance's id.</summary>
    public string ChildInstanceId { get; }
}
