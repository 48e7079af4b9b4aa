using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Steps;

public sealed class ExtractStepTests
{
    private const string Valid = """{"category":"billing","priority":"High","urgency":3,"summary":"double charge"}""";

    public static TheoryData<string, string, string, string> SchemaViolations => new()
    {
        { "missing required property", """{"category":"billing","priority":"High","urgency":3}""", "$.summary", "required" },
        { "wrong type", """{"category":"billing","priority":"High","urgency":"3","summary":"s"}""", "$.urgency", "type" },
        { "enum value outside the set", """{"category":"billing","priority":"Urgent","urgency":3,"summary":"s"}""", "$.priority", "enum" },
        { "number out of range", """{"category":"billing","priority":"High","urgency":9,"summary":"s"}""", "$.urgency", "maximum" },
        { "unexpected property", """{"category":"billing","priority":"High","urgency":3,"summary":"s","team":"payments"}""", "$.team", "additionalProperties" },
    };

    [Theory]
    [MemberData(nameof(SchemaViolations))]
    public async Task Extract_ReplyBreaksTheSchema_RepairPromptNamesThePathAndRule_RepairedValueIsTheOutput(string violation, string badReply, string path, string rule)
    {
        var model = new ScriptedChatClient().Reply(badReply).Reply(Valid);
        var definition = WorkflowDefinition.Create<string>("extract-" + rule.ToLowerInvariant())
            .Extract("triage", ticket => $"Triage this ticket: {ticket}").Into<Triage>()
            .Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "I was charged twice", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal(new Triage("billing", Priority.High, 3, "double charge"), result);
        Assert.Equal(2, model.CallCount);
        var repair = model.Calls[1].LastUserText;
        Assert.Contains($"at {path} (rule: {rule})", repair, StringComparison.Ordinal);
        Assert.Equal(badReply, model.Calls[1].Messages[^2].Text);
        Assert.False(string.IsNullOrEmpty(violation));
    }

