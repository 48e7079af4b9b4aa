using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Workflow.Definitions;
using Workflow.Definitions.Nodes;
using Workflow.Exceptions;
using Workflow.Internal;
using Workflow.Runtime.Journal;
using Workflow.Serialization;
using Workflow.Storage;
using Workflow.Telemetry;

namespace Workflow.Runtime;

/// <summary>
/// Runs workflow instances on this node: claims runnable work from the store, keeps the leases alive, and runs up
/// to <see cref="WorkflowOptions.MaxConcurrentInstances"/> instances at once from a bounded queue.
/// </summary>
internal sealed partial class WorkflowRuntime : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, WorkLease> _held = new();
    private readonly ConcurrentDictionary<string, InstanceRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<StepNode, ResiliencePipeline?> _pipelines = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _stopHeartbeat = new();
    private Channel<RunRequest>? _queue;
    private Task[] _workers = [];
    private Task _dispatcher = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private int _active;
    private int _state; // 0 new, 1 running, 2 stopping, 3 stopped
    private volatile bool _moreWorkLikely;

    public WorkflowRuntime(
        IWorkflowStore store,
        WorkflowRegistry registry,
        IOptions<WorkflowOptions> options,
        TimeProvider timeProvider,
        IServiceScopeFactory scopeFactory,
        IFailureConverter failureConverter,
        InstanceUpdateHub updates,
        ILoggerFactory? loggerFactory = null)
    {
        Store = store;
        Registry = registry;
        Options = options.Value;
        TimeProvider = timeProvider;
        ScopeFactory = scopeFactory;
        FailureConverter = failureConverter;
        Updates = updates;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Workflow.Runtime");
        SerializerOptions = Options.SerializerOptions ?? WorkflowJson.DefaultOptions;
        NodeId = Options.NodeId;
    }

    public IWorkflowStore Store { get; }

    public WorkflowRegistry Registry { get; }

    public WorkflowOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public IServiceScopeFactory ScopeFactory { get; }

    public IFailureConverter FailureConverter { get; }

    public InstanceUpdateHub Updates { get; }

    public ILogger Logger { get; }

    public JsonSerializerOptions SerializerOptions { get; }

    public string NodeId { get; }

    public bool IsRunning => Volatile.Read(ref _state) == 1;

    public int ActiveRuns => Volatile.Read(ref _active);

    public int QueuedRuns => _queue?.Reader.Count ?? 0;

    /// <summary>Gets the last error met while claiming or renewing, or <see langword="null"/> after a success.</summary>
    public Exception? LastStoreError { get; private set; }

    /// <summary>Gets the lease request for work started on this node, so it runs here at once; <see langword="null"/>
    /// when this node does not run instances.</summary>
    public LeaseRequest? LocalLeaseRequest => IsRunning ? new LeaseRequest(NodeId, Options.LeaseDuration) : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Options.RunWorker || Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            return Task.CompletedTask;
        }

        _queue = Channel.CreateBounded<RunRequest>(new BoundedChannelOptions(Options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _workers = new Task[Options.MaxConcurrentInstances];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkerAsync, CancellationToken.None);
        }

        _dispatcher = Task.Run(DispatchAsync, CancellationToken.None);
        _heartbeat = Task.Run(HeartbeatAsync, CancellationToken.None);
        Log.RuntimeStarted(Logger, NodeId, Registry.Definitions.Count);
        return Task.CompletedTask;
    }

    /// <summary>Stops claiming, lets runs finish the steps they are in (each stops at its next step boundary and
    /// releases its lease), and when <paramref name="cancellationToken"/> fires abandons what is still running.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        await _dispatcher.ConfigureAwait(false);
        _queue!.Writer.TryComplete();
        foreach (var run in _runs.Values)
        {
            run.RequestStop();
        }

        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var stuck = _runs.Values.ToArray();
            Log.StepsAbandoned(Logger, stuck.Length);
            foreach (var run in stuck)
            {
                await run.AbandonAsync().ConfigureAwait(false);
            }
        }

        await _stopHeartbeat.CancelAsync().ConfigureAwait(false);
        await _heartbeat.ConfigureAwait(false);
        Volatile.Write(ref _state, 3);
        Log.RuntimeStopped(Logger, NodeId);
    }

    public async ValueTask DisposeAsync()
    {
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync().ConfigureAwait(false);
        await StopAsync(expired.Token).ConfigureAwait(false);
        _stopClaiming.Dispose();
        _stopHeartbeat.Dispose();
    }

    /// <summary>Runs an instance this node has just started and holds the lease of; waits while the queue is full.</summary>
    public async ValueTask EnqueueAsync(WorkLease lease, InstanceState state, object? input, CancellationToken cancellationToken)
    {
        _held[lease.WorkItemId] = lease;
        var queue = _queue;
        if (queue is not null && IsRunning)
        {
            try
            {
                await queue.Writer.WriteAsync(new RunRequest(lease, state, input, HasInput: true), cancellationToken).ConfigureAwait(false);
                WorkflowInstrumentation.QueueDepth.Add(1);
                return;
            }
            catch (ChannelClosedException)
            {
                // Stopping: fall through and hand the instance to whichever node claims it next.
            }
            catch (OperationCanceledException)
            {
                // The caller gave up waiting for room: the instance is started, so let any node run it.
                _held.TryRemove(lease.WorkItemId, out _);
                await ReleaseQuietlyAsync(lease).ConfigureAwait(false);
                throw;
            }
        }

        _held.TryRemove(lease.WorkItemId, out _);
        await ReleaseQuietlyAsync(lease).ConfigureAwait(false);
    }

    /// <summary>Asks the dispatcher to claim now instead of at the next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Something was appended to an instance by this node's client (a cancel request): a run of it here
    /// folds it at once; otherwise the work item was scheduled and the dispatcher claims it.</summary>
    public async ValueTask NotifyChangedAsync(string instanceId)
    {
        if (_runs.TryGetValue(instanceId, out var run))
        {
            try
            {
                await run.RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunFencedSignal or ObjectDisposedException)
            {
                // The run has ended or lost its lease; the scheduled work item takes over.
            }
        }

        Wake();
    }

    public Guid NewEventId() => EventIds.NewVersion7(TimeProvider.GetUtcNow());

    /// <summary>Starts an instance: appends its first event (and <paramref name="raised"/>, for start-or-raise) and
    /// schedules it, leased to this node when it runs instances and the start comes from a client.</summary>
    /// <returns><see cref="CommitStatus.Committed"/> when the instance was started now or before with the same
    /// definition and input, <see cref="CommitStatus.VersionConflict"/> when the id is taken by something else.</returns>
    public async ValueTask<CommitStatus> StartInstanceAsync(
        WorkflowDefinition definition, string instanceId, byte[] input, object? liveInput, EventData? raised, ParentLink? parent, CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        using var activity = WorkflowInstrumentation.Source.HasListeners()
            ? WorkflowInstrumentation.Source.StartActivity("start_workflow " + definition.Name, ActivityKind.Producer)
            : null;
        activity?.SetTag(WorkflowInstrumentation.WorkflowNameTag, definition.Name);
        activity?.SetTag(WorkflowInstrumentation.WorkflowVersionTag, definition.Version);
        activity?.SetTag(WorkflowInstrumentation.InstanceIdTag, instanceId);
        var trace = activity ?? Activity.Current;
        var traceParent = trace?.IdFormat == ActivityIdFormat.W3C ? trace.Id : null;

        // The first event's id follows from the instance id, definition and input: starting the same instance
        // again appends the same event, which the store recognises as already written.
        var eventId = NameBasedGuid.Create(instanceId, definition.Name, definition.Version.ToString(CultureInfo.InvariantCulture), input);
        var started = JournalCodec.EncodeWorkflowStarted(eventId, definition.Name, definition.Version, input, traceParent, trace?.TraceStateString, parent);

        // A child started from a run is not leased to this node: the run holds a worker, and waiting for queue room
        // from inside it could wait forever.
        var claim = parent is null ? LocalLeaseRequest : null;
        var result = await Store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = raised is { } extra ? [started, extra] : [started],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = instanceId,
                WorkflowName = definition.Name,
                WorkflowVersion = definition.Version,
                Status = WorkflowStatus.Running,
                CreatedAt = now,
                UpdatedAt = now,
            },
            Schedule = [new ScheduledWork(instanceId, dueAt: null, claimFor: claim)],
        }, cancellationToken).ConfigureAwait(false);

        if (result.Status != CommitStatus.Committed)
        {
            return result.Status == CommitStatus.AlreadyCommitted ? CommitStatus.Committed : result.Status;
        }

        WorkflowInstrumentation.Started.Add(1, new KeyValuePair<string, object?>(WorkflowInstrumentation.WorkflowNameTag, definition.Name));
        Log.InstanceStarted(Logger, definition.Name, definition.Version, instanceId);
        if (result.Claimed.Count > 0)
        {
            var state = new InstanceState(instanceId, definition.Name, definition.Version, new JournalPayload(input), traceParent, trace?.TraceStateString, 1)
            {
                CreatedAt = now,
                Parent = parent,
            };
            if (raised is { } first)
            {
                // The run starts from this state without reading the stream: fold what this commit appended.
                state.Apply(JournalCodec.Decode(new RecordedEvent(instanceId, 2, 0, first.EventId, first.Type, first.Data, first.Metadata, now)));
            }

            await EnqueueAsync(result.Claimed[0], state, liveInput, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Wake();
        }

        return CommitStatus.Committed;
    }

    public JsonTypeInfo GetTypeInfo(Type type) => SerializerOptions.GetTypeInfo(type);

    /// <summary>Serializes a value of <paramref name="type"/> with the host's options.</summary>
    /// <param name="value">The value.</param>
    /// <param name="type">Its declared type.</param>
    /// <param name="what">What the value is, for the error message; <c>{0}</c> in it is replaced by <paramref name="path"/>
    /// (formatted only on failure, so the hot path allocates no message).</param>
    /// <param name="path">A step path for <paramref name="what"/>, or <see langword="null"/>.</param>
    public byte[] Serialize(object? value, Type type, string what, string? path = null)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(value, GetTypeInfo(type));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            if (path is not null)
            {
                what = string.Format(CultureInfo.InvariantCulture, what, path);
            }

            throw new WorkflowSerializationException($"{char.ToUpperInvariant(what[0])}{what[1..]} ({type.Name}) cannot be serialized to JSON: {ex.Message}", ex);
        }
    }

    public WorkflowInstanceInfo CreateInfo(InstanceState state, WorkflowStatus status)
    {
        var now = TimeProvider.GetUtcNow();
        return new WorkflowInstanceInfo
        {
            InstanceId = state.InstanceId,
            WorkflowName = state.WorkflowName,
            WorkflowVersion = state.WorkflowVersion,
            Status = status,
            CreatedAt = state.CreatedAt ?? now,
            UpdatedAt = now,
            CompletedAt = status.IsTerminal() ? now : null,
        };
    }

    public ResiliencePipeline? GetPipeline(WorkflowDefinition definition, StepNode step) =>
        _pipelines.GetOrAdd(step, static (step, args) => args.Runtime.BuildPipeline(args.Definition, step), (Runtime: this, Definition: definition));

    private ResiliencePipeline? BuildPipeline(WorkflowDefinition definition, StepNode step)
    {
        var options = definition.OptionsOf(step);
        if (options is null || (options.Retry is null && options.Timeout is null && options.ConfigurePipeline is null))
        {
            return null;
        }

        var builder = new ResiliencePipelineBuilder { TimeProvider = TimeProvider, Name = $"{definition.Name}/{step.Name}" };
        if (options.Retry is { } retry)
        {
            builder.AddRetry(WrapRetry(retry));
        }

        if (options.Timeout is { } timeout)
        {
            builder.AddTimeout(timeout);
        }

        options.ConfigurePipeline?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Copies the host's retry options, adding what the engine needs: no retry of errors that retrying
    /// cannot fix, and each failed attempt journaled before the delay.</summary>
    private static RetryStrategyOptions WrapRetry(RetryStrategyOptions retry)
    {
        var shouldHandle = retry.ShouldHandle;
        var onRetry = retry.OnRetry;
        return new RetryStrategyOptions
        {
            Name = retry.Name,
            MaxRetryAttempts = retry.MaxRetryAttempts,
            Delay = retry.Delay,
            MaxDelay = retry.MaxDelay,
            BackoffType = retry.BackoffType,
            UseJitter = retry.UseJitter,
            DelayGenerator = retry.DelayGenerator,
            Randomizer = retry.Randomizer,
            ShouldHandle = args => args.Outcome.Exception switch
            {
                StepFailedException { NonRetryable: true } or WorkflowSerializationException or RunFencedSignal or RunStoppingSignal or SuspendSignal => PredicateResult.False(),
                OperationCanceledException when args.Context.CancellationToken.IsCancellationRequested => PredicateResult.False(),
                _ => shouldHandle(args),
            },
            OnRetry = async args =>
            {
                if (args.Context.Properties.TryGetValue(InstanceRun.ExecutionKey, out var execution))
                {
                    await execution.OnRetryAsync(args.Outcome.Exception, args.RetryDelay).ConfigureAwait(false);
                }

                if (onRetry is not null)
                {
                    await onRetry(args).ConfigureAwait(false);
                }
            },
        };
    }

    private async Task WorkerAsync()
    {
        var reader = _queue!.Reader;
        while (true)
        {
            // ReadAsync, not WaitToReadAsync: a write hands its item to one waiting reader, where it would wake every
            // idle worker waiting to read (all but one of them only to wait again).
            if (!reader.TryRead(out var request))
            {
                try
                {
                    request = await reader.ReadAsync().ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    return;
                }
            }

            WorkflowInstrumentation.QueueDepth.Add(-1);
            Interlocked.Increment(ref _active);
            try
            {
                if (!IsRunning)
                {
                    await ReleaseQuietlyAsync(request.Lease).ConfigureAwait(false);
                }
                else
                {
                    await RunAsync(request).ConfigureAwait(false);
                }
            }
            finally
            {
                _held.TryRemove(request.Lease.WorkItemId, out _);
                Interlocked.Decrement(ref _active);
                if (_moreWorkLikely)
                {
                    Wake();
                }
            }
        }
    }

    private async Task RunAsync(RunRequest request)
    {
        var lease = request.Lease;
        try
        {
            var state = request.State ?? await LoadAsync(lease.InstanceId).ConfigureAwait(false);
            if (state is null)
            {
                // A work item with no stream behind it: nothing to run, so end it.
                await Store.CommitAsync(new WorkflowCommit
                {
                    InstanceId = lease.InstanceId,
                    ExpectedVersion = ExpectedVersion.NoStream,
                    Lease = lease,
                    CompleteLease = true,
                }).ConfigureAwait(false);
                return;
            }

            var definition = Registry.Find(state.WorkflowName, state.WorkflowVersion);
            if (definition is null)
            {
                Log.DefinitionMissing(Logger, state.InstanceId, state.WorkflowName, state.WorkflowVersion, NodeId, Options.BlockedInstanceRetryDelay);
                await Store.ReleaseAsync(lease, TimeProvider.GetUtcNow() + Options.BlockedInstanceRetryDelay).ConfigureAwait(false);
                return;
            }

            var run = new InstanceRun(this, definition, state, lease, request.Input, request.HasInput);
            if (_runs.TryRemove(state.InstanceId, out var previous))
            {
                // This node held the instance before and lost the lease to this new claim without noticing.
                previous.Fence("a newer lease of this instance was claimed");
            }

            _runs[state.InstanceId] = run;
            try
            {
                await run.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                _runs.TryRemove(new KeyValuePair<string, InstanceRun>(state.InstanceId, run));
            }
        }
        catch (Exception ex)
        {
            Log.RunError(Logger, ex, lease.InstanceId, Options.PollInterval);
            await ReleaseQuietlyAsync(lease, TimeProvider.GetUtcNow() + Options.PollInterval).ConfigureAwait(false);
        }
    }

    private async Task<InstanceState?> LoadAsync(string instanceId)
    {
        var events = await JournalReader.ReadAllAsync(Store, instanceId, CancellationToken.None).ConfigureAwait(false);
        return events.Count == 0 ? null : InstanceState.Fold(events);
    }

    private async Task DispatchAsync()
    {
        var stopping = _stopClaiming.Token;
        while (!stopping.IsCancellationRequested)
        {
            var room = Math.Min(Options.ClaimBatchSize, Options.MaxConcurrentInstances - ActiveRuns - QueuedRuns);
            if (room <= 0)
            {
                // Full: the next run to end wakes the dispatcher (the flag is set before looking again, so an end in
                // between is not missed); runnable work in the store is no reason to wake until then.
                _moreWorkLikely = true;
                if (Math.Min(Options.ClaimBatchSize, Options.MaxConcurrentInstances - ActiveRuns - QueuedRuns) <= 0)
                {
                    await WaitForWakeAsync(storeSignal: false, stopping).ConfigureAwait(false);
                }

                continue;
            }

            var claimed = 0;
            try
            {
                var leases = await Store.ClaimAsync(NodeId, room, Options.LeaseDuration, stopping).ConfigureAwait(false);
                LastStoreError = null;
                claimed = leases.Count;
                foreach (var lease in leases)
                {
                    _held[lease.WorkItemId] = lease;
                    if (_queue!.Writer.TryWrite(new RunRequest(lease, null, null, HasInput: false)))
                    {
                        WorkflowInstrumentation.QueueDepth.Add(1);
                    }
                    else
                    {
                        _held.TryRemove(lease.WorkItemId, out _);
                        await ReleaseQuietlyAsync(lease).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LastStoreError = ex;
                Log.StoreError(Logger, ex, "claiming work");
            }

            _moreWorkLikely = claimed == room;
            if (_moreWorkLikely)
            {
                continue;
            }

            await WaitForWakeAsync(storeSignal: true, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until something is likely to be claimable: a wake-up from this node, the store's signal that work
    /// is runnable (when <paramref name="storeSignal"/>), or the poll interval as the guarantee.</summary>
    private async Task WaitForWakeAsync(bool storeSignal, CancellationToken stopping)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
        var timeout = Task.Delay(Options.PollInterval, TimeProvider, wait.Token);

        // Work another node made runnable (through a shared store's notifications) is claimed at once too.
        Task scheduled;
        try
        {
            scheduled = storeSignal ? Store.WaitForWorkAsync(wait.Token) : timeout;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StoreError(Logger, ex, "waiting for work");
            scheduled = timeout;
        }

        var first = await Task.WhenAny(woken, timeout, scheduled).ConfigureAwait(false);
        if (first == scheduled && scheduled.IsFaulted)
        {
            // A store whose signal fails must not turn the wait into a busy loop: wait for the poll instead.
            Log.StoreError(Logger, scheduled.Exception.GetBaseException(), "waiting for work");
            await Task.WhenAny(woken, timeout).ConfigureAwait(false);
        }
        await wait.CancelAsync().ConfigureAwait(false);
        _wake.Reader.TryRead(out _);
    }

    private async Task HeartbeatAsync()
    {
        var stopping = _stopHeartbeat.Token;
        var interval = Options.LeaseDuration / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, TimeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var held = _held.Values.ToArray();
            if (held.Length == 0)
            {
                continue;
            }

            try
            {
                var renewed = await Store.RenewAsync(held, Options.LeaseDuration, stopping).ConfigureAwait(false);
                LastStoreError = null;
                if (renewed.Count == held.Length)
                {
                    continue;
                }

                var kept = renewed.Select(static l => (l.WorkItemId, l.FencingToken)).ToHashSet();
                foreach (var lease in held)
                {
                    if (!kept.Contains((lease.WorkItemId, lease.FencingToken)) && _held.TryRemove(new KeyValuePair<long, WorkLease>(lease.WorkItemId, lease)))
                    {
                        if (_runs.TryGetValue(lease.InstanceId, out var run) && run.Lease.FencingToken == lease.FencingToken)
                        {
                            run.Fence("the lease could not be renewed");
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LastStoreError = ex;
                Log.StoreError(Logger, ex, "renewing leases");
            }
        }
    }

    private async Task ReleaseQuietlyAsync(WorkLease lease, DateTimeOffset? dueAt = null)
    {
        try
        {
            await Store.ReleaseAsync(lease, dueAt).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreError(Logger, ex, "releasing a lease");
        }
    }

    private readonly record struct RunRequest(WorkLease Lease, InstanceState? State, object? Input, bool HasInput);
}
