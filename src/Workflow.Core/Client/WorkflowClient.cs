using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Internal;
using Workflow.Runtime;
using Workflow.Runtime.Journal;
using Workflow.Storage;
using Workflow.Storage.InMemory;

namespace Workflow.Client;

internal sealed class WorkflowClient(WorkflowRuntime runtime) : IWorkflowClient
{
    private IWorkflowStore Store => runtime.Store;

    public async Task<WorkflowHandle<TOutput>> StartAsync<TInput, TOutput>(
        WorkflowDefinition<TInput, TOutput> workflow, TInput input, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var registered = runtime.Registry.Get(workflow.Name, workflow.Version);
        if (registered.InputType != typeof(TInput) || registered.OutputType != typeof(TOutput))
        {
            throw new InvalidOperationException(
                $"Workflow '{workflow.Name}' version {workflow.Version} is registered with input {registered.InputType.Name} and output {registered.OutputType.Name}, not {typeof(TInput).Name} and {typeof(TOutput).Name}. Register this definition, or give it a new version.");
        }

        var bytes = runtime.Serialize(input, typeof(TInput), "the workflow input");
        var instanceId = await StartOrThrowAsync(registered, bytes, input, options?.Clone(), cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle<TOutput>(this, instanceId);
    }

    public async Task<WorkflowHandle> StartAsync(
        string workflowName, int? workflowVersion, JsonElement input, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowName);
        var definition = runtime.Registry.Get(workflowName, workflowVersion);
        object? value;
        try
        {
            value = input.Deserialize(runtime.GetTypeInfo(definition.InputType));
        }
        catch (JsonException ex)
        {
            var where = ex.Path is null or "$" ? string.Empty : $" at {ex.Path}";
            throw new WorkflowSerializationException(
                $"The input does not fit workflow '{definition.Name}' (expected {definition.InputType.Name}){where}: {ex.Message}", ex);
        }

        var bytes = runtime.Serialize(value, definition.InputType, "the workflow input");
        var instanceId = await StartOrThrowAsync(definition, bytes, value, options?.Clone(), cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle(this, instanceId);
    }

    public WorkflowHandle GetHandle(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return new WorkflowHandle(this, instanceId);
    }

    public async Task<WorkflowInstanceInfo> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return await Store.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowNotFoundException(instanceId);
    }

    public async Task<WorkflowInstancePage> QueryAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return await Store.QueryInstancesAsync(query.Clone(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WorkflowHistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var history = await JournalReader.ReadAllAsync(Store, instanceId, cancellationToken).ConfigureAwait(false);
        return history.Count == 0 ? throw new WorkflowNotFoundException(instanceId) : history;
    }

    public async IAsyncEnumerable<WorkflowUpdate> WatchAsync(
        string instanceId, long fromPosition = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromPosition);
        await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);

