namespace Workflow.Client;

/// <summary>A completed step's compensation failed for good; the other compensations still ran.</summary>
public sealed class StepCompensationFailedEvent : WorkflowHistoryEvent
{
    internal StepCompensationFailedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, int attempt, WorkflowFailure failure)
        : base(instanceId, position, timestamp, "step.compensation_failed.v1")
    {
        StepPath = stepPath;
        Attempt = attempt;
        Failure = failure;
    }

    /// <summary>Gets the path of the step whose compensation failed.</summary>
    public string StepPath { get; }

    /// <summary>Gets the last attempt, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the failure.</summary>
    public WorkflowFailure Failure { get; }
}
