using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Workflow.Client;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    /// <remarks>Oldest request first, ties broken by instance id and path (ordinal); continuation tokens are keyset
    /// positions, so pages have no gap and no duplicate while approvals come and go. Timestamps are stored with the
    /// microsecond precision of PostgreSQL.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<PendingApprovalPage> QueryPendingApprovalsAsync(PendingApprovalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = ApprovalContinuationToken.Parse(query.ContinuationToken, nameof(query));
        if (query.WorkflowName is { } name && name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The workflow name to match contains a NUL character, which PostgreSQL text cannot store.", nameof(query));
        }

        return ExecuteAsync(
            "querying pending approvals",
            (Query: query.Clone(), After: after),
            static (store, args, ct) => store.ExecuteQueryApprovalsAsync(args.Query, args.After, ct),
            cancellationToken);
    }

    private async ValueTask<PendingApprovalPage> ExecuteQueryApprovalsAsync(PendingApprovalQuery query, ApprovalContinuationToken? after, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_sql.QueryApprovals(query.WorkflowName is not null, after is not null), connection);
        if (query.WorkflowName is { } name)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name, NpgsqlDbType = NpgsqlDbType.Text });
        }

        if (after is { } position)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = position.RequestedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.InstanceId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.StepPath, NpgsqlDbType = NpgsqlDbType.Text });
        }

        // One more than the page: whether it is there says whether another page follows.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.PageSize + 1, NpgsqlDbType = NpgsqlDbType.Integer });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var approvals = new List<PendingApproval>(Math.Min(query.PageSize + 1, 128));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            approvals.Add(ReadApproval(reader));
        }

        string? token = null;
        if (approvals.Count > query.PageSize)
        {
            approvals.RemoveAt(approvals.Count - 1);
            var last = approvals[^1];
            token = new ApprovalContinuationToken(last.RequestedAt, last.InstanceId, last.StepPath).ToString();
        }

        return new PendingApprovalPage(approvals, token);
    }

    // Rows are read whole once ReadAsync returns (no sequential access), so the column getters do not block.
    private static PendingApproval ReadApproval(NpgsqlDataReader reader)
    {
        JsonElement request = default;
        if (!reader.IsDBNull(3))
        {
            using var document = JsonDocument.Parse(reader.GetFieldValue<byte[]>(3));
            request = document.RootElement.Clone();
        }

        return new PendingApproval(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            request,
            ToOffset(reader.GetDateTime(4)),
            reader.IsDBNull(5) ? null : ToOffset(reader.GetDateTime(5)));
    }
}
