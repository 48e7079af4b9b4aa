using System.Text.Json;
using Workflow.Definitions;

namespace Workflow.Client;

/// <summary>Starts workflow instances and reads, watches, waits for and cancels them. Thread-safe; resolve it from DI.</summary>
public interface IWorkflowClient
{
    /// <summary>Starts an instance of a registered workflow.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TOutput">The workflow's output type.</typeparam>
    /// <param name="workflow">The definition; it must be registered with <c>AddWorkflow</c>.</param>
    /// <param name="input">The input.</param>
    /// <param name="options">Options of this start, such as a caller-chosen instance id.</param>
    /// <param name="cancellationToken">A token to cancel the start; the instance may or may not have started.</param>
    /// <returns>A handle to the instance; the existing instance when the same id, definition and input were started before.</returns>
    /// <exception cref="Exceptions.WorkflowDefinitionNotFoundException">The definition is not registered.</exception>
    /// <exception cref="Exceptions.WorkflowAlreadyStartedException">The instance id exists with another definition or input.</exception>
    /// <exception cref="Exceptions.WorkflowSerializationException">The input cannot be serialized.</exception>
    Task<WorkflowHandle<TOutput>> StartAsync<TInput, TOutput>(
        WorkflowDefinition<TInput, TOutput> workflow, TInput input, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Starts an instance of a registered workflow by name, with JSON input (for untyped callers: tools,
    /// HTTP endpoints). The input is checked against the workflow's input type before anything is written.</summary>
    /// <param name="workflowName">The workflow name.</param>
    /// <param name="workflowVersion">The version, or <see langword="null"/> for the newest registered.</param>
    /// <param name="input">The input, as JSON.</param>
    /// <param name="options">Options of this start, such as a caller-chosen instance id.</param>
    /// <param name="cancellationToken">A token to cancel the start; the instance may or may not have started.</param>
    /// <returns>A handle to the instance.</returns>
    /// <exception cref="Exceptions.WorkflowDefinitionNotFoundException">No such name and version is registered.</exception>
    /// <exception cref="Exceptions.WorkflowAlreadyStartedException">The instance id exists with another definition or input.</exception>
    /// <exception cref="Exceptions.WorkflowSerializationException">The input does not fit the workflow's input type.</exception>
    Task<WorkflowHandle> StartAsync(
        string workflowName, int? workflowVersion, JsonElement input, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a handle to an instance by id, without checking that it exists.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>The handle.</returns>
    WorkflowHandle GetHandle(string instanceId);

    /// <summary>Gets an instance's status and timestamps.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The instance's index entry.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task<WorkflowInstanceInfo> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Queries instances by workflow, status and creation time, newest first, one page at a time.</summary>
    /// <param name="query">The filter and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One page.</returns>
    Task<WorkflowInstancePage> QueryAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads an instance's whole journal.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The events, oldest first.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task<IReadOnlyList<WorkflowHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Watches an instance: its journaled events from <paramref name="fromPosition"/> on, and, while it runs on
    /// this node, ephemeral updates (steps starting, progress). The sequence ends after the event that ends the instance.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="fromPosition">The first journal position to yield (1 for all); pass the last position seen plus one to resume.</param>
    /// <param name="cancellationToken">A token that ends the watch.</param>
    /// <returns>The updates, journaled ones in order with no gap and no duplicate.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    IAsyncEnumerable<WorkflowUpdate> WatchAsync(string instanceId, long fromPosition = 1, CancellationToken cancellationToken = default);

    /// <summary>Waits until an instance ends.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token that ends the wait (the instance goes on).</param>
    /// <returns>The event that ended it: <see cref="WorkflowCompletedEvent"/>, <see cref="WorkflowFailedEvent"/> or <see cref="WorkflowCanceledEvent"/>.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task<WorkflowHistoryEvent> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Waits until an instance ends and returns its output.</summary>
    /// <typeparam name="T">The output type, or another type its JSON can be read as.</typeparam>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token that ends the wait (the instance goes on).</param>
    /// <returns>The output.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    /// <exception cref="Exceptions.WorkflowFailedException">The instance failed; the exception holds the failure.</exception>
    /// <exception cref="Exceptions.WorkflowCanceledException">The instance was canceled.</exception>
    Task<T> GetResultAsync<T>(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Raises an external event to an instance: it is journaled at once and consumed by the first wait for
    /// that name (or the one at <see cref="RaiseEventOptions.StepPath"/>), now or when the workflow gets there.</summary>
    /// <typeparam name="TPayload">The payload's type; a <see cref="System.Text.Json.JsonElement"/> works for untyped callers.</typeparam>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="eventName">The event's name, as the workflow's wait declares it.</param>
    /// <param name="payload">The payload; it must deserialize to the type the wait declares.</param>
    /// <param name="options">Options such as an idempotency id and a target step path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the event is journaled.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    /// <exception cref="Exceptions.WorkflowEventRejectedException">The workflow does not wait for that event, the
    /// payload does not fit its type, or the instance has ended. Nothing was appended.</exception>
    Task RaiseEventAsync<TPayload>(string instanceId, string eventName, TPayload payload, RaiseEventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Raises an external event to an instance, starting the instance first when it does not exist
    /// (signal-with-start). Starting follows the rules of <see cref="StartAsync{TInput, TOutput}"/>.</summary>
    /// <typeparam name="TInput">The workflow's input type.</typeparam>
    /// <typeparam name="TOutput">The workflow's output type.</typeparam>
    /// <typeparam name="TPayload">The payload's type.</typeparam>
    /// <param name="workflow">The definition; it must be registered.</param>
    /// <param name="input">The input, used only when the instance is started.</param>
    /// <param name="eventName">The event's name.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">The start options; <see cref="StartWorkflowOptions.InstanceId"/> is required.</param>
    /// <param name="raiseOptions">Options of the raise.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A handle to the instance.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> has no instance id.</exception>
    /// <exception cref="Exceptions.WorkflowEventRejectedException">The event or its payload does not fit the workflow, or the instance has ended.</exception>
    Task<WorkflowHandle<TOutput>> StartOrRaiseAsync<TInput, TOutput, TPayload>(
        WorkflowDefinition<TInput, TOutput> workflow,
        TInput input,
        string eventName,
        TPayload payload,
        StartWorkflowOptions options,
        RaiseEventOptions? raiseOptions = null,
        CancellationToken cancellationToken = default);

    /// <summary>Lists an instance's approvals that wait for an answer.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The pending approvals, in the order they were requested.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task<IReadOnlyList<PendingApproval>> GetPendingApprovalsAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Lists the approvals waiting for an answer across instances (an approver's inbox), oldest request first.</summary>
    /// <param name="query">The filter and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One page of pending approvals.</returns>
    Task<PendingApprovalPage> QueryPendingApprovalsAsync(PendingApprovalQuery query, CancellationToken cancellationToken = default);

    /// <summary>Answers a pending approval: the answer, who gave it and the comment are journaled, and the workflow goes on.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="stepPath">The approval's path, from <see cref="PendingApproval.StepPath"/>.</param>
    /// <param name="approved">Whether it is approved.</param>
    /// <param name="by">Who answers, as the host identifies them.</param>
    /// <param name="comment">A comment, if any.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the answer is journaled.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    /// <exception cref="Exceptions.ApprovalNotPendingException">No approval waits at that path: it was never
    /// requested, was already answered or timed out, or the instance has ended. Nothing was appended.</exception>
    Task AnswerApprovalAsync(string instanceId, string stepPath, bool approved, string by, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>Terminates an instance at once: it is journaled, running steps see their token canceled, nothing more
    /// is written and no compensation runs (unlike <see cref="CancelAsync"/>). Terminating an ended instance does nothing.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="reason">Why, recorded in the journal.</param>
    /// <param name="cancellationToken">A token to cancel the request.</param>
    /// <returns>A task that completes when the termination is journaled.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Resets a failed instance to run again from a step: what was journaled from that step's first
    /// completion (or its failure) on no longer counts, and the instance runs on from there. The journal keeps
    /// everything that happened before.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="stepName">The step to run again from, by name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the reset is journaled.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    /// <exception cref="ArgumentException">The workflow has no such step, or it never ran in this instance.</exception>
    /// <exception cref="InvalidOperationException">The instance has not failed, or steps before that one were compensated.</exception>
    Task ResetAsync(string instanceId, string stepName, CancellationToken cancellationToken = default);

    /// <summary>Moves an in-flight instance to another registered version of its workflow, when
    /// <see cref="WorkflowCompatibility"/> says everything the instance has done so far is done the same way there.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="toVersion">The version to move to; it must be registered.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the instance moved (or already ran that version); <see langword="false"/>
    /// when it cannot move, and nothing was written.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    /// <exception cref="Exceptions.WorkflowDefinitionNotFoundException">The version is not registered.</exception>
    /// <exception cref="InvalidOperationException">The instance has ended.</exception>
    Task<bool> MigrateAsync(string instanceId, int toVersion, CancellationToken cancellationToken = default);

    /// <summary>Requests cancellation: it is journaled, the running steps see their token canceled, the completed
    /// steps' compensations run in reverse order, and the instance ends as canceled. Requesting it for an instance that has ended does nothing.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="reason">Why, recorded in the journal.</param>
    /// <param name="cancellationToken">A token to cancel the request.</param>
    /// <returns>A task that completes when the request is journaled.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">No such instance exists.</exception>
    Task CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);
}
