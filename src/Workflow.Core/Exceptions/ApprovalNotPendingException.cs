namespace Workflow.Exceptions;

/// <summary>Raised when an approval is answered that is not pending: it was never requested, was already
/// answered, or timed out. Nothing was appended.</summary>
public sealed class ApprovalNotPendingException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="stepPath">The approval's path.</param>
    /// <param name="message">Why it is not pending.</param>
    public ApprovalNotPendingException(string instanceId, string stepPath, string message)
        : base(message)
    {
        InstanceId = instanceId;
        StepPath = stepPath;
    }

    /// <summary>Gets the instance.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the approval's path.</summary>
    public string StepPath { get; }
}
