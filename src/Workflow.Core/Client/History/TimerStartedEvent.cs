namespace Workflow.Client;

/// <summary>A durable timer (a delay) was started.</summary>
public sealed class TimerStartedEvent : WorkflowHistoryEvent
{
    internal TimerStartedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, DateTimeOffset dueAt)
        : base(instanceId, position, timestamp, "timer.started.v1")
    {
        Path = path;
        DueAt = dueAt;
    }

    /// <summary>Gets the path of the delay.</summary>
    public string Path { get; }

    /// <summary>Gets when the timer fires.</summary>
    public DateTimeOffset DueAt { get; }
}
