namespace Workflow.Telemetry;

/// <summary>The ids of the log events Workflow writes, grouped by area.</summary>
public static class WorkflowEventId
{
    /// <summary>The runtime started on this node (1000-1099: runtime).</summary>
    public const int RuntimeStarted = 1000;

    /// <summary>The runtime stopped on this node.</summary>
    public const int RuntimeStopped = 1001;

    /// <summary>The runtime could not reach the store while claiming or renewing work; it retries.</summary>
    public const int StoreError = 1002;

    /// <summary>Steps still running when the shutdown deadline passed were abandoned.</summary>
    public const int StepsAbandoned = 1003;

    /// <summary>A workflow instance started (1100-1199: instances).</summary>
    public const int InstanceStarted = 1100;

    /// <summary>A workflow instance completed.</summary>
    public const int InstanceCompleted = 1101;

    /// <summary>A workflow instance failed.</summary>
    public const int InstanceFailed = 1102;

    /// <summary>A workflow instance was canceled.</summary>
    public const int InstanceCanceled = 1103;

    /// <summary>This node lost the lease of an instance; another node continues it.</summary>
    public const int LeaseLost = 1104;

    /// <summary>An instance's journal does not fit its definition; it waits for a compatible definition.</summary>
    public const int Nondeterminism = 1105;

    /// <summary>An instance's definition is not registered on this node.</summary>
    public const int DefinitionMissing = 1106;

    /// <summary>An instance's run failed unexpectedly; it will be retried.</summary>
    public const int RunError = 1107;

    /// <summary>A workflow instance continued as new: its journal was replaced by one carrying a loop's value.</summary>
    public const int InstanceContinuedAsNew = 1108;

    /// <summary>A step attempt failed and will be retried (1200-1299: steps).</summary>
    public const int StepRetrying = 1200;

    /// <summary>A step failed for good.</summary>
    public const int StepFailed = 1201;

    /// <summary>A step completed (with its output at Trace when sensitive data is enabled).</summary>
    public const int StepCompleted = 1202;

    /// <summary>A step's compensation failed for good; the other compensations still ran.</summary>
    public const int CompensationFailed = 1203;
}
