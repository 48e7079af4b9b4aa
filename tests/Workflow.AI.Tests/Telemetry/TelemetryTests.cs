using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Workflow.AI.Telemetry;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Definitions;
using Workflow.Steps;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Telemetry;

public sealed class TelemetryTests
{
    private const string Secret = "the-customer-password-is-hunter2";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Agent_Traces_ChatSpansWithUsage_AgentAndToolSpans_AndPromptsOnlyWhenTheHostOptsIn(bool sensitive)
    {
        var workflow = $"telemetry-{sensitive}-{Guid.NewGuid():N}";
        var model = "model-" + Guid.NewGuid().ToString("N");
        using var spans = new SpanCollector();
        var chat = new ScriptedChatClient().CallTool("lookup_order", new { orderId = "o-1" }).Reply("done", inputTokens: 30, outputTokens: 4);
        var definition = WorkflowDefinition.Create<string>(workflow)
            .Agent("support", q => q, new AgentOptions
            {
                Tools = [AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order")],
                ChatOptions = new ChatOptions { ModelId = model },
            })
            .Build();
        await using var env = await StartAsync(chat, definition, o => o.EnableSensitiveData = sensitive);

        await (await env.Client.StartAsync(definition, "Question: " + Secret, cancellationToken: Token)).GetResultAsync(Token).OrHang();

        var trace = spans.TraceOf(workflow);
        var chats = trace.Where(a => a.Source.Name == WorkflowAITelemetry.SourceName && a.DisplayName == "chat " + model).ToList();
        Assert.Equal(2, chats.Count);
        Assert.Equal("chat", chats[0].GetTagItem("gen_ai.operation.name"));
        Assert.Equal(30, chats[1].GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(4, chats[1].GetTagItem("gen_ai.usage.output_tokens"));
        var agent = Assert.Single(trace, a => a.DisplayName == "invoke_agent support");
        Assert.Equal("invoke_agent", agent.GetTagItem("gen_ai.operation.name"));
        var tool = Assert.Single(trace, a => a.DisplayName == "execute_tool lookup_order");
        Assert.Equal("lookup_order", tool.GetTagItem("gen_ai.tool.name"));
        Assert.Equal(agent.SpanId, chats[0].ParentSpanId);
        var leaked = trace.Any(a => a.TagObjects.Any(t => t.Value?.ToString()?.Contains(Secret, StringComparison.Ordinal) == true));
        Assert.Equal(sensitive, leaked);
    }

    [Fact]
    public async Task Metrics_TokenUsageUnderTheWorkflowAIMeter_AndReplayedCallsCounted()
    {
        var workflow = "metrics-" + Guid.NewGuid().ToString("N");
        var model = "model-" + Guid.NewGuid().ToString("N");
        var tokens = new List<(int Value, string? Type)>();
        long replayed = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WorkflowAITelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gen_ai.client.token.usage" && Tag(tags, "gen_ai.request.model") == model)
            {
                lock (tokens)
                {
                    tokens.Add((value, Tag(tags, "gen_ai.token.type")));
                }
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "workflow.ai.chat.replayed" && Tag(tags, "workflow.name") == workflow)
            {
                Interlocked.Add(ref replayed, value);
            }
        });
        listener.Start();
        var probe = new Probe();
        var chat = new ScriptedChatClient().Reply("a", inputTokens: 17, outputTokens: 3);
        var definition = WorkflowDefinition.Create<string>(workflow)
            .Then("call", async (q, context, ct) =>
            {
                var text = (await context.GetChatClient().GetResponseAsync(q, new ChatOptions { ModelId = model }, ct)).Text;
                return probe.Hit("attempt") == 1 ? throw new InvalidOperationException("again") : text;
            }, new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero, BackoffType = DelayBackoffType.Constant } })
            .Build();
        await using var env = await StartAsync(chat, definition);

        await (await env.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        lock (tokens)
        {
            Assert.Contains((17, "input"), tokens);
            Assert.Contains((3, "output"), tokens);
            Assert.Equal(2, tokens.Count);
        }

        Assert.Equal(1, Interlocked.Read(ref replayed));
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    /// <summary>Collects the spans of Workflow and Workflow.AI; tests pick theirs by the workflow's name (spans are
    /// process-wide, and other tests run at the same time).</summary>
    private sealed class SpanCollector : IDisposable
    {
        private readonly List<Activity> _stopped = [];
        private readonly ActivityListener _listener;

        public SpanCollector()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name is WorkflowAITelemetry.SourceName or "Workflow",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    lock (_stopped)
                    {
                        _stopped.Add(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> TraceOf(string workflow)
        {
            lock (_stopped)
            {
                var traces = _stopped.Where(a => a.GetTagItem("workflow.name") as string == workflow).Select(a => a.TraceId).ToHashSet();
                return [.. _stopped.Where(a => traces.Contains(a.TraceId))];
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
