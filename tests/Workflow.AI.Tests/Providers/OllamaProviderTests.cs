using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Providers;

/// <summary>The Ollama provider helper, through the real OllamaSharp client, against a local server that speaks
/// Ollama's native chat protocol.</summary>
public sealed class OllamaProviderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prompt_NativeChat_ReturnsTheTextAndRecordsUsage(bool stream)
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(OllamaWire.Text("Bonjour tout le monde", promptTokens: 11, completionTokens: 6));
        var definition = WorkflowDefinition.Create<string>("ollama-text-" + stream).Prompt("p", q => $"Say hello in {q}", new PromptOptions { Stream = stream }).Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOllama("ollama", server));
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "French", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("Bonjour tout le monde", result);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/chat", request.Path);
        Assert.Equal("llama-test", request.Body.GetProperty("model").GetString());
        Assert.Equal("Say hello in French", request.LastMessageText);
        Assert.Equal(new TokenUsage(11, 6, 17, 1), (await handle.GetTokenUsageAsync(Token)).Total);
    }

    [Fact]
    public async Task StreamCutMidway_CalledAgainWithinTheStep_TextAfterTheResetEqualsTheJournaledReply()
    {
        await using var server = await LocalServer.StartAsync();
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = OllamaWire.CutStream("Bonjour tout", cut.Task);
        server.Enqueue(
            async (context, request) =>
            {
                await watching.Task.WaitAsync(context.RequestAborted);
                await partial(context, request);
            },
            OllamaWire.Text("Bonjour tout le monde"));
        var definition = WorkflowDefinition.Create<string>("ollama-cut").Prompt("p", q => q, new PromptOptions { Stream = true }).Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOllama("ollama", server));
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "hello", new StartWorkflowOptions { InstanceId = "ollama-cut-1" }, Token);
        var watcher = StreamWatcher.Start(host.Client, handle.InstanceId, Token);
        await watcher.Subscribed.OrHang();
        watching.SetResult();
        await Poll.UntilAsync(() => watcher.TextOf("chat-1") == "Bonjour tout", "the watcher has the partial text", cancellationToken: Token);
        cut.SetResult();
        var result = await handle.GetResultAsync(Token).OrHang();
        await watcher.Completion.OrHang();

        Assert.Equal("Bonjour tout le monde", result);
        var sequence = watcher.Sequence("chat-1");
        var reset = sequence.ToList().LastIndexOf("|reset|");
        Assert.Equal(["Bonjour", " tout"], sequence.Take(reset));
        Assert.Equal(result, string.Concat(sequence.Skip(reset + 1)));
        var history = await handle.GetHistoryAsync(Token);
        var journaled = Assert.Single(history.OfType<StepSubResultRecordedEvent>());
        var text = journaled.Value.GetProperty("response").GetProperty("messages")[0].GetProperty("contents").EnumerateArray()
            .Where(c => c.GetProperty("$type").GetString() == "text").Select(c => c.GetProperty("text").GetString());
        Assert.Equal(result, string.Concat(text));
        Assert.Empty(history.OfType<StepAttemptFailedEvent>());
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Agent_NativeToolCall_RunsTheToolAndSendsItsResultBack()
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(
            OllamaWire.ToolCall("get_weather", new JsonObject { ["city"] = "Oslo", ["days"] = 2 }),
            OllamaWire.Text("Sunny in Oslo for two days."));
        var calls = new List<string>();
        var weather = AIFunctionFactory.Create(
            (string city, int days) =>
            {
                lock (calls)
                {
                    calls.Add($"{city}:{days}");
                }

                return $"sunny in {city}";
            },
            "get_weather");
        var definition = WorkflowDefinition.Create<string>("ollama-tools").Agent("agent", q => q, new AgentOptions { Tools = [weather] }).Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOllama("ollama", server));
        await using var _ = host;

        var result = await (await host.Client.StartAsync(definition, "weather in Oslo?", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Sunny in Oslo for two days.", result.Answer);
        Assert.Equal(["Oslo:2"], calls);
        Assert.Equal("get_weather", server.Requests[0].Body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Contains("sunny in Oslo", server.Requests[1].LastMessageText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500")]
    [InlineData("429")]
    [InlineData("malformed")]
    public async Task TransientFailure_IsRetried(string failure)
    {
        await using var server = await LocalServer.StartAsync();
        server.Enqueue(
            failure == "malformed" ? OllamaWire.MalformedJson() : OllamaWire.Status(int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture)),
            OllamaWire.Text("second time lucky"));
        var definition = WorkflowDefinition.Create<string>("ollama-retry-" + failure).Prompt("p", q => q).Build();
        var (host, _) = await ProviderHost.StartAsync(definition, b => b.AddOllama("ollama", server));
        await using var _ = host;

        Assert.Equal("second time lucky", await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Failover_FromOllamaToAnOpenAIEndpoint_WhenOllamaFails()
    {
        await using var ollama = await LocalServer.StartAsync();
        await using var openai = await LocalServer.StartAsync();
        ollama.Enqueue(OllamaWire.Status(503));
        openai.Enqueue(OpenAIWire.Text("answered by the OpenAI endpoint"));
        var definition = WorkflowDefinition.Create<string>("ollama-failover").Prompt("p", q => q).Build();
        var (host, _) = await ProviderHost.StartAsync(
            definition,
            b => b.AddOllama("local", ollama).AddOpenAI("cloud", openai).AddChatFailover("chain", "local", "cloud"),
            o =>
            {
                o.DefaultProvider = "chain";
                o.Resilience.MaxRetryAttempts = 0;
            });
        await using var _ = host;

        Assert.Equal("answered by the OpenAI endpoint", await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
    }

    [Theory]
    [InlineData(400, "model 'llama-test' not found", "model 'llama-test' not found")]
    [InlineData(401, "unauthorized", "401 (Unauthorized)")]
    public async Task BadRequest_IsNotRetriedNorFailedOver(int status, string message, string expected)
    {
        await using var ollama = await LocalServer.StartAsync();
        await using var openai = await LocalServer.StartAsync();
        ollama.Enqueue(OllamaWire.Status(status, message));
        var definition = WorkflowDefinition.Create<string>("ollama-" + status).Prompt("p", q => q).Build();
        var (host, _) = await ProviderHost.StartAsync(
            definition,
            b => b.AddOllama("local", ollama).AddOpenAI("cloud", openai).AddChatFailover("chain", "local", "cloud"),
            o => o.DefaultProvider = "chain");
        await using var _ = host;

        var error = await Assert.ThrowsAsync<WorkflowFailedException>(async () =>
            await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Contains(expected, error.Failure.Message, StringComparison.Ordinal);
        Assert.Single(ollama.Requests);
        Assert.Empty(openai.Requests);
    }
}
