using System.Text.Json;

namespace Workflow.Client;

/// <summary>A journaled event of a type this version of the library does not know (written by a newer version).</summary>
public sealed class UnknownHistoryEvent : WorkflowHistoryEvent
{
    internal UnknownHistoryEvent(string instanceId, long position, DateTimeOffset timestamp, string eventType, JsonElement data)
        : base(instanceId, position, timestamp, eventType)
    {
        Data = data;
    }

    /// <summary>Gets the event's payload, as JSON.</summary>
    public JsonElement Data { get; }
}
