namespace Workflow.Exceptions;

/// <summary>Raised when a workflow instance does not exist in the store.</summary>
public sealed class WorkflowNotFoundException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance id that was not found.</param>
    public WorkflowNotFoundException(string instanceId)
        : base($"No workflow instance '{instanceId}' exists. Check the id, and that this client uses the store the instance was started in.")
    {
        InstanceId = instanceId;
    }

    /// <summary>Gets the instance id that was not found.</summary>
    public string InstanceId { get; }
}
