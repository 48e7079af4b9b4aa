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

    /// <summary>Terminates the instance at once, without compensation.</summary>
    /// <param name="reason">Why, recorded in the journal.</param>
    /// <param name="cancellationToken">A token to cancel the request.</param>
    /// <returns>A task that completes when the termination is journaled.</returns>
    public Task TerminateAsync(string? reason = null, CancellationToken cancellationToken = default) =>
        Client.TerminateAsync(InstanceId, reason, cancellationToken);

    /// <summary>Raises an external event to the instance.</summary>
    /// <typeparam name="TPayload">The payload's type.</typeparam>
    /// <param name="eventName">The event's name.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Options such as an idempotency id and a target step path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the event is journaled.</returns>
    public Task RaiseEventAsync<TPayload>(string eventName, TPayload payload, RaiseEventOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.RaiseEventAsync(InstanceId, eventName, payload, options, cancellationToken);

    /// <summary>Lists the instance's approvals that wait for an answer.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The pending approvals.</returns>
    public Task<IReadOnlyList<PendingApproval>> GetPendingApprovalsAsync(CancellationToken cancellationToken = default) =>
        Client.GetPendingApprovalsAsync(InstanceId, cancellationToken);

    /// <summary>Answers one of the instance's pending approvals.</summary>
    /// <param name="stepPath">The approval's path.</param>
    /// <param name="approved">Whether it is approved.</param>
    /// <param name="by">Who answers.</param>
    /// <param name="comment">A comment, if any.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the answer is journaled.</returns>
    public Task AnswerApprovalAsync(string stepPath, bool approved, string by, string? comment = null, CancellationToken cancellationToken = default) =>
        Client.AnswerApprovalAsync(InstanceId, stepPath, approved, by, comment, cancellationToken);

    /// <summary>Resets the failed instance to run again from a step.</summary>
    /// <param name="stepName">The step to run again from.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the reset is journaled.</returns>
    public Task ResetAsync(string stepName, CancellationToken cancellationToken = default) =>
        Client.ResetAsync(InstanceId, stepName, cancellationToken);

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
