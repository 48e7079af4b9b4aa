namespace Workflow.Client;

/// <summary>The instance began compensating its completed steps, because a step failed for good or the instance was canceled.</summary>
public sealed class CompensationStartedEvent : WorkflowHistoryEvent
{
    internal CompensationStartedEvent(string instanceId, long position, DateTimeOffset timestamp, bool canceled, WorkflowFailure? failure)
        : base(instanceId, position, timestamp, "compensation.started.v1")
    {
        Canceled = canceled;
        Failure = failure;
    }

    /// <summary>Gets a value indicating whether the instance is compensating because it was canceled (otherwise it failed).</summary>
    public bool Canceled { get; }

    /// <summary>Gets the failure that started the compensation, or <see langword="null"/> for a cancellation.</summary>
    public WorkflowFailure? Failure { get; }
}
