namespace Workflow.Client;

/// <summary>A wait with a timeout was reached; its deadline is journaled so a replay keeps it.</summary>
public sealed class WaitStartedEvent : WorkflowHistoryEvent
{
    internal WaitStartedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, DateTimeOffset deadline)
        : base(instanceId, position, timestamp, "wait.started.v1")
    {
        Path = path;
        Deadline = deadline;
    }

    /// <summary>Gets the path of the wait.</summary>
    public string Path { get; }

    /// <summary>Gets when the wait times out.</summary>
    public DateTimeOffset Deadline { get; }
}
