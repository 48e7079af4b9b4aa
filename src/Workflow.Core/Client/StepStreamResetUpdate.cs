namespace Workflow.Client;

/// <summary>An ephemeral update: a streamed call of a step is being retried, so watchers drop the partial output
/// they received for <see cref="CallId"/>.</summary>
public sealed class StepStreamResetUpdate : WorkflowUpdate
{
    internal StepStreamResetUpdate(string instanceId, string stepPath, string callId)
        : base(instanceId)
    {
        StepPath = stepPath;
        CallId = callId;
    }

    /// <summary>Gets the path of the step.</summary>
    public string StepPath { get; }

    /// <summary>Gets the id of the call whose partial output is void.</summary>
    public string CallId { get; }

    /// <inheritdoc />
    public override bool IsDurable => false;
}
