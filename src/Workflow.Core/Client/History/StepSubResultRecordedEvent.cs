using System.Text.Json;

namespace Workflow.Client;

/// <summary>A step journaled a sub-result with <c>StepContext.RunOnceAsync</c>: a re-run of the step replays it.</summary>
public sealed class StepSubResultRecordedEvent : WorkflowHistoryEvent
{
    internal StepSubResultRecordedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, string key, JsonElement value)
        : base(instanceId, position, timestamp, "step.subresult.v1")
    {
        StepPath = stepPath;
        Key = key;
        Value = value;
    }

    /// <summary>Gets the step path.</summary>
    public string StepPath { get; }

    /// <summary>Gets the key the step gave the sub-result.</summary>
    public string Key { get; }

    /// <summary>Gets the value, as JSON.</summary>
    public JsonElement Value { get; }
}
