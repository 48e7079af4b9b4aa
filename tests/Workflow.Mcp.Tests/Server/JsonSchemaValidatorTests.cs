using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Workflow.Mcp.Server;

namespace Workflow.Mcp.Tests.Server;

/// <summary>The checks a start tool makes before anything is started, against schemas generated from .NET types.</summary>
public sealed class JsonSchemaValidatorTests
{
    public enum Priority
    {
        Low,
        High,
    }

    public sealed record Line(string Sku, int Quantity);

    public sealed record Ticket(string Customer, Priority Priority, IReadOnlyList<Line> Lines, decimal? Discount = null);

    // As a host configures the workflow serializer: enums as strings.
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerOptions.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly JsonElement Schema = AIJsonUtilities.CreateJsonSchema(typeof(Ticket), serializerOptions: SerializerOptions);

    private static IReadOnlyList<string> Validate(string json) => JsonSchemaValidator.Validate(JsonDocument.Parse(json).RootElement, Schema, "input");

    [Fact]
    public void Validate_MatchingValue_HasNoProblems()
    {
        Assert.Empty(Validate("""{"customer":"ada","priority":"High","lines":[{"sku":"A","quantity":2}],"discount":null}"""));
    }

    [Fact]
    public void Validate_WrongTypeInAnArrayItem_NamesTheItemsPath()
    {
        var problems = Validate("""{"customer":"ada","priority":"Low","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":1.5}]}""");

        Assert.Equal(["'input.lines[1].quantity' must be an integer, not the number 1.5."], problems);
    }

    [Fact]
    public void Validate_ValueOutsideAnEnum_ListsTheAllowedValues()
    {
        var problems = Validate("""{"customer":"ada","priority":"Urgent","lines":[]}""");

        Assert.Equal(["""'input.priority' must be one of "Low", "High", not "Urgent"."""], problems);
    }

    [Fact]
    public void Validate_MissingRequiredFieldsAndWrongRootType_ReportEach()
    {
        Assert.Equal(["'input.customer' is required.", "'input.priority' is required.", "'input.lines' is required."], Validate("{}"));
        Assert.Equal(["'input' must be an object, not an array."], Validate("[]"));
    }
}
