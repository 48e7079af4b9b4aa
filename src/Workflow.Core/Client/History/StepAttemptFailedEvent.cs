namespace Workflow.Client;

/// <summary>An attempt of a step failed and the step will be retried.</summary>
public sealed class StepAttemptFailedEvent : WorkflowHistoryEvent
{
    internal StepAttemptFailedEvent(string instanceId, long position, DateTimeOffset timestamp, string stepPath, int attempt, WorkflowFailure failure, TimeSpan retryDelay)
        : base(instanceId, position, timestamp, "step.attempt_failed.v1")
    {
        StepPath = stepPath;
        Attempt = attempt;
        Failure = failure;
        RetryDelay = retryDelay;
    }

    /// <summary>Gets the step path.</summary>
    public string StepPath { get; }

    /// <summary>Gets the attempt that failed, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the failure.</summary>
    public WorkflowFailure Failure { get; }

    /// <summary>Gets the delay before the next attempt.</summary>
    public TimeSpan RetryDelay { get; }
}
