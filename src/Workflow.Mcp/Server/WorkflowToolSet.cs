using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Mcp.Internal;
using Workflow.Runtime;

namespace Workflow.Mcp.Server;

/// <summary>The tools an MCP server gets from <c>WithWorkflowTools</c>: a start tool per exposed workflow and the
/// generic tools over their instances, built once from the registry.</summary>
internal sealed partial class WorkflowToolSet
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, WorkflowDefinition> _exposed = new(StringComparer.Ordinal);

    public WorkflowToolSet(
        IWorkflowRegistry registry,
        IWorkflowClient client,
        IOptions<WorkflowToolOptions> options,
        IOptions<WorkflowOptions> workflowOptions,
        TimeProvider timeProvider,
        IServiceProvider services,
        ILoggerFactory? loggerFactory = null)
    {
        Client = client;
        Options = options.Value;
        TimeProvider = timeProvider;
        Services = services;
        Logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger(Log.ServerCategory);
        var serializerOptions = workflowOptions.Value.SerializerOptions ?? JsonSerializerOptions.Web;

        if (Options.Workflows.Count == 0)
        {
            throw new InvalidOperationException(
                "WithWorkflowTools exposes no workflow: add the names of the workflows to serve to WorkflowToolOptions.Workflows.");
        }

        var tools = new List<WorkflowTool>();
        var missing = new List<string>();
        foreach (var name in Options.Workflows.Order(StringComparer.Ordinal))
        {
            if (registry.Find(name) is not { } definition)
            {
                missing.Add(name);
                continue;
            }

            _exposed.Add(name, definition);
            tools.Add(CreateStartTool(definition, serializerOptions));
        }

        if (missing.Count > 0)
        {
            var registered = string.Join(", ", registry.Definitions.Select(static d => d.Name).Distinct().Order(StringComparer.Ordinal));
            throw new InvalidOperationException(
                $"WithWorkflowTools exposes {string.Join(", ", missing.Select(static m => $"'{m}'"))}, not registered with AddWorkflow. Registered: {(registered.Length == 0 ? "none" : registered)}.");
        }

        var collision = tools.GroupBy(static t => t.ProtocolTool.Name, StringComparer.Ordinal).FirstOrDefault(static g => g.Count() > 1);
        if (collision is not null)
        {
            throw new InvalidOperationException(
                $"Two exposed workflows get the same tool name '{collision.Key}' ('.' becomes '_' in tool names); rename one of them.");
        }

        tools.AddRange(CreateGenericTools());
        Tools = tools;
    }

    public IReadOnlyList<WorkflowTool> Tools { get; }

    public IWorkflowClient Client { get; }

    public WorkflowToolOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public IServiceProvider Services { get; }

    public ILogger Logger { get; }

    public bool HasAuthorizer(IServiceProvider? requestServices) =>
        (requestServices ?? Services).GetService<IWorkflowToolAuthorizer>() is not null;

    private WorkflowTool CreateStartTool(WorkflowDefinition definition, JsonSerializerOptions serializerOptions)
    {
        var inputSchema = AIJsonUtilities.CreateJsonSchema(
            definition.InputType,
            description: XmlDocumentation.Summary(definition.InputType) ?? $"The input of workflow '{definition.Name}'.",
            serializerOptions: serializerOptions,
            inferenceOptions: XmlDocumentation.SchemaOptions);
        var maxWait = (int)Math.Ceiling(Options.MaxWait.TotalSeconds);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["input"] = JsonNode.Parse(inputSchema.GetRawText()),
                ["instanceId"] = new JsonObject
                {
                    ["type"] = "string",
                    ["description"] = "An id for the new instance, to make the start idempotent: starting again with the same id and input returns the existing instance. Omit it for a new id.",
                },
                ["waitSeconds"] = new JsonObject
                {
                    ["type"] = "integer",
                    ["minimum"] = 0,
                    ["maximum"] = maxWait,
                    ["description"] = string.Create(CultureInfo.InvariantCulture, $"How long to wait for the result; 0 returns the instance id at once. The default is {(int)Options.DefaultWait.TotalSeconds}."),
                },
            },
            ["required"] = new JsonArray("input"),
        };
        var description = (definition.Description is { Length: > 0 } d ? d.TrimEnd('.') + ". " : string.Empty)
            + $"Starts workflow '{definition.Name}' and waits for its result up to waitSeconds, or until it waits for an approval; "
            + $"returns the instance id and status (use {WorkflowToolNames.GetResult} to wait longer).";
        var tool = new Tool
        {
            Name = WorkflowToolNames.Start(definition.Name),
            Title = $"Start {definition.Name}",
            Description = description,
            InputSchema = JsonSerializer.SerializeToElement(schema, JsonOptions),
            Annotations = new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = false, OpenWorldHint = false },
        };
        var argumentSchema = tool.InputSchema;
        return new WorkflowTool(tool, this, (call, ct) => StartAsync(call, definition, argumentSchema, ct));
    }

    private async Task<JsonNode> StartAsync(WorkflowToolCall call, WorkflowDefinition definition, JsonElement argumentSchema, CancellationToken cancellationToken)
    {
        var instanceId = call.GetString("instanceId") ?? call.IdempotencyKey;
        if (instanceId is not null && (instanceId.Length > StartWorkflowOptions.MaxInstanceIdLength || instanceId.Any(char.IsControl)))
        {
            throw new McpException($"The argument 'instanceId' must be 1 to {StartWorkflowOptions.MaxInstanceIdLength} characters with no control characters.");
        }

        var wait = call.GetWait();
        await call.AuthorizeAsync(WorkflowToolOperation.Start, definition.Name, instanceId, cancellationToken: cancellationToken).ConfigureAwait(false);

        var input = call.Get("input") ?? throw new McpException($"The argument 'input' is required: the input of workflow '{definition.Name}'. Nothing was started.");
        var problems = JsonSchemaValidator.Validate(input, argumentSchema.GetProperty("properties").GetProperty("input"), "input");
        if (problems.Count > 0)
        {
            throw new McpException($"The input does not fit workflow '{definition.Name}': {string.Join(" ", problems)} Nothing was started.");
        }

        var handle = await Client.StartAsync(
            definition.Name,
            definition.Version,
            input,
            new StartWorkflowOptions { InstanceId = instanceId },
            cancellationToken).ConfigureAwait(false);
        return await WaitAndReportAsync(call, handle.InstanceId, wait, stopAtApproval: true, cancellationToken).ConfigureAwait(false);
    }
}
