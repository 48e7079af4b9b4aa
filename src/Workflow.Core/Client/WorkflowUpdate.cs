namespace Workflow.Client;

/// <summary>
/// Something that happened to a workflow instance, as a watcher sees it: a durable <see cref="WorkflowHistoryEvent"/>
/// from the journal, or an ephemeral update (step started, progress, a stream reset) from the node running the instance.
/// </summary>
public abstract class WorkflowUpdate
{
    private protected WorkflowUpdate(string instanceId) => InstanceId = instanceId;

    /// <summary>Gets the instance the update is about.</summary>
    public string InstanceId { get; }

    /// <summary>Gets a value indicating whether the update is journaled: it survives restarts and every watcher on
    /// every node sees it. Ephemeral updates are seen only by watchers on the node that runs the instance.</summary>
    public abstract bool IsDurable { get; }
}
