namespace Workflow.Client;

/// <summary>Options of one raise of an external event. The client takes a snapshot when the call is made.</summary>
public sealed class RaiseEventOptions
{
    /// <summary>Initializes options with the defaults.</summary>
    public RaiseEventOptions()
    {
    }

    private RaiseEventOptions(RaiseEventOptions other)
    {
        EventId = other.EventId;
        StepPath = other.StepPath;
    }

    /// <summary>Gets or sets an id, chosen by the caller, that makes raising idempotent: raising the same id to the
    /// same instance again appends nothing.</summary>
    /// <value>The default value is <see langword="null"/>: every raise is a new event.</value>
    public string? EventId { get; set; }

    /// <summary>Gets or sets the path of the one wait the event is for, such as <c>reviews[2]/approval</c> inside a
    /// for-each; other waits of the same name do not consume it.</summary>
    /// <value>The default value is <see langword="null"/>: the first wait of that name consumes it.</value>
    public string? StepPath { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public RaiseEventOptions Clone() => new(this);
}
