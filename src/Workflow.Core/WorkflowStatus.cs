namespace Workflow;

/// <summary>The status of a workflow instance.</summary>
/// <remarks>The numeric values are stored by durable stores: they never change.</remarks>
public enum WorkflowStatus
{
    /// <summary>The instance has started and has not ended: it is running a step or waiting to.</summary>
    Running = 1,

    /// <summary>The instance completed with an output.</summary>
    Completed = 2,

    /// <summary>The instance failed; its failure is recorded as data.</summary>
    Failed = 3,

    /// <summary>The instance was canceled at a caller's request; its compensations ran.</summary>
    Canceled = 4,

    /// <summary>The instance was terminated at a caller's request: it stopped at once, without compensation.</summary>
    Terminated = 5,
}
