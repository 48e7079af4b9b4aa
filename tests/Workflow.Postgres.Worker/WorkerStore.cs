using System.Runtime.InteropServices;
using Workflow.Client;
using Workflow.Storage;

namespace Workflow.Postgres.Worker;

/// <summary>
/// The PostgreSQL store as the runtime of a worker sees it, with two additions the tests turn on:
/// <list type="bullet">
/// <item>tracing: every lease claimed or renewed is printed with its fencing token and its expiry
/// (<c>leased instance=... token=... until=...</c>) before the runtime learns of it, and every wake-up the store signals
/// to the dispatcher (<c>work-signal</c>: work made runnable by this node, announced by another node with <c>NOTIFY</c>,
/// or possibly missed while the listener reconnected), but not the ends of the poll interval;</item>
/// <item>holding a commit: the first step commit of one instance is held after the runtime sent it, until the process has
/// been stopped (SIGSTOP) and continued (SIGCONT): a node that pauses with a write in flight, the zombie of the fencing
/// test. It prints what it holds and what the store answered.</item>
/// </list>
/// </summary>
internal sealed class WorkerStore(IWorkflowStore inner, bool trace, string? heldInstanceId) : IWorkflowStore, IDisposable
{
    private readonly TaskCompletionSource _continued = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PosixSignalRegistration? _registration;
    private int _held;

    public async ValueTask<CommitResult> CommitAsync(WorkflowCommit commit, CancellationToken cancellationToken = default)
    {
        if (heldInstanceId is null
            || commit.InstanceId != heldInstanceId
            || !commit.Events.Any(e => e.Type == "step.completed.v1")
            || Interlocked.Exchange(ref _held, 1) != 0)
        {
            return await inner.CommitAsync(commit, cancellationToken);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Holding a commit until SIGCONT needs a POSIX system.");
        }

        _registration = PosixSignalRegistration.Create(PosixSignal.SIGCONT, _ => _continued.TrySetResult());
        Console.WriteLine(
            $"commit-held instance={commit.InstanceId} token={commit.Lease?.FencingToken} version={commit.ExpectedVersion} events={string.Join(',', commit.Events.Select(e => e.EventId))}");
        await _continued.Task.WaitAsync(cancellationToken);
        Console.WriteLine($"commit-sent instance={commit.InstanceId}");
        var result = await inner.CommitAsync(commit, cancellationToken);
        Console.WriteLine($"commit-result instance={commit.InstanceId} status={result.Status}");
        return result;
    }

    public ValueTask<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<WorkflowCommit> commits, CancellationToken cancellationToken = default) =>
        inner.CommitManyAsync(commits, cancellationToken);

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(
        string instanceId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken = default) =>
        inner.ReadStreamAsync(instanceId, fromVersion, direction, maxCount, cancellationToken);

    public IAsyncEnumerable<RecordedEvent> WatchStreamAsync(string instanceId, long fromVersion, CancellationToken cancellationToken = default) =>
        inner.WatchStreamAsync(instanceId, fromVersion, cancellationToken);

    public async ValueTask<IReadOnlyList<WorkLease>> ClaimAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        Trace(await inner.ClaimAsync(ownerId, maxItems, leaseDuration, cancellationToken));

    public async ValueTask<IReadOnlyList<WorkLease>> RenewAsync(IReadOnlyList<WorkLease> leases, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        Trace(await inner.RenewAsync(leases, leaseDuration, cancellationToken));

    public ValueTask<bool> ReleaseAsync(WorkLease lease, DateTimeOffset? dueAt = null, CancellationToken cancellationToken = default) =>
        inner.ReleaseAsync(lease, dueAt, cancellationToken);

    public async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        await inner.WaitForWorkAsync(cancellationToken);
        if (trace)
        {
            Console.WriteLine("work-signal");
        }
    }

    public ValueTask<WorkflowInstanceInfo?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        inner.GetInstanceAsync(instanceId, cancellationToken);

    public ValueTask<PendingApprovalPage> QueryPendingApprovalsAsync(PendingApprovalQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryPendingApprovalsAsync(query, cancellationToken);

    public ValueTask<WorkflowInstancePage> QueryInstancesAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryInstancesAsync(query, cancellationToken);

    public void Dispose() => _registration?.Dispose();

    private IReadOnlyList<WorkLease> Trace(IReadOnlyList<WorkLease> leases)
    {
        if (trace)
        {
            foreach (var lease in leases)
            {
                Console.WriteLine($"leased instance={lease.InstanceId} token={lease.FencingToken} until={lease.ExpiresAt.UtcDateTime:O}");
            }
        }

        return leases;
    }
}
