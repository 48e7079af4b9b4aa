using Workflow.Exceptions;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Workflow.Postgres.EventStore;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Appends events to a stream, atomically, if the stream is at the expected version.
    /// </summary>
    /// <param name="streamId">The stream: any text of up to 1,024 UTF-8 bytes without NUL characters.</param>
    /// <param name="expectedVersion">The version the stream must be at: <see cref="ExpectedVersion.Any"/>,
    /// <see cref="ExpectedVersion.NoStream"/> (the stream holds no event yet) or <see cref="ExpectedVersion.Exactly"/>.</param>
    /// <param name="events">The events, in order. Each has an id of its own, chosen by the writer: appending the same
    /// ids again after the same expected version succeeds without writing anything twice.</param>
    /// <param name="cancellationToken">A token to cancel the operation; a canceled append may or may not have been
    /// applied, and retrying it with the same event ids is safe.</param>
    /// <returns>The stream's version after the append, and whether the events were already there.</returns>
    /// <remarks>
    /// One round trip and one transaction, through the schema's <c>apply_commit</c> function (the workflow store's):
    /// concurrent appends that queue behind busy ones share a transaction (see
    /// <see cref="PostgresEventStoreOptions.BatchAppends"/>), each checked on its own. The function locks the stream's row, recognizes a retry by its event ids, checks the version, then inserts the events with
    /// the versions that follow. When the connection breaks after the server committed, the store retries, finds the
    /// events and reports success with <see cref="AppendResult.AlreadyAppended"/>.
    /// </remarks>
    /// <exception cref="WorkflowConcurrencyException">The stream is at another version, or some of the event ids are
    /// already in the stream at other versions; nothing was written.</exception>
    /// <exception cref="ArgumentException">The stream id or an event is invalid (empty, too long, holding a NUL
    /// character, an event id used twice), or PostgreSQL rejected a value (data that is not JSON); nothing was written.</exception>
    /// <exception cref="WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<AppendResult> AppendAsync(
        string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        RequireStreamId(streamId, nameof(streamId));
        ArgumentNullException.ThrowIfNull(events);
        ValidateEvents(streamId, events, nameof(events));
        var commit = new WorkflowCommit { InstanceId = streamId, ExpectedVersion = expectedVersion, Events = events };
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var result = _batcher is null
            ? await AppendAloneAsync(commit, cancellationToken).ConfigureAwait(false)
            : await _batcher.CommitAsync(commit, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case CommitStatus.Committed:
                if (events.Count > 0)
                {
                    _notifications.Appended(streamId);
                }

                return new AppendResult(result.StreamVersion, alreadyAppended: false);
            case CommitStatus.AlreadyCommitted:
                return new AppendResult(result.StreamVersion, alreadyAppended: true);
            default:
                throw new WorkflowConcurrencyException(streamId, expectedVersion, result.StreamVersion);
        }
    }

    private ValueTask<CommitResult> AppendAloneAsync(WorkflowCommit commit, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "appending to a stream",
            commit,
            static (store, c, ct) => PostgresWorkflowStore.ExecuteCommitAsync(store._dataSource, store._storeSql.Commit, c, ct),
            cancellationToken);

    private ValueTask<int> AppendBatchAsync(IReadOnlyList<WorkflowCommit> commits, ArraySegment<CommitResult> results, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "appending to several streams",
            (Commits: commits, Results: results),
            static (store, args, ct) => PostgresWorkflowStore.ExecuteCommitBatchAsync(store._dataSource, store._storeSql.Commit, args.Commits, args.Results, ct),
            cancellationToken);

    private static void ValidateEvents(string streamId, IReadOnlyList<EventData> events, string paramName)
    {
        var seen = events.Count > 1 ? new HashSet<Guid>(events.Count) : null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.EventId == Guid.Empty || e.Type is null)
            {
                throw new ArgumentException($"Event {i} of the append to stream '{streamId}' was not initialized; create events with new EventData(id, type, data).", paramName);
            }

            if (seen is not null && !seen.Add(e.EventId))
            {
                throw new ArgumentException($"The append to stream '{streamId}' holds event id {e.EventId} twice; every event needs its own id.", paramName);
            }

            PostgresWorkflowStore.RequireText(e.Type, $"The type of event {e.EventId} of the append to stream '{streamId}'", paramName);
        }
    }

    private static void RequireStreamId(string streamId, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId, paramName);
        PostgresWorkflowStore.RequireId(streamId, "The stream id", paramName);
    }
}
