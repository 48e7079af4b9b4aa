using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Storage.InMemory;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Steps;

/// <summary>An agent whose runtime is torn down in the middle of its run, finished by another runtime on the same
/// store, against a local OpenAI-protocol server through the real client library.</summary>
public sealed class AgentRecoveryTests
{
    [Fact]
    public async Task Crash_RuntimeTornDownBetweenTheSecondAndThirdModelCall_NewRuntimeFinishesWithoutRepeatingCompletedCalls()
    {
        await using var server = await LocalServer.StartAsync();
        server.Router = request => request.ToolResults switch
        {
            0 => OpenAIWire.ToolCall("call_1", "lookup_order", """{"orderId":"o-1"}"""),
            1 => OpenAIWire.ToolCall("call_2", "lookup_customer", """{"customerId":"c-9"}"""),
            _ => OpenAIWire.Text("Order o-1 of customer c-9 ships today."),
        };
        var probe = new Probe();
        var keys = new List<string>();
        var inSecondTool = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new InMemoryWorkflowStore(new FakeTimeProvider(TestHost.Epoch));

        // Node 1: runs the agent until it is inside the tool it called after its second model call, then is torn down.
        var node1 = await StartNodeAsync(store, Definition(probe, keys, inSecondTool), server, "node-1");
        await node1.Client.StartAsync(Definition(probe, keys, inSecondTool), "Where is o-1?", new StartWorkflowOptions { InstanceId = "agent-crash" }, Token);
        await inSecondTool.Task.OrHang();
        using (var deadline = new CancellationTokenSource())
        {
            await deadline.CancelAsync();
            await node1.StopAsync(deadline.Token).OrHang();
        }

        await node1.DisposeAsync();
        var requestsBeforeRecovery = server.Requests.Count;

        // Node 2: a fresh service provider and freshly built definitions on the same store.
        await using var node2 = await StartNodeAsync(store, Definition(probe, keys, inSecondTool), server, "node-2");
        var result = await node2.Client.GetResultAsync<AgentResult>("agent-crash", Token).OrHang();

        Assert.Equal("Order o-1 of customer c-9 ships today.", result.Answer);
        Assert.Equal(2, requestsBeforeRecovery);
        Assert.Equal(1, server.Requests.Count(r => r.ToolResults == 0));
        Assert.Equal(1, server.Requests.Count(r => r.ToolResults == 1));
        Assert.Equal(1, server.Requests.Count(r => r.ToolResults == 2));
        Assert.Equal(1, probe.Count("lookup_order"));
        Assert.Equal(2, probe.Count("lookup_customer"));
        Assert.Equal(["agent-crash/support/tool-2", "agent-crash/support/tool-2"], keys);
        Assert.Equal(3, result.Turns);
        var history = await node2.Client.GetHistoryAsync("agent-crash", Token);
        Assert.Equal(["chat-1", "tool-1", "chat-2", "tool-2", "chat-3"], history.OfType<StepSubResultRecordedEvent>().Select(e => e.Key));
        Assert.Single(history.OfType<StepCompletedEvent>());
    }

    private static WorkflowDefinition<string, AgentResult> Definition(Probe probe, List<string> keys, TaskCompletionSource inSecondTool) =>
        WorkflowDefinition.Create<string>("support-agent")
            .Agent("support", question => question, new AgentOptions
            {
                Instructions = "Answer questions about orders.",
                Tools =
                [
                    AIFunctionFactory.Create(
                        (string orderId) =>
                        {
                            probe.Hit("lookup_order");
                            return $"order {orderId}: customer c-9";
                        },
                        "lookup_order"),
                    AIFunctionFactory.Create(
                        async (string customerId, CancellationToken cancellationToken) =>
                        {
                            lock (keys)
                            {
                                keys.Add(ToolCallContext.Current!.IdempotencyKey);
                            }

                            if (probe.Hit("lookup_customer") == 1)
                            {
                                // The first node is torn down while it waits here.
                                inSecondTool.SetResult();
                                await Task.Delay(Timeout.Infinite, cancellationToken);
                            }

                            return $"customer {customerId}: ships today";
                        },
                        "lookup_customer"),
                ],
            })
            .Build();

    private static Task<TestHost> StartNodeAsync(InMemoryWorkflowStore store, WorkflowDefinition definition, LocalServer server, string nodeId) =>
        TestHost.StartAsync(
            b => b.AddWorkflow(definition).UseInMemoryStore(store).AddAI().AddOpenAI("openai", server),
            options: o => o.NodeId = nodeId,
            cancellationToken: Token);
}