        var updates = Channel.CreateBounded<WorkflowUpdate>(new BoundedChannelOptions(1024)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Ephemeral updates are best effort: when the watcher falls behind they are dropped, never the journal.
        using var subscription = runtime.Updates.Subscribe(instanceId, update => updates.Writer.TryWrite(update));
        var pump = PumpJournalAsync(instanceId, fromPosition, updates.Writer, stop.Token);
        try
        {
            await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    public async Task<WorkflowHistoryEvent> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var last = await Store.ReadStreamAsync(instanceId, long.MaxValue, ReadDirection.Backward, 1, cancellationToken).ConfigureAwait(false);
        if (last.Count == 0)
        {
            throw new WorkflowNotFoundException(instanceId);
        }

        // Only a final event is decoded: of any other, the position is all that is needed.
        var newest = last[0];
        if (JournalCodec.IsTerminal(newest.Type))
        {
            return JournalCodec.Decode(newest);
        }

        if (Store is InMemoryWorkflowStore memory)
        {
            // In process, the store signals the end itself: no wake-up and no read at every step on the way.
            await memory.WhenEndedAsync(instanceId).WaitAsync(cancellationToken).ConfigureAwait(false);
            last = await Store.ReadStreamAsync(instanceId, long.MaxValue, ReadDirection.Backward, 1, cancellationToken).ConfigureAwait(false);
            newest = last[0];
            if (JournalCodec.IsTerminal(newest.Type))
            {
                return JournalCodec.Decode(newest);
            }
        }

        await foreach (var recorded in Store.WatchStreamAsync(instanceId, newest.Version + 1, cancellationToken).ConfigureAwait(false))
        {
            // Only the final event is decoded: the steps before it are skipped by their type.
            if (JournalCodec.IsTerminal(recorded.Type))
            {
                return JournalCodec.Decode(recorded);
            }
        }

        throw new InvalidOperationException($"The store's watch of instance '{instanceId}' ended before the instance did.");
    }

    public async Task<T> GetResultAsync<T>(string instanceId, CancellationToken cancellationToken = default)
    {
        var terminal = await WaitForCompletionAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return terminal switch
        {
            WorkflowCompletedEvent completed => Read<T>(completed.Output, instanceId),
            WorkflowFailedEvent failed => throw new WorkflowFailedException(instanceId, failed.Failure),
            WorkflowCanceledEvent canceled => throw new WorkflowCanceledException(instanceId, canceled.Reason),
            _ => throw new InvalidOperationException($"Unexpected terminal event {terminal.EventType}."),
        };
    }

    public async Task CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var info = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (info.Status.IsTerminal())
        {
            return;
        }

        await Store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            Events = [JournalCodec.EncodeCancelRequested(runtime.NewEventId(), reason)],
            Schedule = [new ScheduledWork(instanceId)],
        }, cancellationToken).ConfigureAwait(false);
        await runtime.NotifyChangedAsync(instanceId).ConfigureAwait(false);
    }

    public async Task RaiseEventAsync<TPayload>(
        string instanceId, string eventName, TPayload payload, RaiseEventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        options = options?.Clone();
        var info = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var raised = EncodeEvent(runtime.Registry.Get(info.WorkflowName, info.WorkflowVersion), instanceId, eventName, payload, options);

        // Appended only behind a journal that has not ended: the commit expects the version just read, so an instance
        // that ends meanwhile is seen on the next round and the event is rejected instead of landing after the end.
        var isRetry = options?.EventId is not null;
        for (var attempt = 1; ; attempt++)
        {
            var last = await Store.ReadStreamAsync(instanceId, long.MaxValue, ReadDirection.Backward, 1, cancellationToken).ConfigureAwait(false);
            if (last.Count == 0)
            {
                throw new WorkflowNotFoundException(instanceId);
            }

            if (JournalCodec.Decode(last[0]).IsTerminal)
            {
                // A retry of a raise that landed (and perhaps ended the instance) reports success, as it would while running.
                if (isRetry && await HasEventAsync(instanceId, raised.EventId, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var ended = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
                throw new WorkflowEventRejectedException(instanceId, eventName, EventRejectionReason.InstanceEnded,
                    $"Workflow instance '{instanceId}' has ended ({ended.Status}); it consumes no more events.");
            }

            var result = await Store.CommitAsync(new WorkflowCommit
            {
                InstanceId = instanceId,
                ExpectedVersion = ExpectedVersion.Exactly(last[0].Version),
                Events = [raised],
                Schedule = [new ScheduledWork(instanceId)],
            }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded || (isRetry && await HasEventAsync(instanceId, raised.EventId, cancellationToken).ConfigureAwait(false)))
            {
                break;
            }

            if (attempt == MaxRaiseAttempts)
            {
                throw new WorkflowConcurrencyException(instanceId, ExpectedVersion.Exactly(last[0].Version), result.StreamVersion);
            }
        }

        await runtime.NotifyChangedAsync(instanceId).ConfigureAwait(false);
    }

    // Each failed round means the instance committed in between; a running instance commits about once per step, so
    // this many rounds in a row means it commits far faster than an event can be raised.
    private const int MaxRaiseAttempts = 50;

    private async Task<bool> HasEventAsync(string instanceId, Guid eventId, CancellationToken cancellationToken)
    {
        const int PageSize = 1000;
        var next = 1L;
        while (true)
        {
            var batch = await Store.ReadStreamAsync(instanceId, next, ReadDirection.Forward, PageSize, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].EventId == eventId)
                {
                    return true;
                }
            }

            if (batch.Count < PageSize)
            {
                return false;
            }

            next = batch[^1].Version + 1;
        }
    }

    public async Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var info = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (info.Status.IsTerminal())
        {
            return;
        }

        var now = runtime.TimeProvider.GetUtcNow();
        await Store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            Events = [JournalCodec.EncodeWorkflowTerminated(runtime.NewEventId(), reason)],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = instanceId,
                WorkflowName = info.WorkflowName,
                WorkflowVersion = info.WorkflowVersion,
                Status = WorkflowStatus.Terminated,
                CreatedAt = info.CreatedAt,
                UpdatedAt = now,
                CompletedAt = now,
            },
            Schedule = [new ScheduledWork(instanceId)],
        }, cancellationToken).ConfigureAwait(false);
        await runtime.NotifyChangedAsync(instanceId).ConfigureAwait(false);

        // Its running sub-workflows end with it.
        var state = await LoadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
        foreach (var childId in state.RunningChildren())
        {
            await TerminateAsync(childId, $"Its parent '{instanceId}' was terminated.", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ResetAsync(string instanceId, string stepName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepName);
        var history = await GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var state = InstanceState.Fold(history);
        if (state.Status != WorkflowStatus.Failed)
        {
            throw new InvalidOperationException($"Instance '{instanceId}' is {state.Status}; only a failed instance can be reset.");
        }

        var definition = runtime.Registry.Get(state.WorkflowName, state.WorkflowVersion);
        if (!definition.TryFindStep(stepName, out _, out _))
        {
            throw new ArgumentException(
                $"Workflow '{definition.Name}' version {definition.Version} has no step '{stepName}'. Its steps: {string.Join(", ", definition.StepNames)}.", nameof(stepName));
        }

        // Only what counts now: events after the last reset.
        var since = history.OfType<WorkflowResetEvent>().Select(static r => r.Position).DefaultIfEmpty(0).Max();
        static bool Named(string path, string name) => path == name || path.EndsWith("/" + name, StringComparison.Ordinal);
        var from = history.Where(e => e.Position > since && e switch
        {
            StepCompletedEvent completed => Named(completed.StepPath, stepName),
            StepFailedEvent failed => Named(failed.StepPath, stepName),
            _ => false,
        })
            .Select(static e => e.Position)
            .DefaultIfEmpty(0)
            .Min();
        if (from == 0)
        {
            throw new ArgumentException($"Step '{stepName}' never ran in instance '{instanceId}', so it cannot run again from there.", nameof(stepName));
        }

        var compensatedEarlier = history.OfType<StepCompensatedEvent>()
            .Where(c => c.Position > since && history.OfType<StepCompletedEvent>().Any(s => s.StepPath == c.StepPath && s.Position < from))
            .Select(static c => c.StepPath)
            .ToList();
        if (compensatedEarlier.Count > 0)
        {
            throw new InvalidOperationException(
                $"Steps before '{stepName}' were compensated ({string.Join(", ", compensatedEarlier)}): reset to the first of them or earlier so they run again.");
        }

        var now = runtime.TimeProvider.GetUtcNow();
        var result = await Store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            ExpectedVersion = ExpectedVersion.Exactly(state.Version),
            Events = [JournalCodec.EncodeWorkflowReset(runtime.NewEventId(), stepName, from)],
            Instance = runtime.CreateInfo(state, WorkflowStatus.Running),
            Schedule = [new ScheduledWork(instanceId)],
        }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Instance '{instanceId}' changed while it was being reset; read it again and retry.");
        }

        runtime.Wake();
    }

    public async Task<bool> MigrateAsync(string instanceId, int toVersion, CancellationToken cancellationToken = default)
    {
        var state = await LoadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (state.Status.IsTerminal())
        {
            throw new InvalidOperationException($"Instance '{instanceId}' has ended ({state.Status}); only an instance in flight can move to another version.");
        }

        if (state.WorkflowVersion == toVersion)
        {
            return true;
        }

        var from = runtime.Registry.Get(state.WorkflowName, state.WorkflowVersion);
        var to = runtime.Registry.Get(state.WorkflowName, toVersion);
        var completed = state.CompletedStepsNewestFirst().Select(static s => s.Path[(s.Path.LastIndexOf('/') + 1)..]);
        if (!WorkflowCompatibility.Check(from, to).CanMigrate(completed))
        {
            return false;
        }

        var result = await Store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            ExpectedVersion = ExpectedVersion.Exactly(state.Version),
            Events = [JournalCodec.EncodeWorkflowMigrated(runtime.NewEventId(), state.WorkflowVersion, toVersion)],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = instanceId,
                WorkflowName = state.WorkflowName,
                WorkflowVersion = toVersion,
                Status = WorkflowStatus.Running,
                CreatedAt = state.CreatedAt ?? runtime.TimeProvider.GetUtcNow(),
                UpdatedAt = runtime.TimeProvider.GetUtcNow(),
            },
            Schedule = [new ScheduledWork(instanceId)],
        }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // It moved on meanwhile: check again against what it has done now.
            return await MigrateAsync(instanceId, toVersion, cancellationToken).ConfigureAwait(false);
        }

        await runtime.NotifyChangedAsync(instanceId).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<PendingApproval>> GetPendingApprovalsAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var state = await LoadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return state.Status.IsTerminal()
            ? []
            : [.. state.PendingApprovals().Select(p => new PendingApproval(instanceId, state.WorkflowName, p.Path, p.Approval.Request.ToElement(), p.Approval.RequestedAt, p.Approval.Deadline))];
    }

    public async Task<PendingApprovalPage> QueryPendingApprovalsAsync(PendingApprovalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return await Store.QueryPendingApprovalsAsync(query.Clone(), cancellationToken).ConfigureAwait(false);
    }

    public async Task AnswerApprovalAsync(
        string instanceId, string stepPath, bool approved, string by, string? comment = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        const int MaxAttempts = 10;
        for (var attempt = 1; ; attempt++)
        {
            var state = await LoadStateAsync(instanceId, cancellationToken).ConfigureAwait(false);
            var approval = state.GetApproval(stepPath);
            var problem = state.Status.IsTerminal() ? $"the instance has ended ({state.Status})"
                : approval is null ? $"no approval was requested at '{stepPath}' (pending: {string.Join(", ", state.PendingApprovals().Select(p => p.Path).DefaultIfEmpty("none"))})"
                : approval.Decision is { } decision ? $"it was already {(decision.Approved ? "approved" : "rejected")} by {decision.By}"
                : state.IsTimedOut(stepPath) ? "it timed out"
                : null;
            if (problem is not null)
            {
                throw new ApprovalNotPendingException(instanceId, stepPath, $"Approval '{stepPath}' of instance '{instanceId}' cannot be answered: {problem}.");
            }

            // At the version read: if anything was appended meanwhile (another answer), read again and check again.
            var result = await Store.CommitAsync(new WorkflowCommit
            {
                InstanceId = instanceId,
                ExpectedVersion = ExpectedVersion.Exactly(state.Version),
                Events = [JournalCodec.EncodeApprovalAnswered(runtime.NewEventId(), stepPath, approved, by, comment)],
                ClosedApprovals = [stepPath],
                Schedule = [new ScheduledWork(instanceId)],
            }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                break;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"Instance '{instanceId}' kept changing while the approval was answered; try again.");
            }
        }

        await runtime.NotifyChangedAsync(instanceId).ConfigureAwait(false);
    }

    private async Task<InstanceState> LoadStateAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return InstanceState.Fold(await GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<WorkflowHandle<TOutput>> StartOrRaiseAsync<TInput, TOutput, TPayload>(
        WorkflowDefinition<TInput, TOutput> workflow,
        TInput input,
        string eventName,
        TPayload payload,
        StartWorkflowOptions options,
        RaiseEventOptions? raiseOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        options = options.Clone();
        raiseOptions = raiseOptions?.Clone();
        if (options.InstanceId is null)
        {
            throw new ArgumentException("Start-or-raise addresses an instance by id: set StartWorkflowOptions.InstanceId.", nameof(options));
        }

        var registered = GetRegistered(workflow);
        var raised = EncodeEvent(registered, options.InstanceId, eventName, payload, raiseOptions);
        var bytes = runtime.Serialize(input, typeof(TInput), "the workflow input");
        var (instanceId, status) = await StartCoreAsync(registered, bytes, input, options, raised, cancellationToken).ConfigureAwait(false);
        if (status == CommitStatus.VersionConflict)
        {
            await RaiseEventAsync(instanceId, eventName, payload, raiseOptions, cancellationToken).ConfigureAwait(false);
        }

        return new WorkflowHandle<TOutput>(this, instanceId);
    }

    private WorkflowDefinition GetRegistered<TInput, TOutput>(WorkflowDefinition<TInput, TOutput> workflow)
    {
        var registered = runtime.Registry.Get(workflow.Name, workflow.Version);
        if (registered.InputType != typeof(TInput) || registered.OutputType != typeof(TOutput))
        {
            throw new InvalidOperationException(
                $"Workflow '{workflow.Name}' version {workflow.Version} is registered with input {registered.InputType.Name} and output {registered.OutputType.Name}, not {typeof(TInput).Name} and {typeof(TOutput).Name}. Register this definition, or give it a new version.");
        }

        return registered;
    }

    /// <summary>Encodes an external event after checking it against the type the workflow declares for it.</summary>
    private EventData EncodeEvent<TPayload>(WorkflowDefinition definition, string instanceId, string eventName, TPayload payload, RaiseEventOptions? options)
    {
        if (!definition.EventTypes.TryGetValue(eventName, out var type))
        {
            var known = definition.EventTypes.Count == 0 ? "none" : string.Join(", ", definition.EventTypes.Keys);
            throw new WorkflowEventRejectedException(instanceId, eventName, EventRejectionReason.UnknownEvent,
                $"Workflow '{definition.Name}' version {definition.Version} does not wait for an event named '{eventName}'. The events it waits for: {known}.");
        }

        byte[] bytes;
        try
        {
            var raw = JsonSerializer.SerializeToUtf8Bytes(payload, runtime.GetTypeInfo(typeof(TPayload)));
            var value = JsonSerializer.Deserialize(raw, runtime.GetTypeInfo(type));
            bytes = runtime.Serialize(value, type, $"the payload of event '{eventName}'");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or WorkflowSerializationException)
        {
            var where = ex is JsonException { Path: { } path and not "$" } ? $" at {path}" : string.Empty;
            throw new WorkflowEventRejectedException(instanceId, eventName, EventRejectionReason.InvalidPayload,
                $"The payload of event '{eventName}' does not fit its type {type.Name}{where}: {ex.Message}", ex);
        }

        var eventId = options?.EventId is { } id ? NameBasedGuid.Create(instanceId, "event", id) : runtime.NewEventId();
        return JournalCodec.EncodeEventRaised(eventId, eventName, bytes, options?.StepPath);
    }

    private async ValueTask<string> StartOrThrowAsync(WorkflowDefinition definition, byte[] input, object? liveInput, StartWorkflowOptions? options, CancellationToken cancellationToken)
    {
        var (instanceId, status) = await StartCoreAsync(definition, input, liveInput, options, raised: null, cancellationToken).ConfigureAwait(false);
        if (status == CommitStatus.VersionConflict)
        {
            var existing = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
            throw new WorkflowAlreadyStartedException(instanceId, existing.WorkflowName, existing.WorkflowVersion);
        }

        return instanceId;
    }

    private async ValueTask<(string InstanceId, CommitStatus Status)> StartCoreAsync(
        WorkflowDefinition definition, byte[] input, object? liveInput, StartWorkflowOptions? options, EventData? raised, CancellationToken cancellationToken)
    {
        var instanceId = options?.InstanceId ?? Guid.CreateVersion7(runtime.TimeProvider.GetUtcNow()).ToString();
        ValidateInstanceId(instanceId);
        var status = await runtime.StartInstanceAsync(definition, instanceId, input, liveInput, raised, parent: null, cancellationToken).ConfigureAwait(false);
        return (instanceId, status);
    }

    private T Read<T>(JsonElement output, string instanceId)
    {
        try
        {
            return (T)output.Deserialize(runtime.GetTypeInfo(typeof(T)))!;
        }
        catch (JsonException ex)
        {
            throw new WorkflowSerializationException($"The output of instance '{instanceId}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private async Task PumpJournalAsync(string instanceId, long fromPosition, ChannelWriter<WorkflowUpdate> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var recorded in Store.WatchStreamAsync(instanceId, fromPosition, cancellationToken).ConfigureAwait(false))
            {
                var @event = JournalCodec.Decode(recorded);
                await writer.WriteAsync(@event, cancellationToken).ConfigureAwait(false);
                if (@event.IsTerminal)
                {
                    break;
                }
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }

    private static bool HasControlCharacter(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static void ValidateInstanceId(string instanceId)
    {
        if (instanceId.Length == 0 || instanceId.Length > StartWorkflowOptions.MaxInstanceIdLength || HasControlCharacter(instanceId))
        {
            throw new ArgumentException(
                $"The instance id must be 1 to {StartWorkflowOptions.MaxInstanceIdLength} characters with no control characters.",
                nameof(instanceId));
        }
    }
}
