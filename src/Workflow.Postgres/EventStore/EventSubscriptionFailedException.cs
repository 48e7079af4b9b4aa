using Workflow.Exceptions;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// Ends a subscription whose handler kept failing on one event: it ran
/// <see cref="EventSubscriptionOptions.MaxAttempts"/> times, with backoff, and failed every time. The subscription's
/// checkpoint stays before the event and its lease is given up, so once the handler is fixed, a new subscription of the
/// same name (on this or another consumer) resumes at that event. <see cref="EventSubscription.Completion"/> faults with
/// this exception.
/// </summary>
public sealed class EventSubscriptionFailedException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="subscriptionName">The subscription.</param>
    /// <param name="storedEvent">The event the handler failed on.</param>
    /// <param name="attempts">How many times the handler ran on it.</param>
    /// <param name="innerException">The handler's last exception.</param>
    public EventSubscriptionFailedException(string subscriptionName, StoredEvent storedEvent, int attempts, Exception innerException)
        : base(
            $"Subscription '{subscriptionName}' stopped: its handler failed {attempts} time(s) on event {storedEvent?.EventId} (type '{storedEvent?.Type}', version {storedEvent?.Version} of stream '{storedEvent?.StreamId}', position {storedEvent?.Position}): {innerException?.Message} Its checkpoint stays before this event; fix the handler (or reset the subscription past the event) and start the subscription again.",
            innerException)
    {
        ArgumentNullException.ThrowIfNull(subscriptionName);
        ArgumentNullException.ThrowIfNull(storedEvent);
        SubscriptionName = subscriptionName;
        Event = storedEvent;
        Attempts = attempts;
    }

    /// <summary>Gets the subscription.</summary>
    public string SubscriptionName { get; }

    /// <summary>Gets the event the handler failed on (as stored, before upcasting).</summary>
    public StoredEvent Event { get; }

    /// <summary>Gets how many times the handler ran on the event.</summary>
    public int Attempts { get; }
}
