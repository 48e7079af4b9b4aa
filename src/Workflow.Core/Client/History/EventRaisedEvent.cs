using System.Text.Json;

namespace Workflow.Client;

/// <summary>An external event was raised to the instance. It waits in the journal until a wait consumes it.</summary>
public sealed class EventRaisedEvent : WorkflowHistoryEvent
{
    internal EventRaisedEvent(string instanceId, long position, DateTimeOffset timestamp, string eventName, JsonElement payload, string? targetPath)
        : base(instanceId, position, timestamp, "event.raised.v1")
    {
        EventName = eventName;
        Payload = payload;
        TargetPath = targetPath;
    }

    /// <summary>Gets the event's name.</summary>
    public string EventName { get; }

    /// <summary>Gets the payload, as JSON.</summary>
    public JsonElement Payload { get; }

    /// <summary>Gets the path of the one wait the event is addressed to, or <see langword="null"/> for the first wait
    /// of that name.</summary>
    public string? TargetPath { get; }
}
