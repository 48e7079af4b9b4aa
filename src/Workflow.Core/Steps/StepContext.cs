using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Definitions.Nodes;
using Workflow.Runtime;

namespace Workflow.Steps;

/// <summary>
/// What a running step knows and can do: which instance and step it is, its attempt, an idempotency key stable
/// across retries and recoveries, scoped services, earlier outputs, progress reporting and journaled sub-results.
/// </summary>
/// <remarks>A context is valid only while its step attempt runs.</remarks>
public sealed class StepContext
{
    private readonly InstanceRun _run;
    private readonly RunScope _scope;
    private Lock? _gate;
    private AsyncServiceScope? _services;
    private Dictionary<string, string>? _metadata;

    internal StepContext(InstanceRun run, StepNode step, RunScope scope, string stepPath, int attempt, CancellationToken cancellationToken)
    {
        _run = run;
        _scope = scope;
        StepName = step.Name;
        StepPath = stepPath;
        Attempt = attempt;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the id of the workflow instance.</summary>
    public string InstanceId => _run.InstanceId;

    /// <summary>Gets the name of the workflow definition.</summary>
    public string WorkflowName => _run.Definition.Name;

    /// <summary>Gets the version of the workflow definition the instance runs.</summary>
    public int WorkflowVersion => _run.Definition.Version;

    /// <summary>Gets the step's name.</summary>
    public string StepName { get; }

    /// <summary>Gets the step path: the name plus the branches, for-each items and loop iterations leading to it,
    /// for example <c>review/items[3]/approve</c>.</summary>
    public string StepPath { get; }

    /// <summary>Gets the attempt number, from 1. It grows with each retry of this step in this instance.</summary>
    public int Attempt { get; }

    /// <summary>Gets a key that is the same for every attempt and every recovery of this step in this instance
    /// (<c>{instanceId}/{stepPath}</c>): pass it to external systems so that a repeated call has no second effect.</summary>
    public string IdempotencyKey => string.Concat(InstanceId, "/", StepPath);

    /// <summary>Gets the token that fires when the attempt times out, the instance is canceled or the node stops.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the runtime's clock. Read the time from it, not from the system clock, so tests can drive time.</summary>
    public TimeProvider TimeProvider => _run.Runtime.TimeProvider;

    /// <summary>Gets the services of a scope created for this step attempt (on first use) and disposed after it.</summary>
    public IServiceProvider Services => (_services ??= _run.Runtime.ScopeFactory.CreateAsyncScope()).ServiceProvider;

    internal IReadOnlyDictionary<string, string>? Metadata => _metadata;

    /// <summary>Gets the workflow's input.</summary>
    /// <typeparam name="T">The input type, or another type its JSON can be read as.</typeparam>
    /// <returns>The input.</returns>
    public T GetWorkflowInput<T>() => _run.GetInput<T>();

    /// <summary>Gets the output of an earlier step, looked up from this step's scope outwards (inside a for-each
    /// item, the same item's steps come first).</summary>
    /// <typeparam name="T">The output type, or another type its JSON can be read as.</typeparam>
    /// <param name="stepName">The name of the earlier step.</param>
    /// <returns>The output.</returns>
    /// <exception cref="InvalidOperationException">The step has not completed in this scope.</exception>
    public T GetStepOutput<T>(string stepName) =>
        TryGetStepOutput<T>(stepName, out var value)
            ? value
            : throw new InvalidOperationException($"Step '{stepName}' has not completed in the scope of '{StepPath}', so its output is not available. Check the name, and that the step comes before this one.");

    /// <summary>Gets the output of an earlier step if it has completed in this step's scope.</summary>
    /// <typeparam name="T">The output type, or another type its JSON can be read as.</typeparam>
    /// <param name="stepName">The name of the earlier step.</param>
    /// <param name="value">The output, when found.</param>
    /// <returns><see langword="true"/> when the step has completed.</returns>
    public bool TryGetStepOutput<T>(string stepName, out T value)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepName);
        return _run.TryGetStepOutput(_scope, stepName, out value);
    }

    /// <summary>Runs an action once per instance and step: its result is journaled under <paramref name="key"/>, and
    /// when the step runs again (a retry, or after a crash) the journaled result is returned instead of running the
    /// action again. Use it for model calls, payments, anything that must not be repeated.</summary>
    /// <typeparam name="T">The result type; System.Text.Json must round-trip it.</typeparam>
    /// <param name="key">A key unique within the step, stable across runs (not a time or a random value).</param>
    /// <param name="action">The action; it gets a cancellation token.</param>
    /// <param name="cancellationToken">A token to cancel the action, in addition to the step's token.</param>
    /// <returns>The result, from the action or from the journal.</returns>
    public ValueTask<T> RunOnceAsync<T>(string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(action);
        return _run.RunOnceAsync(StepPath, key, action, CancellationToken, cancellationToken);
    }

    /// <summary>Asks a person to approve something from inside the step, and suspends the step durably until they
    /// answer: the request is journaled under the path <c>{StepPath}/{key}</c>, the run ends, and once the approval is
    /// answered the step runs again from its start. Work done before the request must be wrapped in
    /// <see cref="RunOnceAsync{T}"/> so it replays instead of running twice; on that run this method returns the answer.</summary>
    /// <typeparam name="TRequest">What the approver is shown; System.Text.Json must round-trip it.</typeparam>
    /// <param name="key">A key unique within the step, stable across runs: letters, digits, '-', '_' and '.'.</param>
    /// <param name="request">What is to be approved.</param>
    /// <returns>The decision, once given.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or holds other characters.</exception>
    public ValueTask<ApprovalDecision> RequestApprovalAsync<TRequest>(string key, TRequest request)
    {
        if (Definitions.DefinitionValidator.NameProblem(key) is { } problem)
        {
            throw new ArgumentException($"The approval key '{key}' {problem}.", nameof(key));
        }

        return _run.RequestApprovalAsync(string.Concat(StepPath, "/", key), request);
    }

    /// <summary>Sends a progress message to the instance's watchers on this node. It is not journaled.</summary>
    /// <param name="message">The message.</param>
    public void Emit(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _run.Publish(StepPath, callId: null, message, data: null);
    }

    /// <summary>Sends data (a token delta, a partial result) to the instance's watchers on this node. It is not journaled.</summary>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="data">The data, passed in process as it is.</param>
    /// <param name="callId">The call within the step the data belongs to (a model call), if any.</param>
    public void Emit<T>(T data, string? callId = null) => _run.Publish(StepPath, callId, message: null, data);

    /// <summary>Tells watchers to drop the partial output of a streamed call that is being retried.</summary>
    /// <param name="callId">The call.</param>
    public void EmitReset(string callId)
    {
        ArgumentException.ThrowIfNullOrEmpty(callId);
        _run.PublishReset(StepPath, callId);
    }

    /// <summary>Attaches metadata to the step's completion event (for example token usage).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; a later value for the same key replaces it.</param>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        // Created on first use: most steps attach no metadata.
        lock (LazyInitializer.EnsureInitialized(ref _gate))
        {
            (_metadata ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
        }
    }

    internal ValueTask ReleaseAsync() => _services is { } scope ? scope.DisposeAsync() : ValueTask.CompletedTask;
}
