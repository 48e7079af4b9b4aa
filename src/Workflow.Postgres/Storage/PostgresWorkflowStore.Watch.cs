using System.Runtime.CompilerServices;
using Workflow.Exceptions;
using Workflow.Postgres.Internal;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    private const int WatchPageSize = 500;

    /// <inheritdoc />
    /// <remarks>
    /// The watch reads the stream from <paramref name="fromVersion"/> in pages, then waits and reads again from the
    /// version after the last one it yielded, so no event is skipped or yielded twice. It is woken at once by appends
    /// through this store, by <c>NOTIFY</c> for appends through other stores (unless
    /// <see cref="PostgresWorkflowStoreOptions.UseNotifications"/> is off), and reads at least every
    /// <see cref="PostgresWorkflowStoreOptions.WatchPollInterval"/>. Once it has read, a database outage does not end it:
    /// it logs and tries again at the poll interval.
    /// </remarks>
    /// <exception cref="WorkflowStoreUnavailableException">The database cannot be reached for the first read.</exception>
    public async IAsyncEnumerable<RecordedEvent> WatchStreamAsync(
        string instanceId, long fromVersion, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // Registered before the first read: an append between a read and the wait that follows still wakes the watch.
        using var watcher = _notifications.Watch(instanceId);
        var next = Math.Max(fromVersion, 1);
        var started = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<RecordedEvent> page;
            try
            {
                page = await ReadStreamAsync(instanceId, next, ReadDirection.Forward, WatchPageSize, cancellationToken).ConfigureAwait(false);
                started = true;
            }
            catch (WorkflowStoreUnavailableException ex) when (started)
            {
                Log.WatchReadFailed(_logger, ex, instanceId, _watchPollInterval);
                page = [];
            }

            foreach (var recorded in page)
            {
                yield return recorded;
            }

            if (page.Count > 0)
            {
                next = page[^1].Version + 1;
            }

            if (page.Count < WatchPageSize)
            {
                await watcher.WaitAsync(_watchPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
