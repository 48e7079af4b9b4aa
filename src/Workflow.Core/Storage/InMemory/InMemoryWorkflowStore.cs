using System.Globalization;
using System.Runtime.CompilerServices;

namespace Workflow.Storage.InMemory;

/// <summary>
/// The embedded default store: everything in process memory, nothing to set up. Events are kept as serialized
/// bytes, exactly as a durable store keeps them, so a payload that does not round-trip fails here too.
/// </summary>
/// <remarks>
/// The store is thread-safe and can be shared by several runtimes in one process (the crash tests of this project
/// do that). Its contents live as long as the object: use <c>Workflow.Postgres</c> for durability across processes.
/// </remarks>
public sealed partial class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkflowInstanceInfo> _instances = new(StringComparer.Ordinal);
    private long _lastPosition;

    /// <summary>Initializes an empty store.</summary>
    /// <param name="timeProvider">The clock for due times, lease expiries and event timestamps;
    /// <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryWorkflowStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(WorkflowCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        cancellationToken.ThrowIfCancellationRequested();
        commit.Validate();
        CommitResult result;
        TaskCompletionSource? changed;
        lock (_gate)
        {
            result = Apply(commit, out changed);
        }

        changed?.TrySetResult();
        return new(result);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<WorkflowCommit> commits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commits);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var commit in commits)
        {
            ArgumentNullException.ThrowIfNull(commit, nameof(commits));
            commit.Validate();
        }

        var results = new CommitResult[commits.Count];
        var signals = new List<TaskCompletionSource>();
        lock (_gate)
        {
            for (var i = 0; i < commits.Count; i++)
            {
                results[i] = Apply(commits[i], out var changed);
                if (changed is not null)
                {
                    signals.Add(changed);
                }
            }
        }

        foreach (var signal in signals)
        {
            signal.TrySetResult();
        }

        return new(results);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(
        string instanceId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_streams.TryGetValue(instanceId, out var stream) || stream.Events.Count == 0)
            {
                return new([]);
            }

            // Events[i] has the version FirstVersion + i: a truncated stream keeps its versions.
            var events = stream.Events;
            List<RecordedEvent> result;
            if (direction == ReadDirection.Forward)
            {
                var start = (int)Math.Clamp(fromVersion - stream.FirstVersion, 0, events.Count);
                var count = Math.Max(0, Math.Min(maxCount, events.Count - start));
                result = events.GetRange(start, count);
            }
            else
            {
                var start = (int)Math.Min(Math.Min(fromVersion, stream.Version) - stream.FirstVersion, events.Count - 1);
                result = new List<RecordedEvent>(Math.Max(0, Math.Min(maxCount, start + 1)));
                for (var i = start; i >= 0 && result.Count < maxCount; i--)
                {
                    result.Add(events[i]);
                }
            }

            return new(result);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RecordedEvent> WatchStreamAsync(
        string instanceId, long fromVersion, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var next = Math.Max(fromVersion, 1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RecordedEvent[] batch;
            Task changed;
            lock (_gate)
            {
                var stream = GetOrAddStream(instanceId);
                next = Math.Max(next, stream.FirstVersion);
                var start = (int)(next - stream.FirstVersion);
                var available = stream.Events.Count - start;
                batch = available > 0 ? stream.Events.GetRange(start, available).ToArray() : [];
                changed = (stream.Changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            foreach (var recorded in batch)
            {
                yield return recorded;
            }

            next += batch.Length;
            if (batch.Length == 0)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Completes when the instance's journal ends (its last event is a terminal one): what a client waiting
    /// for a result needs, without waking at every step as a watch of the stream does.</summary>
    internal Task WhenEndedAsync(string instanceId)
    {
        lock (_gate)
        {
            var stream = GetOrAddStream(instanceId);
            return stream.Events.Count > 0 && Runtime.Journal.JournalCodec.IsTerminal(stream.Events[^1].Type)
                ? Task.CompletedTask
                : (stream.Ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <inheritdoc />
    public ValueTask<WorkflowInstanceInfo?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_instances.GetValueOrDefault(instanceId));
        }
    }

    /// <inheritdoc />
    public ValueTask<WorkflowInstancePage> QueryInstancesAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var after = ParseContinuationToken(query.ContinuationToken);
        List<WorkflowInstanceInfo> matches;
        lock (_gate)
        {
            matches = new List<WorkflowInstanceInfo>();
            foreach (var info in _instances.Values)
            {
                if ((query.WorkflowName is null || string.Equals(info.WorkflowName, query.WorkflowName, StringComparison.Ordinal))
                    && (query.Status is null || info.Status == query.Status)
                    && (query.CreatedFrom is null || info.CreatedAt >= query.CreatedFrom)
                    && (query.CreatedBefore is null || info.CreatedAt < query.CreatedBefore)
                    && (after is null || CompareNewestFirst(info, after.Value.CreatedAt, after.Value.InstanceId) > 0))
                {
                    matches.Add(info);
                }
            }
        }

        matches.Sort(static (a, b) => CompareNewestFirst(a, b.CreatedAt, b.InstanceId));
        string? token = null;
        if (matches.Count > query.PageSize)
        {
            matches.RemoveRange(query.PageSize, matches.Count - query.PageSize);
            var last = matches[^1];
            token = string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}:{last.InstanceId}");
        }

        return new(new WorkflowInstancePage(matches, token));
    }

    // Orders newest first; ties broken by instance id, descending, so every instance has one place in the order.
    private static int CompareNewestFirst(WorkflowInstanceInfo info, DateTimeOffset createdAt, string instanceId)
    {
        var byTime = createdAt.UtcTicks.CompareTo(info.CreatedAt.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(instanceId, info.InstanceId);
    }

    private static (DateTimeOffset CreatedAt, string InstanceId)? ParseContinuationToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        var separator = token.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0
            || separator == token.Length - 1
            || !long.TryParse(token.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new ArgumentException(
                "The continuation token is not one this store issued. Pass the token of the previous page unchanged, or null for the first page.",
                nameof(token));
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), token[(separator + 1)..]);
    }

    private CommitResult Apply(WorkflowCommit commit, out TaskCompletionSource? changed)
    {
        changed = null;
        var stream = _streams.GetValueOrDefault(commit.InstanceId);
        var version = stream?.Version ?? 0;

        // Idempotency comes first: when the events are already there, the whole commit (lease completion and
        // scheduled work included) was applied by an earlier attempt whose outcome the caller did not learn.
        var events = commit.Events;
        if (events.Count > 0 && stream is not null)
        {
            var idempotent = CheckIdempotency(stream, commit);
            if (idempotent is not null)
            {
                return idempotent.Value;
            }
        }

        if (commit.Lease is not null && !IsHeld(commit.Lease))
        {
            return new(CommitStatus.LeaseLost, version);
        }

        if (!commit.ExpectedVersion.IsAny && commit.ExpectedVersion.Value != version)
        {
            return new(CommitStatus.VersionConflict, version);
        }

        var now = _timeProvider.GetUtcNow();
        if (events.Count > 0)
        {
            stream ??= GetOrAddStream(commit.InstanceId);
            for (var i = 0; i < events.Count; i++)
            {
                var data = events[i];
                var recorded = new RecordedEvent(
                    commit.InstanceId,
                    stream.Version + 1,
                    ++_lastPosition,
                    data.EventId,
                    data.Type,
                    data.IsOwned ? data.Data : data.Data.ToArray(),
                    data.Metadata.IsEmpty ? ReadOnlyMemory<byte>.Empty : data.Metadata.ToArray(),
                    now);
                stream.Add(recorded);
            }

            // Watches wait on this; it exists only while someone watches.
            changed = stream.Changed;
            stream.Changed = null;
            version = stream.Version;
            if (stream.Ended is { } ended && Runtime.Journal.JournalCodec.IsTerminal(events[^1].Type))
            {
                // Continuations run asynchronously: completing it under the lock runs nobody's code here.
                stream.Ended = null;
                ended.TrySetResult();
            }
        }

        if (commit.TruncateBefore is { } keepFrom && stream is not null)
        {
            Truncate(stream, Math.Min(keepFrom, version));
        }

        if (commit.Instance is not null)
        {
            _instances[commit.InstanceId] = commit.Instance;
            if (commit.Instance.Status.IsTerminal())
            {
                CloseApprovals(commit.InstanceId, paths: null);
            }
        }

        OpenApprovals(commit.OpenApprovals);
        CloseApprovals(commit.InstanceId, commit.ClosedApprovals);

        var claimed = ApplyWork(commit, now);
        return new(CommitStatus.Committed, version, claimed);
    }

    private static CommitResult? CheckIdempotency(StreamState stream, WorkflowCommit commit)
    {
        var events = commit.Events;
        var firstKnown = -1L;
        var known = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (stream.TryGetVersion(events[i].EventId, out var at))
            {
                known++;
                if (firstKnown < 0)
                {
                    firstKnown = at;
                }
            }
        }

        if (known == 0)
        {
            return null;
        }

        var current = stream.Version;
        var baseVersion = commit.ExpectedVersion.IsAny
            ? (stream.TryGetVersion(events[0].EventId, out var first) ? first : 0) - 1
            : commit.ExpectedVersion.Value;
        if (known != events.Count || baseVersion < 0 || baseVersion + events.Count > current)
        {
            return new CommitResult(CommitStatus.VersionConflict, current);
        }

        for (var i = 0; i < events.Count; i++)
        {
            var index = (int)(baseVersion + i + 1 - stream.FirstVersion);
            if (index < 0 || stream.Events[index].EventId != events[i].EventId)
            {
                return new CommitResult(CommitStatus.VersionConflict, current);
            }
        }

        return new CommitResult(CommitStatus.AlreadyCommitted, baseVersion + events.Count);
    }

    private StreamState GetOrAddStream(string instanceId)
    {
        if (!_streams.TryGetValue(instanceId, out var stream))
        {
            stream = new StreamState();
            _streams.Add(instanceId, stream);
        }

        return stream;
    }

    private static void Truncate(StreamState stream, long keepFrom) =>
        stream.DropBefore((int)Math.Clamp(keepFrom - stream.FirstVersion, 0, stream.Events.Count));

    private sealed class StreamState
    {
        // Small streams find an event id by scanning; a stream that grows past this gets an index.
        private const int IndexThreshold = 16;

        private Dictionary<Guid, long>? _versionById;

        public List<RecordedEvent> Events { get; } = new(8);

        /// <summary>Gets or sets the version of the first event kept (1 unless the stream was truncated).</summary>
        public long FirstVersion { get; set; } = 1;

        /// <summary>Gets or sets the version of the last event appended.</summary>
        public long Version { get; set; }

        /// <summary>Gets or sets what watches of the stream wait on, or <see langword="null"/> while nobody watches.</summary>
        public TaskCompletionSource? Changed { get; set; }

        /// <summary>Gets or sets what waits for the journal's end wait on, or <see langword="null"/> while nobody waits.</summary>
        public TaskCompletionSource? Ended { get; set; }

        public void Add(RecordedEvent recorded)
        {
            Events.Add(recorded);
            Version = recorded.Version;
            if (_versionById is not null)
            {
                _versionById.Add(recorded.EventId, recorded.Version);
            }
            else if (Events.Count > IndexThreshold)
            {
                _versionById = new Dictionary<Guid, long>(Events.Count * 2);
                foreach (var e in Events)
                {
                    _versionById.Add(e.EventId, e.Version);
                }
            }
        }

        public bool TryGetVersion(Guid eventId, out long version)
        {
            if (_versionById is not null)
            {
                return _versionById.TryGetValue(eventId, out version);
            }

            for (var i = Events.Count - 1; i >= 0; i--)
            {
                if (Events[i].EventId == eventId)
                {
                    version = Events[i].Version;
                    return true;
                }
            }

            version = 0;
            return false;
        }

        public void DropBefore(int count)
        {
            if (_versionById is not null)
            {
                for (var i = 0; i < count; i++)
                {
                    _versionById.Remove(Events[i].EventId);
                }
            }

            Events.RemoveRange(0, count);
            FirstVersion += count;
        }
    }
}
