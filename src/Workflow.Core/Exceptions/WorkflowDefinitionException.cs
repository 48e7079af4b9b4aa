namespace Workflow.Exceptions;

/// <summary>Raised by <c>Build()</c> or at registration when a workflow definition has problems; it lists all of them.</summary>
public sealed class WorkflowDefinitionException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="workflowName">The name of the definition.</param>
    /// <param name="problems">Every problem found, each a sentence saying what is wrong and how to fix it.</param>
    public WorkflowDefinitionException(string workflowName, IReadOnlyList<string> problems)
        : base(CreateMessage(workflowName, problems))
    {
        WorkflowName = workflowName;
        Problems = problems;
    }

    /// <summary>Gets the name of the definition.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets every problem found.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string CreateMessage(string workflowName, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var lines = string.Join(Environment.NewLine, problems.Select(static p => "  - " + p));
        return $"Workflow definition '{workflowName}' has {problems.Count} problem(s):{Environment.NewLine}{lines}";
    }
}
