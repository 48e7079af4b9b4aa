using Workflow.Definitions;

namespace Workflow.Runtime;

/// <summary>The workflow definitions registered with <c>AddWorkflow</c>, by name and version. Callers that start
/// workflows by name (MCP tools, HTTP endpoints) find definitions here.</summary>
public interface IWorkflowRegistry
{
    /// <summary>Gets every registered definition, each version separately.</summary>
    IReadOnlyList<WorkflowDefinition> Definitions { get; }

    /// <summary>Finds a definition.</summary>
    /// <param name="workflowName">The workflow name.</param>
    /// <param name="workflowVersion">The version, or <see langword="null"/> for the newest.</param>
    /// <returns>The definition, or <see langword="null"/> when none matches.</returns>
    WorkflowDefinition? Find(string workflowName, int? workflowVersion = null);
}