    [Fact]
    public async Task Extract_RepairPrompt_SaysWhatWouldBeRight()
    {
        var model = new ScriptedChatClient()
            .Reply("""{"category":"billing","priority":"Urgent","urgency":9,"team":"x"}""")
            .Reply(Valid);
        var definition = WorkflowDefinition.Create<string>("extract-explained").Extract("triage", t => t).Into<Triage>().Build();
        await using var env = await StartAsync(model, definition);

        await (await env.Client.StartAsync(definition, "t", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        var repair = model.Calls[1].LastUserText;
        Assert.Contains("the required property 'summary' is missing", repair, StringComparison.Ordinal);
        Assert.Contains("\"Urgent\" is not one of the allowed values \"Low\", \"Medium\", \"High\"", repair, StringComparison.Ordinal);
        Assert.Contains("the value is 9", repair, StringComparison.Ordinal);
        Assert.Contains("the property 'team' is not allowed; the allowed properties are: category, priority, urgency, summary", repair, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_NestedViolation_PathLeadsToTheArrayItem()
    {
        var model = new ScriptedChatClient()
            .Reply("""{"orderId":"o-1","lines":[{"sku":"a","quantity":1},{"sku":"b","quantity":0}]}""")
            .Reply("""{"orderId":"o-1","lines":[{"sku":"a","quantity":1},{"sku":"b","quantity":2}]}""");
        var definition = WorkflowDefinition.Create<string>("extract-nested").Extract("order", t => t).Into<Order>().Build();
        await using var env = await StartAsync(model, definition);

        var order = await (await env.Client.StartAsync(definition, "t", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal(2, order.Lines[1].Quantity);
        Assert.Contains("at $.lines[1].quantity (rule: minimum)", model.Calls[1].LastUserText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_ReplyIsNotJson_AsksForJsonAgain_FencedJsonIsAccepted()
    {
        var model = new ScriptedChatClient().Reply("Sure! The category is billing.").Reply("```json\n" + Valid + "\n```");
        var definition = WorkflowDefinition.Create<string>("extract-not-json").Extract("triage", t => t).Into<Triage>().Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "t", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("billing", result.Category);
        Assert.Contains("at $ (rule: json): the reply is not valid JSON", model.Calls[1].LastUserText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_StillInvalidAfterTheLastRepair_FailsForGoodWithTheViolationsInTheDetails()
    {
        var bad = """{"category":"billing","priority":"Urgent","urgency":3,"summary":"s"}""";
        var model = new ScriptedChatClient().Reply(bad).Reply(bad);
        var definition = WorkflowDefinition.Create<string>("extract-fails")
            .Extract("triage", t => t, new ExtractOptions { MaxRepairAttempts = 1 }).Into<Triage>()
            .Build();
        await using var env = await StartAsync(model, definition);

        var handle = await env.Client.StartAsync(definition, "t", cancellationToken: Token);
        var error = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(2, model.CallCount);
        Assert.Equal(AIErrorTypes.StructuredOutputInvalid, error.Failure.ErrorType);
        Assert.True(error.Failure.NonRetryable);
        Assert.Contains("after 2 attempt(s), at $.priority (rule: enum).", error.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Urgent", error.Failure.Message, StringComparison.Ordinal);
        using var details = JsonDocument.Parse(error.Failure.Details!);
        var violation = details.RootElement.GetProperty("violations")[0];
        Assert.Equal("$.priority", violation.GetProperty("path").GetString());
        Assert.Equal("enum", violation.GetProperty("keyword").GetString());
        Assert.StartsWith("\"Urgent\" is not one of the allowed values", violation.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(bad, details.RootElement.GetProperty("lastReply").GetString());
        Assert.Equal(2, details.RootElement.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Extract_SendsTheSchemaAsResponseFormatAndInTheInstructions()
    {
        var model = new ScriptedChatClient().Reply(Valid);
        var definition = WorkflowDefinition.Create<string>("extract-format")
            .Extract("triage", t => t, new ExtractOptions { Instructions = "You triage support tickets." }).Into<Triage>()
            .Build();
        await using var env = await StartAsync(model, definition);

        await (await env.Client.StartAsync(definition, "t", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        var call = model.Calls.Single();
        var format = Assert.IsType<Microsoft.Extensions.AI.ChatResponseFormatJson>(call.Options!.ResponseFormat);
        Assert.Equal("Triage", format.SchemaName);
        Assert.False(format.Schema!.Value.GetProperty("additionalProperties").GetBoolean());
        Assert.StartsWith("You triage support tickets.", call.Messages[0].Text, StringComparison.Ordinal);
        Assert.Contains("\"enum\":[\"Low\",\"Medium\",\"High\"]", call.Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_TemplatePrompt_FillsInTheInputsProperties()
    {
        var model = new ScriptedChatClient().Reply(Valid);
        var definition = WorkflowDefinition.Create<Ticket>("extract-template")
            .Extract("triage", "Ticket {id} from {customer.name} ({customer.tier}): {body} {{raw}}").Into<Triage>()
            .Build();
        await using var env = await StartAsync(model, definition);

        await (await env.Client.StartAsync(definition, new Ticket("T-9", "It broke", new Customer("Ada", 2)), cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Ticket T-9 from Ada (2): It broke {raw}", model.Calls.Single().LastUserText);
    }

    [Fact]
    public async Task Prompt_TemplateOverAString_InsertsTheWholeInput()
    {
        var model = new ScriptedChatClient().Reply("Bonjour");
        var definition = WorkflowDefinition.Create<string>("prompt-template").Prompt("translate", "Translate to French: {input}").Build();
        await using var env = await StartAsync(model, definition);

        var result = await (await env.Client.StartAsync(definition, "Hello", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal("Bonjour", result);
        Assert.Equal("Translate to French: Hello", model.Calls.Single().LastUserText);
    }

    [Theory]
    [InlineData("Unclosed {id", "is not closed")]
    [InlineData("Stray } brace", "closes nothing")]
    [InlineData("Empty {} placeholder", "empty placeholder")]
    [InlineData("{customer.email}", "'{customer.email}' names 'email', which Customer does not have. Its properties: name, tier")]
    public void Prompt_TemplateWithAMistake_FailsWhenTheStepIsAdded(string template, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => WorkflowDefinition.Create<Ticket>("bad-prompt").Prompt("p", template));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_TemplateNamesAMissingProperty_FailsWhenTheStepIsAdded()
    {
        var error = Assert.Throws<ArgumentException>(() => WorkflowDefinition.Create<Ticket>("bad-template").Extract("triage", "Ticket {id}: {subject}"));

        Assert.Contains("'{subject}' names 'subject', which Ticket does not have. Its properties: id, body, customer", error.Message, StringComparison.Ordinal);
    }

    public enum Priority
    {
        Low,
        Medium,
        High,
    }

    public sealed record Triage(string Category, Priority Priority, [property: Range(1, 5)] int Urgency, string Summary);

    public sealed record OrderLine(string Sku, [property: Range(1, 100)] int Quantity);

    public sealed record Order(string OrderId, OrderLine[] Lines);

    public sealed record Customer(string Name, int Tier);

    public sealed record Ticket(string Id, string Body, Customer Customer);
}
