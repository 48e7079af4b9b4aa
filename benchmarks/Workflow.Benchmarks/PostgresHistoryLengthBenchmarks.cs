using BenchmarkDotNet.Attributes;
using Npgsql;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Workflow.Benchmarks;

/// <summary>
/// A step's commit on PostgreSQL against the length of the instance's journal: the commit the runtime makes when a
/// step completes (one event, the exact expected version, the node's lease, through <c>apply_commit</c>) on instances
/// whose journal already holds <see cref="History"/> events, against the database of <c>WORKFLOW_BENCH_POSTGRES</c>
/// (else <c>WORKFLOW_TEST_POSTGRES</c>), in a schema of its own, dropped afterwards.
/// </summary>
/// <remarks>
/// <para>
/// Every case builds the same tables: <see cref="Instances"/> instances of each history length (about 89,000 events in
/// all, written through the store's commits under each instance's lease), so the cases differ only in the history of
/// the instances they write to, not in the size of the tables and indexes.
/// </para>
/// <para>
/// Each iteration first puts the instances back at exactly <see cref="History"/> events, so run it with
/// <c>--invocationCount 8 --unrollFactor 1</c>: every measured commit then lands on an instance holding exactly that
/// many events. <see cref="LoadJournal"/> is the other cost that grows with the history: the read of the whole journal
/// a node makes once when it takes an instance (in pages of 500, as the runtime reads it).
/// </para>
/// </remarks>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "GlobalCleanup disposes them.")]
public class PostgresHistoryLengthBenchmarks
{
    /// <summary>Instances per history length: one per invocation of an iteration.</summary>
    public const int Instances = 8;

    private const string Owner = "bench-node";
    private const int AppendBatch = 500;
    private static readonly int[] AllHistories = [10, 100, 1_000, 10_000];

    private readonly byte[] _payload = """{"path":"steps/42/charge","attempt":1,"output":{"orderId":"o-1042","amount":129.5,"currency":"EUR","approved":true}}"""u8.ToArray();
    private NpgsqlDataSource _dataSource = null!;
    private PostgresWorkflowStore _store = null!;
    private string _schema = null!;
    private WorkLease[] _leases = null!;
    private long[] _versions = null!;
    private int _next;

    /// <summary>Events in the journal of the instance a step commits to.</summary>
    [Params(10, 100, 1_000, 10_000)]
    public int History { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("WORKFLOW_BENCH_POSTGRES")
            ?? Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES")
            ?? throw new InvalidOperationException(
                "Set WORKFLOW_BENCH_POSTGRES (benchmarks/with-postgres.sh does) or WORKFLOW_TEST_POSTGRES (./test.sh does) to an Npgsql connection string to run the PostgreSQL benchmarks.");
        _schema = "bench_history_" + Guid.NewGuid().ToString("N")[..12];
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _store = new PostgresWorkflowStore(_dataSource, new PostgresWorkflowStoreOptions { Schema = _schema });
        await _store.MigrateAsync();

        _leases = new WorkLease[Instances];
        _versions = new long[Instances];
        foreach (var history in AllHistories)
        {
            for (var i = 0; i < Instances; i++)
            {
                var lease = await CreateInstanceAsync(InstanceId(history, i), history);
                if (history == History)
                {
                    _leases[i] = lease;
                }
            }
        }

        // The bulk load leaves work behind (dirty buffers, tables to vacuum and analyze): done now, it does not run
        // in the background of the first measurements.
        foreach (var table in new[] { "events", "streams", "work_items" })
        {
            await using var vacuum = _dataSource.CreateCommand($"VACUUM (ANALYZE) \"{_schema}\".{table}");
            await vacuum.ExecuteNonQueryAsync();
        }

        try
        {
            await using var checkpoint = _dataSource.CreateCommand("CHECKPOINT");
            await checkpoint.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Only a superuser (or pg_checkpoint) may: the measurements then share the disk with the next checkpoint.
        }
    }

