namespace Workflow.Client;

/// <summary>An ephemeral update: an attempt of a step started.</summary>
public sealed class StepStartedUpdate : WorkflowUpdate
{
    internal StepStartedUpdate(string instanceId, string stepPath, int attempt)
        : base(instanceId)
    {
        StepPath = stepPath;
        Attempt = attempt;
    }

    /// <summary>Gets the step path.</summary>
    public string StepPath { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <inheritdoc />
    public override bool IsDurable => false;
}
