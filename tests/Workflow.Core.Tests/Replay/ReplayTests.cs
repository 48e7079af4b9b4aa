using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Storage;
using Workflow.Storage.InMemory;
using Workflow.Telemetry;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Replay;

/// <summary>Recorded histories, committed under Replay/Histories, replayed on the current definitions.</summary>
public sealed class ReplayTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WorkflowDefinition<Order, string> Definition(Probe probe) =>
        WorkflowDefinition.Create<Order>("replay-order")
            .Then("price", o =>
            {
                probe.Hit("price");
                return o.Quantity * 20;
            })
            .Branch("route", price => price > 10,
                premium => premium.Then("premium", price =>
                {
                    probe.Hit("premium");
                    return $"premium:{price}";
                }),
                standard => standard.Then("standard", price =>
                {
                    probe.Hit("standard");
                    return $"standard:{price}";
                }))
            .Then("label", text =>
            {
                probe.Hit("label");
                return text.ToUpperInvariant();
            })
            .Build();

    [Fact]
    public async Task RecordedHistory_ReplaysTheJournaledStepsAndArmAndRunsOnlyWhatIsLeft()
    {
        var probe = new Probe();
        var store = new InMemoryWorkflowStore();
        var instanceId = await LoadAsync(store, "order-priced-and-routed.json");

        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition(probe)).UseInMemoryStore(store), cancellationToken: Token);
        var result = await host.Client.GetResultAsync<string>(instanceId, Token).OrHang();

        Assert.Equal("STANDARD:40", result);
        Assert.Equal(0, probe.Count("price"));
        Assert.Equal(0, probe.Count("premium"));
        Assert.Equal(0, probe.Count("standard"));
        Assert.Equal(1, probe.Count("label"));
        Assert.Equal(["price", "route/standard", "label"], (await host.Client.GetHistoryAsync(instanceId, Token)).OfType<StepCompletedEvent>().Select(e => e.StepPath));
    }

    [Fact]
    public async Task RecordedHistory_ThatNoLongerFitsTheDefinition_LeavesTheInstanceWaitingAndReportsIt()
    {
        var probe = new Probe();
        var logs = new CapturingLoggerProvider();
        var store = new InMemoryWorkflowStore();
        var instanceId = await LoadAsync(store, "order-unknown-arm.json");

        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(Definition(probe)).UseInMemoryStore(store), logs: logs, cancellationToken: Token);
        await Poll.UntilAsync(() => logs.Contains(WorkflowEventId.Nondeterminism), "the runtime reports the mismatch", cancellationToken: Token);

        var entry = logs.Entries.First(e => e.EventId.Id == WorkflowEventId.Nondeterminism);
        Assert.Contains("arm 'express' of 'route'", entry.Exception!.Message, StringComparison.Ordinal);
        Assert.Equal(WorkflowStatus.Running, (await host.Client.GetInstanceAsync(instanceId, Token)).Status);
        Assert.Equal(0, probe.Count("premium") + probe.Count("standard") + probe.Count("label"));
        Assert.Equal(3, (await host.Client.GetHistoryAsync(instanceId, Token)).Count);
    }

    /// <summary>Writes a recorded history into a store as a runnable instance.</summary>
    private static async Task<string> LoadAsync(IWorkflowStore store, string file)
    {
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Replay", "Histories", file), Token));
        var root = json.RootElement;
        var instanceId = root.GetProperty("instanceId").GetString()!;
        var events = root.GetProperty("events").EnumerateArray()
            .Select(e => new EventData(Guid.NewGuid(), e.GetProperty("type").GetString()!, JsonSerializer.SerializeToUtf8Bytes(e.GetProperty("data"))))
            .ToList();
        var result = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = instanceId,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = events,
            Schedule = [new ScheduledWork(instanceId)],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = instanceId,
                WorkflowName = root.GetProperty("workflow").GetString()!,
                WorkflowVersion = root.GetProperty("version").GetInt32(),
                Status = WorkflowStatus.Running,
                CreatedAt = TestHost.Epoch,
                UpdatedAt = TestHost.Epoch,
            },
        }, Token);
        Assert.Equal(CommitStatus.Committed, result.Status);
        return instanceId;
    }

    public sealed record Order(string Id, int Quantity);
}
