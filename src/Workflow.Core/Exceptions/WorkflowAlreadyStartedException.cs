namespace Workflow.Exceptions;

/// <summary>
/// Raised when a workflow is started with an instance id that already exists with another definition, version or
/// input. Starting it again with the same definition, version and input is not an error: it returns the existing instance.
/// </summary>
public sealed class WorkflowAlreadyStartedException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance id that is taken.</param>
    /// <param name="workflowName">The definition name of the existing instance.</param>
    /// <param name="workflowVersion">The definition version of the existing instance.</param>
    public WorkflowAlreadyStartedException(string instanceId, string workflowName, int workflowVersion)
        : base($"Workflow instance '{instanceId}' already exists (workflow '{workflowName}' version {workflowVersion}) with a different definition, version or input. "
            + "Use a new instance id, or start it with exactly the same definition and input to get the existing instance back.")
    {
        InstanceId = instanceId;
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
    }

    /// <summary>Gets the instance id that is taken.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the definition name of the existing instance.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the definition version of the existing instance.</summary>
    public int WorkflowVersion { get; }
}
