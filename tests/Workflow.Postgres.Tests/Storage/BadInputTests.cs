using System.Text;
using System.Text.Json.Nodes;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

public sealed class BadInputTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commit_QuotesUnicodeAndOneMegabyteDocuments_ReadBackAsTheSameJsonValues()
    {
        var store = fixture.CreateStore();
        var id = "it's \"quoted\" \\ back'slash'; DROP TABLE events; -- ünïcødé ✓ 🚀 " + Guid.NewGuid();
        var name = "workflow 'name' \"with\" quotes ✓";
        var data = new JsonObject
        {
            ["blob"] = new string('x', 1024 * 1024),
            ["quote"] = "it's \"here\" ✓ 🚀",
            ["escapes"] = "tab\t newline\n backslash\\ unicode \u00e9 \u2028",
            ["nested"] = new JsonArray(1, 2.5, true, null, new JsonObject { ["k"] = "v" }),
        }.ToJsonString();
        var metadata = new JsonObject { ["trace"] = "ü'\"", ["big"] = new string('m', 1024 * 1024) }.ToJsonString();
        var events = new[]
        {
            new EventData(Guid.NewGuid(), "type 'with' \"quotes\" ✓.v1", Encoding.UTF8.GetBytes(data), Encoding.UTF8.GetBytes(metadata)),
            new EventData(Guid.NewGuid(), "empty.v1", ReadOnlyMemory<byte>.Empty),
            new EventData(Guid.NewGuid(), "scalar.v1", "\"just a string\""u8.ToArray(), "[]"u8.ToArray()),
        };
        var created = StoreClock.Now;

        var result = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = events,
            Instance = new WorkflowInstanceInfo { InstanceId = id, WorkflowName = name, WorkflowVersion = 3, Status = WorkflowStatus.Running, CreatedAt = created, UpdatedAt = created },
            Schedule = [new ScheduledWork(id, claimFor: new LeaseRequest("node 'a' ✓", TimeSpan.FromMinutes(1)))],
        }, Token);
        var read = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        var info = await store.GetInstanceAsync(id, Token);
        var page = await store.QueryInstancesAsync(new WorkflowInstanceQuery { WorkflowName = name }, Token);

        Assert.Equal(CommitStatus.Committed, result.Status);
        Assert.Equal("node 'a' ✓", Assert.Single(result.Claimed).OwnerId);
        Assert.Equal(3, read.Count);
        Assert.All(read, e => Assert.Equal(id, e.StreamId));
        Assert.Equal(events.Select(e => e.EventId), read.Select(e => e.EventId));
        Assert.Equal(events.Select(e => e.Type), read.Select(e => e.Type));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(data), JsonNode.Parse(read[0].Data.Span)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(metadata), JsonNode.Parse(read[0].Metadata.Span)));
        Assert.True(read[1].Data.IsEmpty);
        Assert.True(read[1].Metadata.IsEmpty);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("\"just a string\""), JsonNode.Parse(read[2].Data.Span)));
        Assert.True(JsonNode.DeepEquals(new JsonArray(), JsonNode.Parse(read[2].Metadata.Span)));
        Assert.Equal(name, info!.WorkflowName);
        Assert.Equal(created, info.CreatedAt);
        Assert.Equal(id, Assert.Single(page.Instances).InstanceId);
    }

    [Fact]
    public async Task Commit_WrongVersion_ConflictsAndWritesNothing()
    {
        var store = fixture.CreateStore();
        var id = "conflict-" + Guid.NewGuid();
        var other = "conflict-wake-" + Guid.NewGuid();
        await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event(), Event()] }, Token);

        var result = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = [Event()],
            Instance = new WorkflowInstanceInfo { InstanceId = id, WorkflowName = "never", WorkflowVersion = 1, Status = WorkflowStatus.Failed, CreatedAt = StoreClock.Now, UpdatedAt = StoreClock.Now },
            Schedule = [new ScheduledWork(id), new ScheduledWork(other)],
        }, Token);

        Assert.Equal(CommitStatus.VersionConflict, result.Status);
        Assert.Equal(2, result.StreamVersion);
        Assert.Empty(result.Claimed);
        Assert.Equal(2L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE stream_id = $1", id));
        Assert.Equal(2L, await fixture.ScalarAsync<long>($"SELECT version FROM \"{fixture.Schema}\".streams WHERE stream_id = $1", id));
        Assert.Null(await store.GetInstanceAsync(id, Token));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".work_items WHERE instance_id IN ($1, $2)", id, other));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"unterminated\": ")]
    [InlineData("{\"nul\": \"\\u0000\"}")]
    public async Task Commit_DataThatJsonbRejects_ThrowsArgumentExceptionAndWritesNothing(string payload)
    {
        var store = fixture.CreateStore();
        var id = "bad-json-" + Guid.NewGuid();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [Event(), new EventData(Guid.NewGuid(), "bad.v1", Encoding.UTF8.GetBytes(payload))],
            Schedule = [new ScheduledWork(id)],
        }, Token));

        Assert.Contains("JSON", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".streams WHERE stream_id = $1", id));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".work_items WHERE instance_id = $1", id));
    }

    [Fact]
    public async Task Commit_NulCharacterInText_ThrowsArgumentExceptionBeforeSending()
    {
        var store = fixture.CreateStore();

        var inId = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.CommitAsync(new WorkflowCommit { InstanceId = "nul\0id", Events = [Event()] }, Token));
        var inType = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.CommitAsync(new WorkflowCommit { InstanceId = "nul-type", Events = [new EventData(Guid.NewGuid(), "t\0", "{}"u8.ToArray())] }, Token));

        Assert.Contains("NUL", inId.Message, StringComparison.Ordinal);
        Assert.Contains("NUL", inType.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ReadStreamAsync("nul\0id", 1, ReadDirection.Forward, 10, Token));
        Assert.Null(await store.GetInstanceAsync("nul\0id", Token));
    }

    [Fact]
    public async Task Commit_InstanceIdsUpToTheLimit_AreStoredAndLongerOnesRefusedWithTheLimit()
    {
        var store = fixture.CreateStore();

        // Random text does not compress: the index entries really are this long.
        var longest = string.Concat(Enumerable.Range(0, 32).Select(_ => Guid.NewGuid().ToString("N")));
        var tooLong = longest + "é";
        var stored = await store.CommitAsync(new WorkflowCommit { InstanceId = longest, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()], Schedule = [new ScheduledWork(longest)] }, Token);
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.CommitAsync(new WorkflowCommit { InstanceId = tooLong, Events = [Event()] }, Token));

        Assert.Equal(1024, longest.Length);
        Assert.Equal(CommitStatus.Committed, stored.Status);
        Assert.Single(await store.ReadStreamAsync(longest, 1, ReadDirection.Forward, 10, Token));
        Assert.Contains("1026 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ReadStreamAsync(tooLong, 1, ReadDirection.Forward, 10, Token));
        Assert.Null(await store.GetInstanceAsync(tooLong, Token));
    }

    [Fact]
    public async Task Commit_LeaseOfAnotherInstance_ThrowsArgumentException()
    {
        var store = fixture.CreateStore();
        var lease = new WorkLease(1, "someone-else", "node", 1, StoreClock.Now);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.CommitAsync(new WorkflowCommit { InstanceId = "mine", Lease = lease }, Token));
    }

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{\"n\":1}"u8.ToArray());
}
