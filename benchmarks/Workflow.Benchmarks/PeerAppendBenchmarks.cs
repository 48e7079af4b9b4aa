using BenchmarkDotNet.Attributes;
using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Storage;

namespace Workflow.Benchmarks;

/// <summary>
/// Our event store in the shapes of the Marten benchmark (<c>Peers.Marten</c>), against the database of
/// <c>WORKFLOW_TEST_POSTGRES</c> (a schema of its own, dropped afterwards): every operation appends <see cref="Events"/>
/// events, each append to a new stream (<see cref="ExpectedVersion.NoStream"/>), so events/s = Events / mean for every
/// method. Ours runs with its defaults, on the same connection settings as Marten there: <c>No Reset On Close</c> (and
/// the automatic preparation Marten relies on; ours prepares its commands itself). With the plain connection string,
/// the reset Npgsql sends when a pooled connection is reused made ours' appends 1.4 to 3 times slower here.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "GlobalCleanup disposes them.")]
public class PeerAppendBenchmarks
{
    private const int Writers = 8;
    private const int BatchSize = 10;

    private readonly byte[] _payload = """{"orderId":"o-1042","amount":129.5,"currency":"EUR","lines":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}"""u8.ToArray();
    private NpgsqlDataSource _dataSource = null!;
    private PostgresEventStore _store = null!;
    private string _schema = null!;

    /// <summary>Events per operation: divisible by the 8 writers and by the batch size of 10.</summary>
    [Params(120)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set WORKFLOW_TEST_POSTGRES to an Npgsql connection string (./test.sh provisions one) to run the PostgreSQL benchmarks.");
        _schema = "bench_" + Guid.NewGuid().ToString("N");
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        }.ConnectionString);
        _store = new PostgresEventStore(_dataSource, new PostgresEventStoreOptions { Schema = _schema });
        await _store.MigrateAsync();
        await AppendAsync(1);
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
            await AppendAsync(1);
        }
    }

    /// <summary>Eight writers at once, one event per append.</summary>
    [Benchmark]
    public Task SingleEventAppendsEightWriters() =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            for (var i = 0; i < Events / Writers; i++)
            {
                await AppendAsync(1);
            }
        }));

    /// <summary>One writer, batches of 10 events per append (one commit each).</summary>
    [Benchmark]
    public async Task BatchOfTenAppends()
    {
        for (var i = 0; i < Events / BatchSize; i++)
        {
            await AppendAsync(BatchSize);
        }
    }

    private async Task AppendAsync(int count)
    {
        var events = new EventData[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = new EventData(Guid.NewGuid(), "order.placed.v1", _payload);
        }

        await _store.AppendAsync(Guid.NewGuid().ToString("N"), ExpectedVersion.NoStream, events);
    }
}
