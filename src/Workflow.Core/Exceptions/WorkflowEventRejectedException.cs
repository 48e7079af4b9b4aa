namespace Workflow.Exceptions;

/// <summary>Raised when an external event cannot be delivered: nothing was appended to the instance.</summary>
public sealed class WorkflowEventRejectedException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="instanceId">The instance the event was raised to.</param>
    /// <param name="eventName">The event's name.</param>
    /// <param name="reason">Why it was rejected.</param>
    /// <param name="message">What was wrong and how to fix it.</param>
    /// <param name="innerException">The serializer's exception, for an invalid payload.</param>
    public WorkflowEventRejectedException(string instanceId, string eventName, EventRejectionReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        InstanceId = instanceId;
        EventName = eventName;
        Reason = reason;
    }

    /// <summary>Gets the instance the event was raised to.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the event's name.</summary>
    public string EventName { get; }

    /// <summary>Gets why the event was rejected.</summary>
    public EventRejectionReason Reason { get; }
}
