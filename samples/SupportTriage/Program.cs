// SupportTriage: classify support tickets into a typed record, branch on it, let an agent with the tools of the
// support desk's MCP server (samples/SupportDesk.McpServer, started as a child process) draft the reply, and ask a
// person before a refund runs. Every model call and tool result is journaled.
// Run it with: dotnet run --project samples/SupportTriage
// It calls a real model when OPENAI_API_KEY (with OPENAI_BASE_URL and OPENAI_MODEL) or OLLAMA_URL (with OLLAMA_MODEL)
// is set, and a scripted local model otherwise.
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SupportTriage;
using Workflow.AI;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Mcp.Client;

#region ai-support-triage
var supportTriage = WorkflowDefinition.Create<Ticket>("support-triage")
    // 1. Classify into a typed record. The reply is validated against Triage's JSON schema; a reply that breaks it
    //    goes back to the model with the failing JSON path and rule, at most twice, before the step fails.
    .Extract("classify", "Classify this support ticket from {customer} about order {orderId}: {text}",
        new ExtractOptions { Instructions = "You triage the support tickets of an electronics shop." })
    .Into<Triage>()

    // 2. Refunds and deliveries go to an agent with the support desk's tools; questions get a drafted reply.
    .Branch("route",
        triage => triage.Category is TicketCategory.Refund or TicketCategory.Delivery,
        orders => orders
            .Agent("resolve",
                triage => $"Ticket ({triage.Category}, urgency {triage.Urgency}) about order {triage.OrderId}: {triage.Summary}",
                new AgentOptions
                {
                    Instructions = "Look the order up first. Refund a delivered order only when it arrived broken: "
                        + "the amount the customer asks for, or the order's total. For a late order, search the "
                        + "knowledge base for shipping times. End with the reply to the customer.",

                    // The tools of the "support-desk" MCP server (AddMcpClient below), listed when the step runs.
                    ToolSource = async (context, cancellationToken) =>
                    {
                        var desk = await context.Services.GetRequiredService<IMcpServers>().GetToolsAsync(SupportDesk.Name, cancellationToken);
                        var tools = desk.ToDictionary(tool => tool.Name);
                        return
                        [
                            tools["lookup_order"],
                            tools["search_knowledge_base"],

                            // A person approves or rejects each refund before it runs; a rejection is reported to the
                            // model. The model never sees the tool's idempotencyKey argument: each call gets its own.
                            new ApprovalRequiredAIFunction(new IdempotencyKeyAIFunction(tools["refund_order"], "idempotencyKey")),
                        ];
                    },
                    MaxTurns = 6,
                    TokenBudget = 20_000,
                    Stream = true,
                })
            .Then("answer", result => result.Answer),
        questions => questions
            .Prompt("reply", "Draft a short, friendly reply to this question about order {orderId}: {summary}",
                new PromptOptions { Stream = true }))
    .Build();
#endregion

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Workflow.AI", LogLevel.Information);

#region ai-providers
var workflows = builder.Services.AddWorkflows().AddWorkflow(supportTriage).AddAI();
var openAIKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
var ollamaUrl = Environment.GetEnvironmentVariable("OLLAMA_URL");
if (!string.IsNullOrEmpty(openAIKey))
{
    // OpenAI, Azure OpenAI (https://{resource}.openai.azure.com/openai/v1/), vLLM, LM Studio, Ollama's /v1 ...
    workflows.AddOpenAIProvider("openai", options =>
    {
        options.Endpoint = Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } url ? new Uri(url) : null;
        options.ApiKey = openAIKey;
        options.Model = Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini";
    });
}
else if (!string.IsNullOrEmpty(ollamaUrl))
{
    // Ollama's native API, through OllamaSharp.
    workflows.AddOllamaProvider("ollama", options =>
    {
        options.Endpoint = new Uri(ollamaUrl);
        options.Model = Environment.GetEnvironmentVariable("OLLAMA_MODEL") ?? "llama3.2";
    });
}
else
{
    // Any IChatClient the host registers is a provider: the one without a key is the default.
    builder.Services.AddChatClient(new ScriptedSupportModel());
}
#endregion

