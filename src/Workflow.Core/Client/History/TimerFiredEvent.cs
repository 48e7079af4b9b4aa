namespace Workflow.Client;

/// <summary>A durable timer fired; the workflow went on past the delay.</summary>
public sealed class TimerFiredEvent : WorkflowHistoryEvent
{
    internal TimerFiredEvent(string instanceId, long position, DateTimeOffset timestamp, string path)
        : base(instanceId, position, timestamp, "timer.fired.v1")
    {
        Path = path;
    }

    /// <summary>Gets the path of the delay.</summary>
    public string Path { get; }
}
