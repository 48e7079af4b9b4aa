using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class ClientTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WorkflowDefinition<Order, string> Definition(string name = "orders", int version = 1) =>
        WorkflowDefinition.Create<Order>(name, version).Then("confirm", o => $"{o.Id}:{o.Quantity}:v{version}").Build();

    [Fact]
    public async Task Start_SameIdSameDefinitionAndInput_ReturnsTheExistingInstance()
    {
        var definition = Definition();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var options = new StartWorkflowOptions { InstanceId = "order-1" };

        var first = await host.Client.StartAsync(definition, new Order("a", 1), options, Token);
        await first.GetResultAsync(Token).OrHang();
        var again = await host.Client.StartAsync(definition, new Order("a", 1), options, Token);

        Assert.Equal("order-1", again.InstanceId);
        Assert.Equal("a:1:v1", await again.GetResultAsync(Token).OrHang());
        Assert.Single((await again.GetHistoryAsync(Token)).OfType<WorkflowStartedEvent>());
    }

    [Fact]
    public async Task Start_SameIdOtherInputOrVersion_ThrowsATypedConflictAndWritesNothing()
    {
        var v1 = Definition();
        var v2 = Definition(version: 2);
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(v1).AddWorkflow(v2), cancellationToken: Token);
        var options = new StartWorkflowOptions { InstanceId = "order-2" };
        var first = await host.Client.StartAsync(v1, new Order("a", 1), options, Token);
        var before = (await first.GetHistoryAsync(Token)).Count;

        var otherInput = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => host.Client.StartAsync(v1, new Order("a", 2), options, Token));
        var otherVersion = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => host.Client.StartAsync(v2, new Order("a", 1), options, Token));

        Assert.Equal("order-2", otherInput.InstanceId);
        Assert.Equal("orders", otherInput.WorkflowName);
        Assert.Equal(1, otherVersion.WorkflowVersion);
        Assert.Contains("Use a new instance id", otherInput.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await first.GetHistoryAsync(Token)).Count(e => e.Position <= before));
        Assert.Single((await first.GetHistoryAsync(Token)).OfType<WorkflowStartedEvent>());
    }

    [Fact]
    public async Task StartByName_WithJsonInput_RunsTheNewestVersionOrTheOneAskedFor()
    {
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()).AddWorkflow(Definition(version: 2)), cancellationToken: Token);
        var input = JsonSerializer.SerializeToElement(new { id = "j", quantity = 3 });

        var newest = await host.Client.StartAsync("orders", null, input, cancellationToken: Token);
        var first = await host.Client.StartAsync("orders", 1, input, cancellationToken: Token);

        Assert.Equal("j:3:v2", await newest.GetResultAsync<string>(Token).OrHang());
        Assert.Equal("j:3:v1", await first.GetResultAsync<string>(Token).OrHang());
        Assert.Equal(2, (await newest.GetInfoAsync(Token)).WorkflowVersion);
    }

    [Fact]
    public async Task StartByName_UnknownNameOrVersion_ThrowsListingWhatIsRegistered()
    {
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()), cancellationToken: Token);
        var input = JsonSerializer.SerializeToElement(new { id = "j", quantity = 3 });

        var unknownName = await Assert.ThrowsAsync<WorkflowDefinitionNotFoundException>(() => host.Client.StartAsync("nope", null, input, cancellationToken: Token));
        var unknownVersion = await Assert.ThrowsAsync<WorkflowDefinitionNotFoundException>(() => host.Client.StartAsync("orders", 9, input, cancellationToken: Token));

        Assert.Contains("'nope'", unknownName.Message, StringComparison.Ordinal);
        Assert.Contains("Registered: orders@1", unknownName.Message, StringComparison.Ordinal);
        Assert.Equal(9, unknownVersion.WorkflowVersion);
    }

    [Fact]
    public async Task StartByName_InputThatDoesNotFit_ThrowsNamingThePathAndStartsNothing()
    {
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()), cancellationToken: Token);
        var input = JsonSerializer.SerializeToElement(new { id = "j", quantity = "three" });

        var exception = await Assert.ThrowsAsync<WorkflowSerializationException>(() =>
            host.Client.StartAsync("orders", null, input, new StartWorkflowOptions { InstanceId = "bad-input" }, Token));

        Assert.Contains("does not fit workflow 'orders' (expected Order) at $.quantity", exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => host.Client.GetInstanceAsync("bad-input", Token));
    }

    [Fact]
    public async Task Start_UnregisteredDefinition_Throws()
    {
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()), cancellationToken: Token);

        await Assert.ThrowsAsync<WorkflowDefinitionNotFoundException>(() => host.Client.StartAsync(Definition("other"), new Order("a", 1), cancellationToken: Token));
    }

    [Fact]
    public async Task Start_InvalidInstanceId_Throws()
    {
        var definition = Definition();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        await Assert.ThrowsAsync<ArgumentException>(() => host.Client.StartAsync(definition, new Order("a", 1), new StartWorkflowOptions { InstanceId = "bad\nid" }, Token));
        await Assert.ThrowsAsync<ArgumentException>(() => host.Client.StartAsync(definition, new Order("a", 1), new StartWorkflowOptions { InstanceId = new string('x', 201) }, Token));
    }

    [Fact]
    public async Task UnknownInstance_EveryOperation_ThrowsNotFound()
    {
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition()), cancellationToken: Token);
        var client = host.Client;

        var cancel = await Assert.ThrowsAsync<WorkflowNotFoundException>(() => client.CancelAsync("missing", cancellationToken: Token));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => client.GetInstanceAsync("missing", Token));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => client.GetHistoryAsync("missing", Token));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => client.WaitForCompletionAsync("missing", Token));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(async () =>
        {
            await foreach (var _ in client.WatchAsync("missing", cancellationToken: Token))
            {
            }
        });

        Assert.Equal("missing", cancel.InstanceId);
    }

    [Fact]
    public async Task Cancel_RunningInstance_CancelsTheStepTokenAndEndsCanceled()
    {
        var probe = new Probe();
        probe.Close("never");
        var definition = WorkflowDefinition.Create<int>("cancel")
            .Then("wait", async (x, context, ct) =>
            {
                probe.Hit("started");
                try
                {
                    await probe.WaitAsync("never", ct);
                }
                catch (OperationCanceledException)
                {
                    probe.Hit("token-canceled");
                    throw;
                }

                return x;
            })
            .Then("never", x => x)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Poll.UntilAsync(() => probe.Count("started") == 1, "the step runs", cancellationToken: Token);

        await handle.CancelAsync("customer changed their mind", Token);
        var canceled = await Assert.ThrowsAsync<WorkflowCanceledException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("customer changed their mind", canceled.Reason);
        Assert.Equal(1, probe.Count("token-canceled"));
        var info = await handle.GetInfoAsync(Token);
        Assert.Equal(WorkflowStatus.Canceled, info.Status);
        Assert.NotNull(info.CompletedAt);
        Assert.Equal(
            ["workflow.started.v1", "workflow.cancel_requested.v1", "workflow.canceled.v1"],
            (await handle.GetHistoryAsync(Token)).Select(e => e.EventType));
    }

    [Fact]
    public async Task Cancel_AppendedBehindTheRuntimesBack_IsFoldedWhenItsNextCommitConflicts()
    {
        var probe = new Probe();
        probe.Close("release");
        var definition = WorkflowDefinition.Create<int>("conflict")
            .Then("first", async (x, context, ct) =>
            {
                probe.Hit("first");
                await probe.WaitAsync("release", CancellationToken.None);
                return x;
            })
            .Then("second", x =>
            {
                probe.Hit("second");
                return x;
            })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, 1, new StartWorkflowOptions { InstanceId = "conflict-1" }, Token);
        await Poll.UntilAsync(() => probe.Count("first") == 1, "'first' runs", cancellationToken: Token);

        // Another node's client appends a cancel request straight to the store: this runtime is not told.
        await host.Store.CommitAsync(new Workflow.Storage.WorkflowCommit
        {
            InstanceId = "conflict-1",
            Events = [Workflow.Runtime.Journal.JournalCodec.EncodeCancelRequested(Guid.NewGuid(), "from elsewhere")],
        }, Token);
        probe.Open("release");
        var canceled = await Assert.ThrowsAsync<WorkflowCanceledException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("from elsewhere", canceled.Reason);
        Assert.Equal(0, probe.Count("second"));
        Assert.Equal(
            ["workflow.started.v1", "workflow.cancel_requested.v1", "step.completed.v1", "workflow.canceled.v1"],
            (await handle.GetHistoryAsync(Token)).Select(e => e.EventType));
    }

    [Fact]
    public async Task Cancel_CompletedInstance_DoesNothing()
    {
        var definition = Definition();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, new Order("a", 1), cancellationToken: Token);
        await handle.GetResultAsync(Token).OrHang();
        var before = await handle.GetHistoryAsync(Token);

        await handle.CancelAsync(cancellationToken: Token);

        Assert.Equal(before.Count, (await handle.GetHistoryAsync(Token)).Count);
        Assert.Equal(WorkflowStatus.Completed, (await handle.GetInfoAsync(Token)).Status);
    }

    [Fact]
    public async Task Query_ByDefinitionAndStatus_PagesNewestFirst()
    {
        var ok = Definition("query-ok");
        var failing = WorkflowDefinition.Create<int>("query-failing")
            .Then<int>("boom", (x, context, ct) => throw new StepFailedException("Boom", "boom") { NonRetryable = true })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(ok).AddWorkflow(failing), cancellationToken: Token);
        for (var i = 0; i < 5; i++)
        {
            host.Clock.Advance(TimeSpan.FromSeconds(1));
            await (await host.Client.StartAsync(ok, new Order($"o{i}", i), new StartWorkflowOptions { InstanceId = $"q-{i}" }, Token)).GetResultAsync(Token).OrHang();
        }

        var failed = await host.Client.StartAsync(failing, 1, new StartWorkflowOptions { InstanceId = "q-failed" }, Token);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => failed.GetResultAsync<int>(Token).OrHang());

        var firstPage = await host.Client.QueryAsync(new WorkflowInstanceQuery { WorkflowName = "query-ok", PageSize = 3 }, Token);
        var secondPage = await host.Client.QueryAsync(new WorkflowInstanceQuery { WorkflowName = "query-ok", PageSize = 3, ContinuationToken = firstPage.ContinuationToken }, Token);
        var failedOnly = await host.Client.QueryAsync(new WorkflowInstanceQuery { Status = WorkflowStatus.Failed }, Token);

        Assert.Equal(["q-4", "q-3", "q-2"], firstPage.Instances.Select(i => i.InstanceId));
        Assert.Equal(["q-1", "q-0"], secondPage.Instances.Select(i => i.InstanceId));
        Assert.Null(secondPage.ContinuationToken);
        Assert.All(firstPage.Instances, i => Assert.Equal(WorkflowStatus.Completed, i.Status));
        Assert.Equal(["q-failed"], failedOnly.Instances.Select(i => i.InstanceId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.Client.QueryAsync(new WorkflowInstanceQuery { PageSize = 5000 }, Token));
    }

    [Fact]
    public async Task Watch_FromAPosition_ResumesWithTheRemainingEventsAndEndsWithTheInstance()
    {
        var definition = WorkflowDefinition.Create<int>("watch")
            .Then("a", x => x + 1).Then("b", x => x + 1).Then("c", x => x + 1)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, 0, cancellationToken: Token);
        await handle.GetResultAsync(Token).OrHang();

        var all = new List<WorkflowHistoryEvent>();
        await foreach (var update in handle.WatchAsync(cancellationToken: Token))
        {
            all.Add(Assert.IsAssignableFrom<WorkflowHistoryEvent>(update));
        }

        var resumed = new List<long>();
        await foreach (var update in handle.WatchAsync(fromPosition: 3, Token))
        {
            resumed.Add(((WorkflowHistoryEvent)update).Position);
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L], all.Select(e => e.Position));
        Assert.True(all[^1].IsTerminal);
        Assert.Equal([3L, 4L, 5L], resumed);
    }

    public sealed record Order(string Id, int Quantity);
}
