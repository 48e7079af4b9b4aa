namespace Workflow.Exceptions;

/// <summary>Raised when the result of a workflow instance that failed is requested.</summary>
public sealed class WorkflowFailedException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance that failed.</param>
    /// <param name="failure">The failure, as recorded in the journal.</param>
    public WorkflowFailedException(string instanceId, WorkflowFailure failure)
        : base(CreateMessage(instanceId, failure))
    {
        InstanceId = instanceId;
        Failure = failure;
    }

    /// <summary>Gets the instance that failed.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the failure, as recorded in the journal.</summary>
    public WorkflowFailure Failure { get; }

    private static string CreateMessage(string instanceId, WorkflowFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var where = failure.StepPath is null ? string.Empty : $" at step '{failure.StepPath}'";
        return $"Workflow instance '{instanceId}' failed{where}: {failure.ErrorType}: {failure.Message}";
    }
}
