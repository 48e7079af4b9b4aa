namespace Workflow;

/// <summary>Helpers for <see cref="WorkflowStatus"/>.</summary>
public static class WorkflowStatusExtensions
{
    /// <summary>Gets a value indicating whether the status is final: the instance will not run again.</summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> for <see cref="WorkflowStatus.Completed"/>, <see cref="WorkflowStatus.Failed"/>,
    /// <see cref="WorkflowStatus.Canceled"/> and <see cref="WorkflowStatus.Terminated"/>.</returns>
    public static bool IsTerminal(this WorkflowStatus status) =>
        status is WorkflowStatus.Completed or WorkflowStatus.Failed or WorkflowStatus.Canceled or WorkflowStatus.Terminated;
}
