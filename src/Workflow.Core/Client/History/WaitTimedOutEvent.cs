namespace Workflow.Client;

/// <summary>A wait reached its deadline without an event.</summary>
public sealed class WaitTimedOutEvent : WorkflowHistoryEvent
{
    internal WaitTimedOutEvent(string instanceId, long position, DateTimeOffset timestamp, string path)
        : base(instanceId, position, timestamp, "wait.timed_out.v1")
    {
        Path = path;
    }

    /// <summary>Gets the path of the wait.</summary>
    public string Path { get; }
}
