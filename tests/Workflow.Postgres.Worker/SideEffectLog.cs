using Npgsql;
using NpgsqlTypes;
using Workflow.Steps;

namespace Workflow.Postgres.Worker;

/// <summary>
/// What the steps do to the outside world: each run of a step inserts a row into <c>side_effects</c> on a connection of
/// its own, outside the step's commit, so a step that runs twice leaves two rows. The row also records the lease the
/// work item was under at that moment (owner and fencing token).
/// </summary>
internal sealed class SideEffectLog(NpgsqlDataSource dataSource, WorkerSettings settings)
{
    private readonly string _insert = $"""
        INSERT INTO "{settings.Schema}".side_effects (instance_id, step, node, attempt, lease_owner, fencing_token)
        SELECT $1, $2, $3, $4, w.lease_owner, w.fencing_token
          FROM (SELECT 1) AS one LEFT JOIN "{settings.Schema}".work_items AS w ON w.instance_id = $1
        """;

    private const int MaxRecordAttempts = 240;
    private static readonly TimeSpan RecordRetryDelay = TimeSpan.FromMilliseconds(250);

    private int _completions;
    private volatile bool _stalled;

    /// <summary>Creates the table when missing (the tests create it before starting nodes; this is for a node alone).</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(WorkerWorkflows.CreateSideEffectsSql(settings.Schema));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The body of every step: records the side effect, then returns this node's id.</summary>
    public async Task<string> RunStepAsync(StepContext context, CancellationToken cancellationToken)
    {
        await RecordAsync(context, cancellationToken);

        if (_stalled)
        {
            // A call that never returns (a hung service): the step stays in flight until the process dies.
            Console.WriteLine($"stalled instance={context.InstanceId} step={context.StepPath}");
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        if (context.StepName is "three" or "after" && settings.StallAfterCompletions is { } limit && Interlocked.Increment(ref _completions) >= limit)
        {
            _stalled = true;
        }

        return settings.NodeId;
    }

    // The outside world is the same database: while it restarts, the record waits for it (a bounded number of tries), as
    // a client of a real service would, so that the step's outcome does not depend on when the restart happened.
    private async Task RecordAsync(StepContext context, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = dataSource.CreateCommand(_insert);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = context.InstanceId, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = context.StepPath, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = settings.NodeId, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = context.Attempt, NpgsqlDbType = NpgsqlDbType.Integer });
                await command.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when ((ex.IsTransient || ex is PostgresException { SqlState: ['5', '7', ..] }) && attempt < MaxRecordAttempts)
            {
                Console.WriteLine($"side-effect-retry instance={context.InstanceId} step={context.StepPath} attempt={attempt}: {ex.Message}");
                await Task.Delay(RecordRetryDelay, cancellationToken);
            }
        }
    }
}
