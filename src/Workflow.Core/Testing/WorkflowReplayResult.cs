namespace Workflow.Testing;

/// <summary>The result of replaying a recorded history on the current definitions.</summary>
public sealed class WorkflowReplayResult
{
    internal WorkflowReplayResult(string instanceId, string workflowName, int workflowVersion, string? divergence)
    {
        InstanceId = instanceId;
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
        Divergence = divergence;
    }

    /// <summary>Gets the recorded instance's id.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the workflow the history belongs to.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the version the recorded instance ran.</summary>
    public int WorkflowVersion { get; }

    /// <summary>Gets a value indicating whether the history replays on the definition as it was recorded.</summary>
    public bool IsDeterministic => Divergence is null;

    /// <summary>Gets the first place where the history and the definition disagree, or <see langword="null"/>.</summary>
    public string? Divergence { get; }

    /// <inheritdoc />
    public override string ToString() => Divergence ?? $"{WorkflowName} v{WorkflowVersion} instance {InstanceId} replays.";
}
