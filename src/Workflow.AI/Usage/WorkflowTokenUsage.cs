namespace Workflow.AI;

/// <summary>The tokens a workflow instance's model calls used: in total, and per step path.</summary>
/// <param name="Total">The sum over every step.</param>
/// <param name="Steps">Each step path's usage, for the steps that called a model.</param>
public sealed record WorkflowTokenUsage(TokenUsage Total, IReadOnlyDictionary<string, TokenUsage> Steps);
