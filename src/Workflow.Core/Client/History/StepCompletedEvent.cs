using System.Text.Json;

namespace Workflow.Client;

/// <summary>A step completed: its output, recorded once.</summary>
public sealed class StepCompletedEvent : WorkflowHistoryEvent
{
    internal StepCompletedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, int attempt, JsonElement output, IReadOnlyDictionary<string, string> metadata)
        : base(instanceId, position, timestamp, "step.completed.v1")
    {
        StepPath = stepPath;
        Attempt = attempt;
        Output = output;
        Metadata = metadata;
    }

    /// <summary>Gets the step path, for example <c>review/items[3]/approve</c>.</summary>
    public string StepPath { get; }

    /// <summary>Gets the attempt that succeeded, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the output, as JSON.</summary>
    public JsonElement Output { get; }

    /// <summary>Gets the metadata the step attached (for example token usage).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
