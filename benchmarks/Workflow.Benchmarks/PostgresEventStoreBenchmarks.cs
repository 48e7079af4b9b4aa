using BenchmarkDotNet.Attributes;
using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Storage;

namespace Workflow.Benchmarks;

/// <summary>
/// Appends and global reads of the PostgreSQL event store, against the database of <c>WORKFLOW_TEST_POSTGRES</c> (in a
/// schema of its own, dropped afterwards). Each append operation writes <see cref="Events"/> events: events/s =
/// Events / mean. Every append is one round trip and one commit (<c>apply_commit</c>), so these figures sit beside the
/// pgbench commit rates in the PostgreSQL notes.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "GlobalCleanup disposes them.")]
public class PostgresEventStoreBenchmarks
{
    private const int Writers = 8;

    private readonly byte[] _payload = """{"orderId":"o-1042","amount":129.5,"currency":"EUR","lines":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}"""u8.ToArray();
    private NpgsqlDataSource _dataSource = null!;
    private PostgresEventStore _store = null!;
    private string _schema = null!;

    [Params(96)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set WORKFLOW_TEST_POSTGRES to an Npgsql connection string (./test.sh provisions one) to run the PostgreSQL benchmarks.");
        _schema = "bench_" + Guid.NewGuid().ToString("N");
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _store = new PostgresEventStore(_dataSource, new PostgresEventStoreOptions { Schema = _schema });
        await _store.MigrateAsync();

        // Something to read: 1,000 events in 10 streams.
        for (var i = 0; i < 10; i++)
        {
            await _store.AppendAsync("read-" + i, ExpectedVersion.NoStream, Batch(100));
        }
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

    /// <summary>One writer, one event per append (each a new stream): the commit rate of one connection.</summary>
    [Benchmark(Baseline = true)]
    public async Task SingleEventAppends()
    {
        for (var i = 0; i < Events; i++)
        {
            await _store.AppendAsync(Guid.NewGuid().ToString("N"), ExpectedVersion.NoStream, Batch(1));
        }
    }

    /// <summary>Eight writers at once, one event per append: commits of concurrent connections.</summary>
    [Benchmark]
    public Task SingleEventAppendsEightWriters() =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            for (var i = 0; i < Events / Writers; i++)
            {
                await _store.AppendAsync(Guid.NewGuid().ToString("N"), ExpectedVersion.NoStream, Batch(1));
            }
        }));

    /// <summary>The same events in one append (one commit).</summary>
    [Benchmark]
    public Task BatchAppend() => _store.AppendAsync(Guid.NewGuid().ToString("N"), ExpectedVersion.NoStream, Batch(Events)).AsTask();

    /// <summary>A page of 1,000 events of the global order, from the start.</summary>
    [Benchmark]
    public Task ReadAllPageOf1000() => _store.ReadAllAsync(EventStorePosition.Start, 1000).AsTask();

    private EventData[] Batch(int count)
    {
        var events = new EventData[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = new EventData(Guid.NewGuid(), "order.placed.v1", _payload);
        }

        return events;
    }
}
