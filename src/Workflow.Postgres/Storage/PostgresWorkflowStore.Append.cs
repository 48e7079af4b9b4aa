using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    // Commits per round trip (and per transaction) in CommitManyAsync: bounds the locks one transaction holds.
    private const int MaxCommitsPerBatch = 256;

    // The longest instance id, in UTF-8 bytes, the store accepts.
    private const int MaxIdBytes = 1024;

    /// <inheritdoc />
    /// <remarks>One round trip and one transaction: a call of the schema's <c>apply_commit</c> function, which checks
    /// idempotency, the lease and the version, then writes the events, the index entry and the work. A retry after a
    /// lost connection reports <see cref="CommitStatus.AlreadyCommitted"/> when the first attempt went through.</remarks>
    /// <exception cref="ArgumentException">The commit is malformed, or PostgreSQL rejected a value (event data that is
    /// not JSON, text holding NUL characters); nothing was written.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<CommitResult> CommitAsync(WorkflowCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ValidateCommit(commit, nameof(commit));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var activity = StoreInstrumentation.StartSpan(PostgresStoreTelemetry.CommitSpan, Schema);
        activity?.SetTag("workflow.instance.id", commit.InstanceId);
        activity?.SetTag("workflow.store.events", commit.Events.Count);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = _batcher is null
                ? await CommitAloneAsync(commit, cancellationToken).ConfigureAwait(false)
                : await _batcher.CommitAsync(commit, cancellationToken).ConfigureAwait(false);
            outcome = StoreInstrumentation.Outcome(result.Status);
            Announce(commit, result);
            return result;
        }
        finally
        {
            RecordCommit(started, outcome, activity);
        }
    }

    /// <inheritdoc />
    /// <remarks>The commits go to the database together, up to 256 per round trip, each batch in one transaction: each
    /// commit is checked and applied on its own (a conflict is a result that writes nothing and does not stop the others),
    /// while they share one round trip and one commit to disk. Within a batch the commits are applied ordered by instance
    /// id (each instance's commits in the order given), so concurrent batches over the same instances never deadlock on
    /// their rows. When the call throws, earlier batches may have been applied; calling it again with the same commits is
    /// safe (appends are idempotent by event id).</remarks>
    /// <exception cref="ArgumentException">A commit is malformed, or PostgreSQL rejected a value; nothing of its batch
    /// was written.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<WorkflowCommit> commits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commits);
        foreach (var commit in commits)
        {
            ArgumentNullException.ThrowIfNull(commit, nameof(commits));
            ValidateCommit(commit, nameof(commits));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (commits.Count == 0)
        {
            return [];
        }

        var results = new CommitResult[commits.Count];
        for (var start = 0; start < commits.Count; start += MaxCommitsPerBatch)
        {
            var batch = new ArraySegment<CommitResult>(results, start, Math.Min(MaxCommitsPerBatch, commits.Count - start));
            using var activity = StoreInstrumentation.StartSpan(PostgresStoreTelemetry.CommitSpan + "_many", Schema);
            activity?.SetTag("workflow.store.commits", batch.Count);
            var started = Stopwatch.GetTimestamp();
            var outcome = "error";
            try
            {
                await CommitBatchAsync(commits, batch, cancellationToken).ConfigureAwait(false);
                outcome = "batch";
            }
            finally
            {
                RecordCommit(started, outcome, activity);
            }
        }

        for (var i = 0; i < commits.Count; i++)
        {
            Announce(commits[i], results[i]);
        }

        return results;
    }

    private ValueTask<CommitResult> CommitAloneAsync(WorkflowCommit commit, CancellationToken cancellationToken) =>
        ExecuteAsync("committing", commit, static (store, c, ct) => ExecuteCommitAsync(store._dataSource, store._sql.Commit, c, ct), cancellationToken);

    private ValueTask<int> CommitBatchAsync(IReadOnlyList<WorkflowCommit> commits, ArraySegment<CommitResult> results, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "committing a batch",
            (Commits: commits, Results: results),
            static (store, args, ct) => ExecuteCommitBatchAsync(store._dataSource, store._sql.Commit, args.Commits, args.Results, ct),
            cancellationToken);

    private void RecordCommit(long started, string outcome, Activity? activity)
    {
        StoreInstrumentation.CommitDuration.Record(
            Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>(PostgresStoreTelemetry.SchemaTag, Schema),
            new KeyValuePair<string, object?>(PostgresStoreTelemetry.OutcomeTag, outcome));
        if (activity is not null)
        {
            activity.SetTag(PostgresStoreTelemetry.OutcomeTag, outcome);
            activity.SetStatus(outcome == "error" ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        }
    }

    /// <summary>After a commit: wakes the watches of its stream, and the dispatchers when it left work runnable now
    /// that it did not claim itself (by the local clock: a hint, which polling backs up).</summary>
    private void Announce(WorkflowCommit commit, CommitResult result)
    {
        if (result.Status != CommitStatus.Committed)
        {
            return;
        }

        if (commit.Events.Count > 0)
        {
            _notifications.Appended(commit.InstanceId);
        }

        var now = _timeProvider.GetUtcNow();
        foreach (var work in commit.Schedule)
        {
            if ((work.DueAt is null || work.DueAt <= now)
                && !result.Claimed.Any(lease => string.Equals(lease.InstanceId, work.InstanceId, StringComparison.Ordinal)))
            {
                _notifications.WorkScheduled();
                return;
            }
        }
    }

    /// <summary>Applies one commit through <c>apply_commit</c> (shared with the event store).</summary>
    internal static async ValueTask<CommitResult> ExecuteCommitAsync(
        NpgsqlDataSource dataSource, string commitSql, WorkflowCommit commit, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(commitSql, connection);
        AddCommitParameters(command.Parameters, commit);
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ReadCommitResult(reader);
    }

    /// <summary>Applies several commits in one transaction, each through <c>apply_commit</c> on its own, writing each
    /// one's result (shared with the event store).</summary>
    internal static async ValueTask<int> ExecuteCommitBatchAsync(
        NpgsqlDataSource dataSource, string commitSql, IReadOnlyList<WorkflowCommit> commits, ArraySegment<CommitResult> results, CancellationToken cancellationToken)
    {
        // Applied in stream order (stable: a stream's commits keep their order), so batches lock stream rows in one
        // global order and two batches over the same streams cannot deadlock on them.
        var order = new int[results.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = results.Offset + i;
        }

        Array.Sort(order, (a, b) =>
        {
            var byStream = string.CompareOrdinal(commits[a].InstanceId, commits[b].InstanceId);
            return byStream != 0 ? byStream : a.CompareTo(b);
        });

        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);

        // A batch runs in one implicit transaction: all of it is applied, or (on an error) none of it.
        using var batch = new NpgsqlBatch(connection);
        foreach (var index in order)
        {
            var command = new NpgsqlBatchCommand(commitSql);
            AddCommitParameters(command.Parameters, commits[index]);
            batch.BatchCommands.Add(command);
        }

        await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        for (var i = 0; i < order.Length; i++)
        {
            if (i > 0)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            results[order[i] - results.Offset] = ReadCommitResult(reader);
        }

        return order.Length;
    }

    /// <summary>Reads the row <c>apply_commit</c> returns (shared with the event store).</summary>
    internal static CommitResult ReadCommitResult(NpgsqlDataReader reader)
    {
        var status = reader.GetInt16(0) switch
        {
            0 => CommitStatus.Committed,
            1 => CommitStatus.AlreadyCommitted,
            2 => CommitStatus.VersionConflict,
            3 => CommitStatus.LeaseLost,
            var other => throw new InvalidOperationException($"The schema's commit function returned the unknown status {other}; is the schema newer than this package?"),
        };
        var version = reader.GetInt64(1);
        if (reader.IsDBNull(2))
        {
            return new CommitResult(status, version);
        }

        var ids = reader.GetFieldValue<long[]>(2);
        var instances = reader.GetFieldValue<string[]>(3);
        var owners = reader.GetFieldValue<string[]>(4);
        var tokens = reader.GetFieldValue<long[]>(5);
        var expiries = reader.GetFieldValue<DateTime[]>(6);
        var claimed = new WorkLease[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            claimed[i] = new WorkLease(ids[i], instances[i], owners[i], tokens[i], ToOffset(expiries[i]));
        }

        return new CommitResult(status, version, claimed);
    }

    /// <summary>Binds a commit to the parameters of <c>apply_commit</c> (shared with the event store).</summary>
    internal static void AddCommitParameters(NpgsqlParameterCollection parameters, WorkflowCommit commit)
    {
        var events = commit.Events;
        var ids = new Guid[events.Count];
        var types = new string[events.Count];
        var data = new ReadOnlyMemory<byte>?[events.Count];
        var metadata = new ReadOnlyMemory<byte>?[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            ids[i] = e.EventId;
            types[i] = e.Type;

            // jsonb cannot hold an empty document: empty is stored as null and read back as empty. (A bare null in
            // "empty ? null : memory" would become an empty memory through the array conversion, not a null.)
            data[i] = e.Data.IsEmpty ? default(ReadOnlyMemory<byte>?) : e.Data;
            metadata[i] = e.Metadata.IsEmpty ? default(ReadOnlyMemory<byte>?) : e.Metadata;
        }

        var schedule = commit.Schedule;
        var workInstances = new string[schedule.Count];
        var workDue = new DateTime?[schedule.Count];
        var claimOwners = new string?[schedule.Count];
        var claimDurations = new TimeSpan?[schedule.Count];
        for (var i = 0; i < schedule.Count; i++)
        {
            var work = schedule[i];
            workInstances[i] = work.InstanceId;
            workDue[i] = work.DueAt?.UtcDateTime;
            claimOwners[i] = work.ClaimFor?.OwnerId;
            claimDurations[i] = work.ClaimFor?.Duration;
        }

        var lease = commit.Lease;
        var info = commit.Instance;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = commit.InstanceId, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = commit.ExpectedVersion.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>?[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>?[]> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(Nullable(NpgsqlDbType.Bigint, lease?.WorkItemId));
        parameters.Add(Nullable(NpgsqlDbType.Text, lease?.OwnerId));
        parameters.Add(Nullable(NpgsqlDbType.Bigint, lease?.FencingToken));
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = commit.CompleteLease, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = info is not null, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(Nullable(NpgsqlDbType.Text, info?.WorkflowName));
        parameters.Add(Nullable(NpgsqlDbType.Integer, info?.WorkflowVersion));
        parameters.Add(Nullable(NpgsqlDbType.Smallint, (short?)info?.Status));
        parameters.Add(Nullable(NpgsqlDbType.TimestampTz, info?.CreatedAt.UtcDateTime));
        parameters.Add(Nullable(NpgsqlDbType.TimestampTz, info?.UpdatedAt.UtcDateTime));
        parameters.Add(Nullable(NpgsqlDbType.TimestampTz, info?.CompletedAt?.UtcDateTime));
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = workInstances, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = workDue, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = claimOwners, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<TimeSpan?[]> { TypedValue = claimDurations, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Interval });

        var open = commit.OpenApprovals;
        var openPaths = new string[open.Count];
        var openWorkflows = new string[open.Count];
        var openRequests = new ReadOnlyMemory<byte>?[open.Count];
        var openRequested = new DateTime[open.Count];
        var openDeadlines = new DateTime?[open.Count];
        for (var i = 0; i < open.Count; i++)
        {
            var approval = open[i];
            openPaths[i] = approval.StepPath;
            openWorkflows[i] = approval.WorkflowName;
            openRequests[i] = approval.Request.ValueKind == JsonValueKind.Undefined
                ? default(ReadOnlyMemory<byte>?)
                : Encoding.UTF8.GetBytes(approval.Request.GetRawText());
            openRequested[i] = approval.RequestedAt.UtcDateTime;
            openDeadlines[i] = approval.Deadline?.UtcDateTime;
        }

        parameters.Add(Nullable(NpgsqlDbType.Bigint, commit.TruncateBefore));
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = info?.Status.IsTerminal() ?? false, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = openPaths, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = openWorkflows, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>?[]> { TypedValue = openRequests, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = openRequested, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = openDeadlines, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. commit.ClosedApprovals], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
    }

    private static NpgsqlParameter Nullable(NpgsqlDbType type, object? value) => new() { NpgsqlDbType = type, Value = value ?? DBNull.Value };

    /// <summary>The checks of the store contract, plus what PostgreSQL text cannot hold, before anything is sent.</summary>
    private static void ValidateCommit(WorkflowCommit commit, string paramName)
    {
        commit.Validate();
        RequireId(commit.InstanceId, "The instance id", paramName);
        foreach (var e in commit.Events)
        {
            RequireText(e.Type, $"The type of event {e.EventId} of the commit for '{commit.InstanceId}'", paramName);
        }

        if (commit.Instance is { } info)
        {
            RequireText(info.WorkflowName, "The workflow name", paramName);
        }

        foreach (var approval in commit.OpenApprovals)
        {
            RequireText(approval.StepPath, "The path of an approval", paramName);
            RequireText(approval.WorkflowName, "The workflow name of an approval", paramName);
        }

        foreach (var path in commit.ClosedApprovals)
        {
            RequireText(path, "The path of an approval to close", paramName);
        }

        foreach (var work in commit.Schedule)
        {
            RequireId(work.InstanceId, "The instance id of scheduled work", paramName);
            if (work.ClaimFor is { } claim)
            {
                ArgumentException.ThrowIfNullOrEmpty(claim.OwnerId, paramName);
                RequireText(claim.OwnerId, "The owner id of a lease request", paramName);
                if (claim.Duration <= TimeSpan.Zero)
                {
                    throw new ArgumentException($"The lease requested for '{work.InstanceId}' lasts {claim.Duration}; it must be positive.", paramName);
                }
            }
        }
    }

    /// <summary>Instance ids are keys of unique indexes, whose entries PostgreSQL limits (about 2.7 kB): longer ids are
    /// refused up front with a clear message rather than by the index.</summary>
    internal static void RequireId(string value, string what, string paramName)
    {
        RequireText(value, what, paramName);
        if (value.Length > MaxIdBytes / 3 && Encoding.UTF8.GetByteCount(value) > MaxIdBytes)
        {
            throw new ArgumentException(
                $"{what} is {Encoding.UTF8.GetByteCount(value)} bytes long in UTF-8; the PostgreSQL store accepts ids of at most {MaxIdBytes} bytes.", paramName);
        }
    }

    internal static void RequireText(string value, string what, string paramName)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} contains a NUL character, which PostgreSQL text cannot store.", paramName);
        }
    }

    /// <summary>Whether an id can be in the store: one that cannot (NUL, too long) names nothing there.</summary>
    internal static bool IsStorableId(string id) =>
        !id.Contains('\0', StringComparison.Ordinal) && (id.Length <= MaxIdBytes / 3 || Encoding.UTF8.GetByteCount(id) <= MaxIdBytes);

    internal static DateTimeOffset ToOffset(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
