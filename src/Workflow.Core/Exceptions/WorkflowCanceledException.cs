namespace Workflow.Exceptions;

/// <summary>Raised when the result of a workflow instance that was canceled is requested.</summary>
public sealed class WorkflowCanceledException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance that was canceled.</param>
    /// <param name="reason">The reason given when cancellation was requested, if any.</param>
    public WorkflowCanceledException(string instanceId, string? reason)
        : base(reason is null ? $"Workflow instance '{instanceId}' was canceled." : $"Workflow instance '{instanceId}' was canceled: {reason}")
    {
        InstanceId = instanceId;
        Reason = reason;
    }

    /// <summary>Gets the instance that was canceled.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the reason given when cancellation was requested, if any.</summary>
    public string? Reason { get; }
}
