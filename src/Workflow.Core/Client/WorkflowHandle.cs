namespace Workflow.Client;

/// <summary>A reference to a workflow instance, for reading, watching, awaiting and canceling it.</summary>
public class WorkflowHandle
{
    internal WorkflowHandle(IWorkflowClient client, string instanceId)
    {
        Client = client;
        InstanceId = instanceId;
    }

    /// <summary>Gets the instance id.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the client the handle uses.</summary>
    protected IWorkflowClient Client { get; }

    /// <summary>Gets the instance's status and timestamps.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The instance's index entry.</returns>
    public Task<WorkflowInstanceInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        Client.GetInstanceAsync(InstanceId, cancellationToken);

    /// <summary>Reads the instance's whole journal.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The events, oldest first.</returns>
    public Task<IReadOnlyList<WorkflowHistoryEvent>> GetHistoryAsync(CancellationToken cancellationToken = default) =>
        Client.GetHistoryAsync(InstanceId, cancellationToken);

    /// <summary>Watches the instance until it ends.</summary>
    /// <param name="fromPosition">The first journal position to yield.</param>
    /// <param name="cancellationToken">A token that ends the watch.</param>
    /// <returns>The updates.</returns>
    public IAsyncEnumerable<WorkflowUpdate> WatchAsync(long fromPosition = 1, CancellationToken cancellationToken = default) =>
        Client.WatchAsync(InstanceId, fromPosition, cancellationToken);

    /// <summary>Waits until the instance ends.</summary>
    /// <param name="cancellationToken">A token that ends the wait.</param>
    /// <returns>The event that ended it.</returns>
    public Task<WorkflowHistoryEvent> WaitForCompletionAsync(CancellationToken cancellationToken = default) =>
        Client.WaitForCompletionAsync(InstanceId, cancellationToken);

    /// <summary>Waits until the instance ends and returns its output.</summary>
    /// <typeparam name="T">The type to read the output as.</typeparam>
    /// <param name="cancellationToken">A token that ends the wait.</param>
    /// <returns>The output.</returns>
    public Task<T> GetResultAsync<T>(CancellationToken cancellationToken = default) =>
        Client.GetResultAsync<T>(InstanceId, cancellationToken);

    /// <summary>Requests cancellation of the instance.</summary>
    /// <param name="reason">Why, recorded in the journal.</param>
    /// <param name="cancellationToken">A token to cancel the request.</param>
    /// <returns>A task that completes when the request is journaled.</returns>
    public Task CancelAsync(string? reason = null, CancellationToken cancellationToken = default) =>
        Client.CancelAsync(InstanceId, reason, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => InstanceId;
}

/// <summary>A reference to a workflow instance whose output type is known.</summary>
/// <typeparam name="TOutput">The workflow's output type.</typeparam>
public sealed class WorkflowHandle<TOutput> : WorkflowHandle
{
    internal WorkflowHandle(IWorkflowClient client, string instanceId)
        : base(client, instanceId)
    {
    }

    /// <summary>Waits until the instance ends and returns its output.</summary>
    /// <param name="cancellationToken">A token that ends the wait.</param>
    /// <returns>The output.</returns>
    /// <exception cref="Exceptions.WorkflowFailedException">The instance failed.</exception>
    /// <exception cref="Exceptions.WorkflowCanceledException">The instance was canceled.</exception>
    public Task<TOutput> GetResultAsync(CancellationToken cancellationToken = default) =>
        Client.GetResultAsync<TOutput>(InstanceId, cancellationToken);
}
