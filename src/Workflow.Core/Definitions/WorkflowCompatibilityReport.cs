namespace Workflow.Definitions;

/// <summary>The result of <see cref="WorkflowCompatibility.Check"/>.</summary>
public sealed class WorkflowCompatibilityReport
{
    internal WorkflowCompatibilityReport(WorkflowDefinition from, WorkflowDefinition to, IReadOnlyList<StepCompatibility> steps)
    {
        From = from;
        To = to;
        Steps = steps;
    }

    /// <summary>Gets the version compared from.</summary>
    public WorkflowDefinition From { get; }

    /// <summary>Gets the version compared to.</summary>
    public WorkflowDefinition To { get; }

    /// <summary>Gets each node of the old version, in graph order, and whether an instance that got that far can move.</summary>
    public IReadOnlyList<StepCompatibility> Steps { get; }

    /// <summary>Gets a value indicating whether every in-flight instance can move, wherever it is.</summary>
    public bool IsFullyCompatible => Steps.All(static s => s.IsCompatible);

    /// <summary>Tells whether an instance that completed the given steps can move.</summary>
    /// <param name="completedStepNames">The names of the steps the instance completed.</param>
    /// <returns><see langword="true"/> when each of them is compatible.</returns>
    public bool CanMigrate(IEnumerable<string> completedStepNames)
    {
        ArgumentNullException.ThrowIfNull(completedStepNames);
        var compatible = Steps.Where(static s => s.IsCompatible).Select(static s => s.Name).ToHashSet(StringComparer.Ordinal);
        return completedStepNames.All(compatible.Contains);
    }
}
