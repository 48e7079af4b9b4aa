using System.Text.Json;

namespace Workflow.Client;

/// <summary>The instance completed with an output.</summary>
public sealed class WorkflowCompletedEvent : WorkflowHistoryEvent
{
    internal WorkflowCompletedEvent(string instanceId, long position, DateTimeOffset timestamp, JsonElement output)
        : base(instanceId, position, timestamp, "workflow.completed.v1")
    {
        Output = output;
    }

    /// <summary>Gets the output, as JSON.</summary>
    public JsonElement Output { get; }

    /// <inheritdoc />
    public override bool IsTerminal => true;
}
