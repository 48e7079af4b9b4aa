using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Workflow.LoadTest;

/// <summary>
/// A step's commit against the length of the instance's journal, interleaved: every round commits once to an instance
/// of each history length, in a shuffled order, so every length is measured in the same seconds and the ratios are not
/// skewed by the machine's load changing between lengths. The commit is the one the runtime makes when a step completes
/// (one event at the exact expected version, under the node's lease). The instances are put back at exactly their
/// length between rounds, outside the timing.
/// </summary>
internal sealed class HistoryProbe(LoadOptions options)
{
    private const int Instances = 8;
    private const int AppendBatch = 500;
    private const string Owner = "history-probe";

    private static readonly byte[] Payload =
        """{"path":"steps/42/charge","attempt":1,"output":{"orderId":"o-1042","amount":129.5,"currency":"EUR","approved":true}}"""u8.ToArray();

    private readonly string _schema = "history_" + Guid.NewGuid().ToString("N")[..12];

    public async Task<int> RunAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var settings = await Coordinator.ServerSettingsAsync(dataSource).ConfigureAwait(false);
        await using var store = new PostgresWorkflowStore(dataSource, new PostgresWorkflowStoreOptions { Schema = _schema });
        try
        {
            await store.MigrateAsync().ConfigureAwait(false);
            var lengths = options.HistoryLengths;
            var leases = new Dictionary<int, WorkLease[]>();
            var clock = Stopwatch.StartNew();
            foreach (var length in lengths)
            {
                leases[length] = new WorkLease[Instances];
                for (var i = 0; i < Instances; i++)
                {
                    leases[length][i] = await CreateInstanceAsync(store, InstanceId(length, i), length).ConfigureAwait(false);
                }
            }

            await SettleAsync(dataSource).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{Instances} instances of each length {string.Join(", ", lengths)} journaled in {clock.Elapsed.TotalSeconds:F1} s; schema {_schema}; {settings}")).ConfigureAwait(false);

            var timings = lengths.ToDictionary(l => l, _ => new List<double>(options.Rounds));
            var random = new Random(42);
            var warmup = Math.Max(Instances, options.Rounds / 10);
            for (var round = 0; round < warmup + options.Rounds; round++)
            {
                var slot = round % Instances;
                if (slot == 0)
                {
                    await ResetAsync(dataSource, lengths).ConfigureAwait(false);
                }

                var order = lengths.ToArray();
                random.Shuffle(order);
                foreach (var length in order)
                {
                    var lease = leases[length][slot];
                    var started = Stopwatch.GetTimestamp();
                    var result = await store.CommitAsync(new WorkflowCommit
                    {
                        InstanceId = lease.InstanceId,
                        ExpectedVersion = ExpectedVersion.Exactly(length),
                        Events = [new EventData(Guid.NewGuid(), "step.completed.v1", Payload)],
                        Lease = lease,
                    }).ConfigureAwait(false);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    if (result.Status != CommitStatus.Committed)
                    {
                        throw new InvalidOperationException($"The step commit of '{lease.InstanceId}' returned {result.Status}.");
                    }

                    if (round >= warmup)
                    {
                        timings[length].Add(elapsed.TotalMilliseconds);
                    }
                }
            }

            var summary = new HistoryResult
            {
                Rounds = options.Rounds,
                InstancesPerLength = Instances,
                Lengths = [.. lengths.Select(l => Summarize(l, timings[l]))],
                Server = settings,
            };
            Report(summary);
            return 0;
        }
        finally
        {
            if (!options.Keep)
            {
                await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
                await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }

    private static HistoryLength Summarize(int length, List<double> milliseconds)
    {
        milliseconds.Sort();
        double Percentile(double p) => milliseconds[Math.Min(milliseconds.Count - 1, (int)Math.Ceiling(p * milliseconds.Count) - 1)];
        return new HistoryLength
        {
            History = length,
            Commits = milliseconds.Count,
            MeanMs = milliseconds.Average(),
            P50Ms = Percentile(0.50),
            P95Ms = Percentile(0.95),
            P99Ms = Percentile(0.99),
        };
    }

    private void Report(HistoryResult result)
    {
        var shortest = result.Lengths[0];
        foreach (var length in result.Lengths)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"history {length.History,6}: {length.Commits} commits, mean {length.MeanMs:F3} ms ({length.MeanMs / shortest.MeanMs:F2}x), p50 {length.P50Ms:F3} ms ({length.P50Ms / shortest.P50Ms:F2}x), p95 {length.P95Ms:F3} ms, p99 {length.P99Ms:F3} ms"));
        }

        if (options.JsonPath is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(result, LoadResultContext.Default.HistoryResult));
        }
    }

    private static string InstanceId(int length, int index) => $"history-{length}-{index}";

    /// <summary>Puts every instance back at exactly its length (outside the timing).</summary>
    private async Task ResetAsync(NpgsqlDataSource dataSource, IReadOnlyList<int> lengths)
    {
        foreach (var length in lengths)
        {
            await using var reset = dataSource.CreateCommand($"""
                WITH removed AS (DELETE FROM "{_schema}".events WHERE stream_id = ANY($1) AND version > $2)
                UPDATE "{_schema}".streams SET version = $2 WHERE stream_id = ANY($1)
                """);
            reset.Parameters.Add(new NpgsqlParameter { Value = Enumerable.Range(0, Instances).Select(i => InstanceId(length, i)).ToArray() });
            reset.Parameters.Add(new NpgsqlParameter { Value = (long)length });
            await reset.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Vacuums and analyzes after the bulk load, and checkpoints, so that work does not run during the timing.</summary>
    private async Task SettleAsync(NpgsqlDataSource dataSource)
    {
        foreach (var table in new[] { "events", "streams", "work_items" })
        {
            await using var vacuum = dataSource.CreateCommand($"VACUUM (ANALYZE) \"{_schema}\".{table}");
            await vacuum.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        try
        {
            await using var checkpoint = dataSource.CreateCommand("CHECKPOINT");
            await checkpoint.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Only a superuser (or pg_checkpoint) may: the timing then shares the disk with the next checkpoint.
        }
    }

    /// <summary>Starts an instance (claimed at once with a long lease), then journals its history through the lease.</summary>
    private static async Task<WorkLease> CreateInstanceAsync(PostgresWorkflowStore store, string id, int length)
    {
        var now = TimeProvider.System.GetUtcNow();
        var started = await store.CommitAsync(new WorkflowCommit
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
        }).ConfigureAwait(false);
        if (started.Status != CommitStatus.Committed || started.Claimed.Count != 1)
        {
            throw new InvalidOperationException($"Starting '{id}' returned {started.Status} with {started.Claimed.Count} lease(s).");
        }

        var lease = started.Claimed[0];
        var version = started.StreamVersion;
        while (version < length)
        {
            var count = (int)Math.Min(AppendBatch, length - version);
            var events = new EventData[count];
            for (var e = 0; e < count; e++)
            {
                events[e] = new EventData(Guid.NewGuid(), "step.completed.v1", Payload);
            }

            var result = await store.CommitAsync(new WorkflowCommit
            {
                InstanceId = id,
                ExpectedVersion = ExpectedVersion.Exactly(version),
                Events = events,
                Lease = lease,
            }).ConfigureAwait(false);
            if (result.Status != CommitStatus.Committed)
            {
                throw new InvalidOperationException($"Journaling the history of '{id}' returned {result.Status}.");
            }

            version = result.StreamVersion;
        }

        return lease;
    }
}
