using BenchmarkDotNet.Attributes;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Peers.Marten;

/// <summary>
/// Marten 9.58 event appends on the PostgreSQL of <c>WORKFLOW_TEST_POSTGRES</c> (a schema of its own, dropped
/// afterwards), in the shapes of <c>Workflow.Benchmarks.PeerAppendBenchmarks</c>: every operation appends
/// <see cref="Events"/> events, each append starting a new stream (Marten's <c>StartStream</c>, ours' <c>NoStream</c>),
/// so events/s = Events / mean for every method.
/// </summary>
/// <remarks>
/// Marten at its best settings for appends, and why they are fair:
/// <list type="bullet">
/// <item><c>EventAppendMode.Quick</c>: Marten's fast append path (one round trip, no pre-fetch of stream versions and
/// sequences); the timestamps come from the server, as ours.</item>
/// <item>Prepared statements through Npgsql's automatic preparation (<c>Max Auto Prepare</c>, <c>Auto Prepare Min
/// Usages=2</c>): Marten does not prepare its commands itself (ours prepares its commands explicitly).</item>
/// <item><c>No Reset On Close=true</c>: a pooled connection is not reset (<c>DISCARD ALL</c>) when returned, which would
/// also drop the prepared statements.</item>
/// <item>Lightweight sessions (no identity map, no dirty checking), string stream keys (ours are strings too), System.Text.Json
/// serialization, schema objects created before measuring, Npgsql logging off (the Marten 9 default).</item>
/// </list>
/// Marten serializes event objects itself while ours receives serialized payloads: that is each API's shape, and the
/// payload is the same JSON (about 110 bytes).
/// </remarks>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "GlobalCleanup disposes them.")]
public class MartenAppendBenchmarks
{
    private const int Writers = 8;
    private const int BatchSize = 10;

    private static readonly OrderLine[] Lines = [new("A-1", 2), new("B-7", 1)];
    private DocumentStore _store = null!;
    private string _connectionString = null!;
    private string _schema = null!;

    /// <summary>Events per operation: divisible by the 8 writers and by the batch size of 10.</summary>
    [Params(120)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set WORKFLOW_TEST_POSTGRES to an Npgsql connection string (./test.sh provisions one) to run the PostgreSQL benchmarks.");
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        }.ConnectionString;
        _schema = "marten_" + Guid.NewGuid().ToString("N");
        _store = DocumentStore.For(options =>
        {
            options.Connection(_connectionString);
            options.DatabaseSchemaName = _schema;
            options.AutoCreateSchemaObjects = AutoCreate.All;
            options.UseSystemTextJsonForSerialization();
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.Events.AppendMode = EventAppendMode.Quick;
            options.Events.AddEventType<OrderPlaced>();
        });
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await AppendAsync(1);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
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
        var events = new object[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = new OrderPlaced("o-1042", 129.5m, "EUR", Lines);
        }

        await using var session = _store.LightweightSession();
        session.Events.StartStream(Guid.NewGuid().ToString("N"), events);
        await session.SaveChangesAsync();
    }

    public sealed record OrderLine(string Sku, int Qty);

    public sealed record OrderPlaced(string OrderId, decimal Amount, string Currency, IReadOnlyList<OrderLine> Lines);
}
