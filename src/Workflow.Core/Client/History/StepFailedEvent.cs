namespace Workflow.Client;

/// <summary>A step failed for good: its retries, if any, are exhausted or the error is not retryable.</summary>
public sealed class StepFailedEvent : WorkflowHistoryEvent
{
    internal StepFailedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, int attempt, WorkflowFailure failure)
        : base(instanceId, position, timestamp, "step.failed.v1")
    {
        StepPath = stepPath;
        Attempt = attempt;
        Failure = failure;
    }

    /// <summary>Gets the step path.</summary>
    public string StepPath { get; }

    /// <summary>Gets the last attempt, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the failure.</summary>
    public WorkflowFailure Failure { get; }
}
