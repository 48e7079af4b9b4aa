namespace Workflow.Exceptions;

/// <summary>Why an external event was rejected.</summary>
public enum EventRejectionReason
{
    /// <summary>The instance's workflow does not wait for an event of that name.</summary>
    UnknownEvent = 1,

    /// <summary>The payload does not deserialize to the event's declared type.</summary>
    InvalidPayload = 2,

    /// <summary>The instance has ended; it consumes no more events.</summary>
    InstanceEnded = 3,
}
