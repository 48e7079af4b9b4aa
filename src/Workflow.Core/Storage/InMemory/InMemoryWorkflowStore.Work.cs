namespace Workflow.Storage.InMemory;

public sealed partial class InMemoryWorkflowStore
{
    private readonly Dictionary<long, WorkItem> _items = [];
    private readonly Dictionary<string, WorkItem> _itemsByInstance = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset At, long Id)> _ready = [];
    private readonly SortedSet<(DateTimeOffset At, long Id)> _leased = [];
    private long _lastWorkItemId;
    private TaskCompletionSource _workSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    /// <remarks>Completes at once when work is runnable now: a clock that moved on between a claim that found nothing
    /// and this wait (a test clock advanced meanwhile) does not leave the work to the next poll.</remarks>
    public Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return NextDueLocked() <= _timeProvider.GetUtcNow() ? Task.CompletedTask : _workSignal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The earliest time an unleased item is due or a lease expires, or <see langword="null"/> for no work.</summary>
    private DateTimeOffset? NextDueLocked()
    {
        DateTimeOffset? next = _ready.Count > 0 ? _ready.Min.At : null;
        if (_leased.Count > 0 && (next is null || _leased.Min.At < next))
        {
            next = _leased.Min.At;
        }

        return next;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WorkLease>> ClaimAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var due = new List<WorkItem>();
            foreach (var (at, id) in _ready)
            {
                if (at > now || due.Count == maxItems)
                {
                    break;
                }

                due.Add(_items[id]);
            }

            foreach (var (at, id) in _leased)
            {
                if (at > now || due.Count == maxItems)
                {
                    break;
                }

                due.Add(_items[id]);
            }

            if (due.Count == 0)
            {
                return new([]);
            }

            var leases = new WorkLease[due.Count];
            for (var i = 0; i < due.Count; i++)
            {
                leases[i] = Lease(due[i], ownerId, now + leaseDuration);
            }

            return new(leases);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WorkLease>> RenewAsync(IReadOnlyList<WorkLease> leases, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var expiresAt = _timeProvider.GetUtcNow() + leaseDuration;
            var renewed = new List<WorkLease>(leases.Count);
            foreach (var lease in leases)
            {
                ArgumentNullException.ThrowIfNull(lease, nameof(leases));
                if (IsHeld(lease))
                {
                    var item = _items[lease.WorkItemId];
                    _leased.Remove((item.LeaseExpiresAt, item.Id));
                    item.LeaseExpiresAt = expiresAt;
                    _leased.Add((expiresAt, item.Id));
                    renewed.Add(lease.WithExpiry(expiresAt));
                }
            }

            return new(renewed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(WorkLease lease, DateTimeOffset? dueAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!IsHeld(lease))
            {
                return new(false);
            }

            var item = _items[lease.WorkItemId];
            var due = dueAt ?? _timeProvider.GetUtcNow();
            MakeReady(item, item.PendingDue is { } pending && pending < due ? pending : due);
            return new(true);
        }
    }

    /// <summary>Gets whether any work is runnable now or leased: the test environment waits until there is none.</summary>
    internal bool HasWorkInFlight()
    {
        lock (_gate)
        {
            return _leased.Count > 0 || (_ready.Count > 0 && _ready.Min.At <= _timeProvider.GetUtcNow());
        }
    }

    /// <summary>Gets the earliest due time of the work that is not leased, or <see langword="null"/> when there is none.</summary>
    internal DateTimeOffset? NextDueAt()
    {
        lock (_gate)
        {
            return _ready.Count > 0 ? _ready.Min.At : null;
        }
    }

    private bool IsHeld(WorkLease lease) =>
        _items.TryGetValue(lease.WorkItemId, out var item)
        && item.OwnerId is not null
        && item.FencingToken == lease.FencingToken
        && string.Equals(item.OwnerId, lease.OwnerId, StringComparison.Ordinal)
        && string.Equals(item.InstanceId, lease.InstanceId, StringComparison.Ordinal);

    private List<WorkLease>? ApplyWork(WorkflowCommit commit, DateTimeOffset now)
    {
        List<WorkLease>? claimed = null;
        DateTimeOffset? ownNext = null;
        var schedule = commit.Schedule;
        for (var i = 0; i < schedule.Count; i++)
        {
            var work = schedule[i];
            var due = work.DueAt ?? now;
            if (commit.CompleteLease && string.Equals(work.InstanceId, commit.InstanceId, StringComparison.Ordinal))
            {
                // The run that ends here asks to run again: fold it into the completion below.
                ownNext = ownNext is { } o && o < due ? o : due;
                continue;
            }

            var lease = Schedule(work.InstanceId, due, work.ClaimFor, now);
            if (lease is not null)
            {
                (claimed ??= []).Add(lease);
            }
        }

        if (commit.CompleteLease)
        {
            var item = _items[commit.Lease!.WorkItemId];
            var next = item.PendingDue;
            if (ownNext is { } own && (next is null || own < next))
            {
                next = own;
            }

            if (next is { } at)
            {
                MakeReady(item, at);
            }
            else
            {
                Remove(item);
            }
        }

        return claimed;
    }

    private WorkLease? Schedule(string instanceId, DateTimeOffset due, LeaseRequest? claimFor, DateTimeOffset now)
    {
        if (_itemsByInstance.TryGetValue(instanceId, out var item))
        {
            if (item.OwnerId is not null)
            {
                item.PendingDue = item.PendingDue is { } pending && pending < due ? pending : due;
                return null;
            }

            if (due < item.DueAt)
            {
                _ready.Remove((item.DueAt, item.Id));
                item.DueAt = due;
                _ready.Add((due, item.Id));
            }
        }
        else
        {
            item = new WorkItem(++_lastWorkItemId, instanceId) { DueAt = due };
            _items.Add(item.Id, item);
            _itemsByInstance.Add(instanceId, item);
            _ready.Add((due, item.Id));
        }

        if (claimFor is { } request && item.DueAt <= now)
        {
            return Lease(item, request.OwnerId, now + request.Duration);
        }

        SignalWorkIfDue(item.DueAt, now);
        return null;
    }

    /// <summary>Completes the waits of <see cref="WaitForWorkAsync"/> when an item became runnable now.</summary>
    private void SignalWorkIfDue(DateTimeOffset due, DateTimeOffset now)
    {
        if (due <= now)
        {
            var signal = _workSignal;
            _workSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.TrySetResult();
        }
    }

    private WorkLease Lease(WorkItem item, string ownerId, DateTimeOffset expiresAt)
    {
        if (item.OwnerId is null)
        {
            _ready.Remove((item.DueAt, item.Id));
        }
        else
        {
            _leased.Remove((item.LeaseExpiresAt, item.Id));
        }

        item.OwnerId = ownerId;
        item.FencingToken++;
        item.LeaseExpiresAt = expiresAt;
        _leased.Add((expiresAt, item.Id));
        return new WorkLease(item.Id, item.InstanceId, ownerId, item.FencingToken, expiresAt);
    }

    private void MakeReady(WorkItem item, DateTimeOffset due)
    {
        if (item.OwnerId is not null)
        {
            _leased.Remove((item.LeaseExpiresAt, item.Id));
            item.OwnerId = null;
        }
        else
        {
            _ready.Remove((item.DueAt, item.Id));
        }

        item.PendingDue = null;
        item.DueAt = due;
        _ready.Add((due, item.Id));
        SignalWorkIfDue(due, _timeProvider.GetUtcNow());
    }

    private void Remove(WorkItem item)
    {
        if (item.OwnerId is not null)
        {
            _leased.Remove((item.LeaseExpiresAt, item.Id));
        }
        else
        {
            _ready.Remove((item.DueAt, item.Id));
        }

        _items.Remove(item.Id);
        _itemsByInstance.Remove(item.InstanceId);
    }

    private sealed class WorkItem(long id, string instanceId)
    {
        public long Id { get; } = id;

        public string InstanceId { get; } = instanceId;

        public DateTimeOffset DueAt { get; set; }

        public string? OwnerId { get; set; }

        public long FencingToken { get; set; }

        public DateTimeOffset LeaseExpiresAt { get; set; }

        // A wake-up that arrived while the item was leased: the item runs again when the lease ends.
        public DateTimeOffset? PendingDue { get; set; }
    }
}
