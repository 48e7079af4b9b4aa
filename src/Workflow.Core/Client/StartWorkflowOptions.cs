namespace Workflow.Client;

/// <summary>Options of one start of a workflow. The client takes a snapshot when the call is made.</summary>
public sealed class StartWorkflowOptions
{
    /// <summary>The longest instance id.</summary>
    public const int MaxInstanceIdLength = 200;

    /// <summary>Initializes options with the defaults.</summary>
    public StartWorkflowOptions()
    {
    }

    private StartWorkflowOptions(StartWorkflowOptions other)
    {
        InstanceId = other.InstanceId;
    }

    /// <summary>Gets or sets the instance id, chosen by the caller to make starting idempotent: starting again with
    /// the same id, definition and input returns the existing instance, and anything else with that id is a
    /// <see cref="Exceptions.WorkflowAlreadyStartedException"/>. At most <see cref="MaxInstanceIdLength"/> characters,
    /// no control characters.</summary>
    /// <value>The default value is <see langword="null"/>: a new time-ordered id (UUID v7).</value>
    public string? InstanceId { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public StartWorkflowOptions Clone() => new(this);
}