    /// <summary>Puts the measured instances back at exactly <see cref="History"/> events (not measured).</summary>
    [IterationSetup]
    public void ResetHistory()
    {
        var ids = Enumerable.Range(0, Instances).Select(i => InstanceId(History, i)).ToArray();
        using var reset = _dataSource.CreateCommand($"""
            WITH removed AS (DELETE FROM "{_schema}".events WHERE stream_id = ANY($1) AND version > $2)
            UPDATE "{_schema}".streams SET version = $2 WHERE stream_id = ANY($1)
            """);
        reset.Parameters.Add(new NpgsqlParameter { Value = ids });
        reset.Parameters.Add(new NpgsqlParameter { Value = (long)History });
        reset.ExecuteNonQuery();
        Array.Fill(_versions, History);
        _next = 0;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        await using (var drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _dataSource.DisposeAsync();
    }

    /// <summary>One step's commit: one event at the exact expected version, under the instance's lease.</summary>
    [Benchmark]
    public async Task StepCommit()
    {
        var i = _next++ % Instances;
        var result = await _store.CommitAsync(new WorkflowCommit
        {
            InstanceId = _leases[i].InstanceId,
            ExpectedVersion = ExpectedVersion.Exactly(_versions[i]),
            Events = [new EventData(Guid.NewGuid(), "step.completed.v1", _payload)],
            Lease = _leases[i],
        });
        if (result.Status != CommitStatus.Committed)
        {
            throw new InvalidOperationException($"The step commit of '{_leases[i].InstanceId}' returned {result.Status}.");
        }

        _versions[i] = result.StreamVersion;
    }

    /// <summary>The read of an instance's whole journal, in pages of 500, that a node makes when it takes the instance.</summary>
    [Benchmark]
    public async Task<int> LoadJournal()
    {
        var id = _leases[_next++ % Instances].InstanceId;
        var count = 0;
        for (long from = 1; ;)
        {
            var page = await _store.ReadStreamAsync(id, from, ReadDirection.Forward, AppendBatch);
            count += page.Count;
            if (page.Count < AppendBatch)
            {
                return count;
            }

            from = page[^1].Version + 1;
        }
    }

    private static string InstanceId(int history, int index) => $"history-{history}-{index}";

    /// <summary>Starts an instance (claimed at once with a long lease), then journals its history through the lease.</summary>
    private async Task<WorkLease> CreateInstanceAsync(string id, int history)
    {
        var now = TimeProvider.System.GetUtcNow();
        var started = await _store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "workflow.started.v1", """{"input":{"orderId":"o-1042"}}"""u8.ToArray())],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = id,
                WorkflowName = "long-running",
                WorkflowVersion = 1,
                Status = WorkflowStatus.Running,
                CreatedAt = now,
                UpdatedAt = now,
            },
            Schedule = [new ScheduledWork(id, claimFor: new LeaseRequest(Owner, TimeSpan.FromHours(2)))],
        });
        if (started.Status != CommitStatus.Committed || started.Claimed.Count != 1)
        {
            throw new InvalidOperationException($"Starting '{id}' returned {started.Status} with {started.Claimed.Count} lease(s).");
        }

        var lease = started.Claimed[0];
        var version = started.StreamVersion;
        while (version < history)
        {
            var count = (int)Math.Min(AppendBatch, history - version);
            var events = new EventData[count];
            for (var e = 0; e < count; e++)
            {
                events[e] = new EventData(Guid.NewGuid(), "step.completed.v1", _payload);
            }

            var result = await _store.CommitAsync(new WorkflowCommit
            {
                InstanceId = id,
                ExpectedVersion = ExpectedVersion.Exactly(version),
                Events = events,
                Lease = lease,
            });
            if (result.Status != CommitStatus.Committed)
            {
                throw new InvalidOperationException($"Journaling the history of '{id}' returned {result.Status}.");
            }

            version = result.StreamVersion;
        }

        return lease;
    }
}
