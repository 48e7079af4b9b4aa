namespace Workflow.Exceptions;

/// <summary>Raised when a workflow is started by a name (and version) that no registered definition has.</summary>
public sealed class WorkflowDefinitionNotFoundException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="workflowName">The name asked for.</param>
    /// <param name="workflowVersion">The version asked for, or <see langword="null"/> for the newest.</param>
    /// <param name="registered">The definitions that are registered, as <c>name@version</c>.</param>
    public WorkflowDefinitionNotFoundException(string workflowName, int? workflowVersion, IEnumerable<string> registered)
        : base(CreateMessage(workflowName, workflowVersion, registered))
    {
        WorkflowName = workflowName;
        WorkflowVersion = workflowVersion;
    }

    /// <summary>Gets the name asked for.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the version asked for, or <see langword="null"/> for the newest.</summary>
    public int? WorkflowVersion { get; }

    private static string CreateMessage(string workflowName, int? workflowVersion, IEnumerable<string> registered)
    {
        ArgumentNullException.ThrowIfNull(registered);
        var asked = workflowVersion is null ? $"'{workflowName}'" : $"'{workflowName}' version {workflowVersion}";
        var known = string.Join(", ", registered);
        return $"No workflow definition {asked} is registered. Register it with AddWorkflow(definition). Registered: {(known.Length == 0 ? "none" : known)}.";
    }
}
