namespace Workflow.Client;

/// <summary>A wait consumed a raised event; a replay gives the wait the same event.</summary>
public sealed class EventConsumedEvent : WorkflowHistoryEvent
{
    internal EventConsumedEvent(string instanceId, long position, DateTimeOffset timestamp, string path, long raisedPosition)
        : base(instanceId, position, timestamp, "event.consumed.v1")
    {
        Path = path;
        RaisedPosition = raisedPosition;
    }

    /// <summary>Gets the path of the wait.</summary>
    public string Path { get; }

    /// <summary>Gets the position of the <see cref="EventRaisedEvent"/> it consumed.</summary>
    public long RaisedPosition { get; }
}
