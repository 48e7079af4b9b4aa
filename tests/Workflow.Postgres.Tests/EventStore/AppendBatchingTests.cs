using Workflow.Exceptions;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

/// <summary>Group commit of concurrent appends: shared transactions, and each append's own outcome.</summary>
public sealed class AppendBatchingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private const int Concurrent = 300;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentAppendsToNewStreams_ShareTransactions_AndOnlyTheSecondOfEachPairConflicts()
    {
        var store = Create(fixture);
        var streams = Enumerable.Range(0, Concurrent).Select(_ => NewStream("group")).ToArray();

        var appends = streams.Concat(streams)
            .Select(id => store.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token).AsTask())
            .ToArray();
        var outcomes = await Task.WhenAll(appends.Select(async a => (Error: await Record.ExceptionAsync(() => a), Task: a)));

        Assert.True(store.SharedAppendBatches > 0, "No transaction carried more than one append.");
        for (var i = 0; i < Concurrent; i++)
        {
            var pair = new[] { outcomes[i].Error, outcomes[i + Concurrent].Error };
            Assert.Single(pair, e => e is null);
            Assert.IsType<WorkflowConcurrencyException>(Assert.Single(pair, e => e is not null));
            Assert.Single(await store.ReadStreamAsync(streams[i], 1, ReadDirection.Forward, 10, Token));
        }
    }

    [Fact]
    public async Task OneAppendOfDataThatIsNotJson_AmongConcurrentAppends_FailsAloneAndWritesNothing()
    {
        var store = Create(fixture);
        var streams = Enumerable.Range(0, Concurrent).Select(_ => NewStream("group-bad")).ToArray();
        const int Bad = Concurrent / 2;

        var appends = streams
            .Select((id, i) => store.AppendAsync(id, ExpectedVersion.NoStream, [i == Bad ? Event(json: "{oops") : Event()], Token).AsTask())
            .ToArray();

        await Assert.ThrowsAsync<ArgumentException>(() => appends[Bad]);
        var others = await Task.WhenAll(appends.Where((_, i) => i != Bad));
        Assert.All(others, r => Assert.Equal(1, r.StreamVersion));
        Assert.True(store.SharedAppendBatches > 0, "No transaction carried more than one append.");
        Assert.Empty(await store.ReadStreamAsync(streams[Bad], 1, ReadDirection.Forward, 10, Token));
    }
}