#region support-triage-mcp-client
// The support desk: an MCP server that is started as a child process on first use and speaks MCP over stdio.
workflows.AddMcpClient(SupportDesk.Name, options =>
{
    options.Command = "dotnet";
    options.Arguments.Add(builder.Configuration["SupportDesk:ServerDll"] ?? SupportDesk.DefaultServerDll());
    options.CallTimeout = TimeSpan.FromSeconds(30);
});
#endregion

Console.WriteLine(!string.IsNullOrEmpty(openAIKey) ? "Provider: OpenAI-compatible endpoint."
    : !string.IsNullOrEmpty(ollamaUrl) ? "Provider: Ollama."
    : "No provider configured (OPENAI_API_KEY or OLLAMA_URL): running on a scripted local model.");

using var host = builder.Build();
await host.StartAsync();
var client = host.Services.GetRequiredService<IWorkflowClient>();
var supportDesk = await host.Services.GetRequiredService<IMcpServers>().GetToolsAsync(SupportDesk.Name);
Console.WriteLine($"Tools of MCP server {SupportDesk.Name}: {string.Join(", ", supportDesk.Select(tool => tool.Name).Order(StringComparer.Ordinal))}");

Ticket[] tickets =
[
    new("T-1", "Ada", "A-1001", "A key of my new keyboard arrived broken, so I would keep it for a partial refund of 30 EUR."),
    new("T-2", "Grace", "A-1003", "My new laptop arrived broken. I want my money back."),
    new("T-3", "Alan", "A-1002", "Where are my wireless mice? They have not arrived yet."),
    new("T-4", "Edsger", "A-1004", "Does the USB-C cable charge a laptop at full speed?"),
];

var refunds = new List<string>();
foreach (var ticket in tickets)
{
    Console.WriteLine($"\n== {ticket.Id} from {ticket.Customer}: {ticket.Text}");
    var instance = await client.StartAsync(supportTriage, ticket, new StartWorkflowOptions { InstanceId = ticket.Id });
    await WatchAsync(instance);
    Console.WriteLine($"reply: {await instance.GetResultAsync()}");
    refunds.AddRange(await AgentToolCalls.ShowAsync(instance));
    var usage = await instance.GetTokenUsageAsync();
    Console.WriteLine($"usage: {usage.Total.ModelCalls} model call(s), {usage.Total.InputTokens} input and {usage.Total.OutputTokens} output tokens");
}

Console.WriteLine($"\nRefunds issued by {SupportDesk.Name}: {refunds.Count} ({string.Join(", ", refunds)})");
await host.StopAsync();

#region ai-watch
// Shows the reply's tokens as they arrive and answers approvals: refunds up to 100 EUR are approved, larger ones not.
static async Task WatchAsync(WorkflowHandle instance)
{
    var streaming = false;
    await foreach (var update in instance.WatchAsync())
    {
        if (streaming && update is not StepProgressUpdate)
        {
            Console.WriteLine();
            streaming = false;
        }

        switch (update)
        {
            case StepProgressUpdate { Data: ChatResponseUpdate { Text.Length: > 0 } delta }:
                Console.Write(delta.Text);
                streaming = true;
                break;
            case StepStreamResetUpdate:
                // The call was cut off and is retried: drop the text shown for it so far.
                Console.WriteLine(" [retrying]");
                break;
            case ApprovalRequestedEvent approval:
                var call = approval.Request.Deserialize<ToolCallApprovalRequest>(JsonSerializerOptions.Web)!;
                var amount = call.Arguments.TryGetProperty("amount", out var value) ? value.GetDecimal() : 0m;
                var approved = amount <= 100m;
                Console.WriteLine($"approval asked: {call.ToolName} {call.Arguments} -> {(approved ? "approved" : "rejected")}");
                await instance.AnswerApprovalAsync(approval.Path, approved, by: "support-lead",
                    comment: approved ? null : "Over 100 EUR: the item must be returned first.");
                break;
            case StepCompletedEvent step:
                Console.WriteLine($"step {step.StepPath} completed");
                break;
        }
    }
}
#endregion

/// <summary>The support desk's MCP server: samples/SupportDesk.McpServer, built next to this sample.</summary>
internal static class SupportDesk
{
    public const string Name = "support-desk";

    public static string DefaultServerDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(output.Parent!.Parent!.FullName, "SupportDesk.McpServer", output.Name, "SupportDesk.McpServer.dll");
    }
}
