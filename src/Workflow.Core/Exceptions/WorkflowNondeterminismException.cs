namespace Workflow.Exceptions;

/// <summary>
/// Raised when an instance's journal does not fit its definition any more: the definition was changed in a way that
/// in-flight instances cannot follow (a branch arm removed, a step renamed). The instance is left as it is, so that
/// deploying a compatible definition lets it continue.
/// </summary>
public sealed class WorkflowNondeterminismException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance whose journal does not fit.</param>
    /// <param name="message">What does not fit.</param>
    public WorkflowNondeterminismException(string instanceId, string message)
        : base($"Workflow instance '{instanceId}' cannot be replayed on its definition: {message}")
    {
        InstanceId = instanceId;
    }

    /// <summary>Gets the instance whose journal does not fit.</summary>
    public string InstanceId { get; }
}
